// The gooddata-flight-server command line: help/version/usage exit codes,
// one-line errors for plugin loading and settings, `config` output, plugin
// resolution by name, and a second SIGTERM forcing exit 1.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BINARY, BUILD, REPO, freePort, haveServer } from './lib/server.mjs';
import { FlightClient, nextMessage } from './lib/flight.mjs';
import { flightDataToTable } from './lib/arrow_flight.mjs';

const skip = !haveServer('static') && 'server binary or libstatic.so not built';

function run(args, env = {}) {
  const r = spawnSync(BINARY, args, { cwd: REPO, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 20000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('cli: help, version and usage errors', { skip }, () => {
  let r = run(['--help']);
  assert.equal(r.code, 0);
  assert.match(r.out, /start/);
  for (const cmd of ['start', 'config']) {
    r = run([cmd, '--help']);
    assert.equal(r.code, 0, cmd);
    assert.match(r.out, new RegExp(`usage: gooddata-flight-server ${cmd}`));
  }
  r = run(['--version']);
  assert.equal(r.code, 0);
  assert.match(r.out, /^gooddata-flight-server \d+\.\d+\.\d+/);
  assert.equal(run([]).code, 1);
  assert.equal(run(['bogus']).code, 2);
  assert.equal(run(['start', '--bogus']).code, 2);
  r = run(['start']);
  assert.equal(r.code, 2);
  assert.match(r.err, /--methods-provider/);
});

test('cli: one-line errors for plugins and settings', { skip }, () => {
  let r = run(['start', '--methods-provider', '/nonexistent/libnope.so']);
  assert.equal(r.code, 1);
  assert.match(r.err, /^An error has occurred while getting the FlightMethodsFactory: .*not found: .*libnope\.so/);
  assert.equal(r.err.trim().split('\n').length, 1);
  r = run(['start', '--methods-provider', 'surely_no_such_plugin']);
  assert.equal(r.code, 1);
  assert.match(r.err, /surely_no_such_plugin/);
  // A shared library without the plugin entry points.
  r = run(['start', '--methods-provider', path.join(BUILD, 'lib', 'libgooddata_flight_server.so')]);
  assert.equal(r.code, 1);
  assert.match(r.err, /No flight methods factory found/);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gf-cli-'));
  try {
    const bad = path.join(dir, 'bad.toml');
    fs.writeFileSync(bad, '[server]\nlisten_port = "not a number"\n');
    r = run(['start', '--methods-provider', 'static', '--config', bad]);
    assert.equal(r.code, 1);
    assert.match(r.err, /^An error has occurred while reading settings: .*listen_port/);
    r = run(['config', '--config', bad]);
    assert.equal(r.code, 1);
    assert.match(r.err, /listen_port/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('cli: config prints the effective configuration; --docs the reference', { skip }, () => {
  let r = run(['config'], { GOODDATA_FLIGHT_SERVER__LISTEN_PORT: '12345' });
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /12345/);
  r = run(['config', '--docs']);
  assert.equal(r.code, 0);
  assert.match(r.out, /listen_port/);
});

function varint(n) {
  const out = [];
  let v = BigInt(n);
  while (v >= 0x80n) { out.push(Number((v & 0x7fn) | 0x80n)); v >>= 7n; }
  out.push(Number(v));
  return out;
}

/** perf.Token{1: Perf{4: records_per_batch}, 2: 0, 3: rows}: an endless-ish DoGet. */
function perfToken(rows, perBatch) {
  const perf = [0x20, ...varint(perBatch)];
  return Buffer.from([0x0a, perf.length, ...perf, 0x10, 0x00, 0x18, ...varint(rows)]);
}

function startCli(example, port) {
  return spawn(BINARY, ['start', '--methods-provider', example], {
    cwd: REPO,
    env: { ...process.env, GOODDATA_FLIGHT_SERVER__LISTEN_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

async function waitReady(client) {
  for (let i = 0; i < 100; i++) {
    try {
      await client.listActions({ deadlineMs: 2000 });
      return;
    } catch (e) {
      if (e.code !== 14) return;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

test('cli: plugin by name serves the static table', { skip, timeout: 30000 }, async () => {
  const port = await freePort();
  const child = startCli('static', port);
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const exit = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  const client = new FlightClient(`127.0.0.1:${port}`);
  try {
    let msgs = null;
    for (let i = 0; i < 100 && !msgs; i++) {
      try {
        msgs = await client.doGet('anything', { deadlineMs: 2000 });
      } catch (e) {
        if (e.code !== 14) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    assert.ok(msgs, stderr);
    const got = flightDataToTable(msgs);
    assert.deepEqual(got.table.schema.fields.map((f) => f.name), ['col1']);
    assert.deepEqual([...got.table.getChild('col1').toArray()].map(Number), [1, 2, 3]);
    child.kill('SIGTERM');
    assert.equal(await exit, 0);
  } finally {
    client.close();
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});

test('cli: a second SIGTERM during the graceful stop exits 1 at once', { skip: !haveServer('perf') && 'libperf.so not built', timeout: 30000 }, async () => {
  const port = await freePort();
  const child = startCli('perf', port);
  const exit = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  const client = new FlightClient(`127.0.0.1:${port}`);
  try {
    await waitReady(client);
    const call = client.doGetCall(perfToken(1e12, 1000), { deadlineMs: 25000 });
    call.on('error', () => {});
    assert.ok(await nextMessage(call), 'the stream started');
    child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(child.exitCode, null, 'still draining (grace period)');
    const t0 = Date.now();
    child.kill('SIGTERM');
    assert.equal(await exit, 1);
    assert.ok(Date.now() - t0 < 3000);
  } finally {
    client.close();
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});
