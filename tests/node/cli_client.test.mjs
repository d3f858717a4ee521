// The terminal client gooddata-flight (build/bin/gooddata-flight) against the
// real server over loopback: data put by the independent client (grpc-js +
// apache-arrow) read back with `get` as csv/jsonl/table and compared byte for
// byte with the hand-checked texts in tests/cli/expected/; `get --format
// arrow`/`arrow-file` decoded by apache-arrow; `put` read back by grpc-js;
// list/info/schema/actions/action; bearer tokens (flag, @file, environment);
// TLS and mTLS; the progress line in a real pseudo-terminal (script) and its
// absence when stderr is piped; Ctrl-C (SIGINT) during a long get.
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as A from 'apache-arrow';
import grpc from '@grpc/grpc-js';
import { startServer, haveServer, REPO, BUILD } from './lib/server.mjs';
import { FlightClient, pathDescriptor, nextMessage } from './lib/flight.mjs';
import { tableToFlightGroups, flightDataToTable, tableRows } from './lib/arrow_flight.mjs';
import { multiTypeTable } from './lib/fixtures.mjs';
import { CLI, haveCli, runCli, startCli, perfCommand } from './lib/cli.mjs';
import { haveOpenssl, makeCerts } from '../security/helpers.mjs';

const skip = (!haveServer('store') || !haveServer('perf') || !haveCli()) && 'server, examples or gooddata-flight not built';
const EXPECTED = path.join(REPO, 'tests', 'cli', 'expected');
const tmpDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'gf-cli-'));

async function putTable(client, name, table) {
  const call = client.doPutCall({ deadlineMs: 20000 });
  for (const g of tableToFlightGroups(table, { descriptor: pathDescriptor(name) })) for (const m of g) call.write(m);
  call.end();
  while (await nextMessage(call, 10000));
}

function haveScript() {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

test('gooddata-flight against the store example', { skip, timeout: 120000 }, async (t) => {
  const srv = await startServer({ example: 'store' });
  const client = new FlightClient(srv.address);
  const uri = ['--uri', srv.location];
  const dir = tmpDir();
  try {
    const table = multiTypeTable(2, 4);
    await putTable(client, 'multi', table);

    for (const [format, file] of [['csv', 'multi.csv'], ['jsonl', 'multi.jsonl'], ['table', 'multi.txt']]) {
      await t.test(`get --format ${format} equals tests/cli/expected/${file}`, async () => {
        const r = await runCli(['get', 'multi', '--format', format, ...uri]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stderr, '', 'nothing on stderr when it is not a terminal');
        assert.equal(r.stdout.toString('utf8'), fs.readFileSync(path.join(EXPECTED, file), 'utf8'));
      });
    }

    await t.test('GOODDATA_FLIGHT_URI is used when --uri is absent; piped output defaults to csv', async () => {
      const r = await runCli(['get', 'multi'], { env: { GOODDATA_FLIGHT_URI: srv.location } });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.toString('utf8'), fs.readFileSync(path.join(EXPECTED, 'multi.csv'), 'utf8'));
    });

    await t.test('get --format arrow / arrow-file decode to the table that was put', async () => {
      const want = tableRows(table);
      const r = await runCli(['get', 'multi', '--format', 'arrow', ...uri]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(tableRows(A.tableFromIPC(r.stdout)), want);
      /* the batches carry different dictionaries: the IPC file format cannot hold that */
      const f = await runCli(['get', 'multi', '-o', path.join(dir, 'multi.arrow'), ...uri]);
      assert.equal(f.code, 1);
      assert.match(f.stderr, /dictionary 0 changed .*use --format arrow/);
    });

    await t.test('put uploads an IPC file that grpc-js reads back; -v prints the PutResults', async () => {
      const file = path.join(dir, 'simple.arrows');
      const src = A.tableFromArrays({ id: Int32Array.from([1, 2, 3]), name: ['a', 'b', null] });
      fs.writeFileSync(file, A.tableToIPC(src, 'stream'));
      const r = await runCli(['put', 'up', 'loaded', file, '-v', ...uri]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.toString(), '\n', 'one PutResult with empty app_metadata');
      const info = await client.getFlightInfo(pathDescriptor('up', 'loaded'), { deadlineMs: 5000 });
      const msgs = await client.doGet(info.endpoint[0].ticket.ticket, { deadlineMs: 5000 });
      assert.deepEqual(tableRows(flightDataToTable(msgs).table), tableRows(src));
      const out = path.join(dir, 'loaded.arrow');
      const g = await runCli(['get', 'up', 'loaded', '-o', out, ...uri]); /* .arrow -> IPC file format */
      assert.equal(g.code, 0, g.stderr);
      const bytes = fs.readFileSync(out);
      assert.equal(bytes.subarray(0, 6).toString(), 'ARROW1', 'IPC file magic');
      assert.deepEqual(tableRows(A.tableFromIPC(bytes)), tableRows(src));
    });

    await t.test('list, info, schema, actions, action', async () => {
      let r = await runCli(['list', ...uri]);
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.toString().split('\n');
      assert.equal(lines[0], 'descriptor\trecords\tbytes\tendpoints\tschema');
      assert.ok(lines.includes('path:multi\t7\t-1\t1\ti8: int8, i16: int16, i32: int32, i64: int64, u8: uint8, ' +
        'u16: uint16, u32: uint32, u64: uint64, f32: float, f64: double, b: bool, s: string, bin: binary, d: date32, ' +
        'ts: timestamp[us, tz=UTC], dec: decimal128(20, 2), l: list<item: int32>, st: struct<x: int32, y: string>, ' +
        'dict: dictionary<values: string, indices: int32>'), r.stdout.toString());
      r = await runCli(['info', 'multi', ...uri]);
      assert.equal(r.code, 0, r.stderr);
      const info = r.stdout.toString();
      assert.match(info, /^descriptor: path:multi\ntotal_records: 7\ntotal_bytes: -1\nordered: false\nendpoints: 1\n/);
      assert.ok(info.includes(`  [0] ticket: multi\n      location: ${srv.location}\n`), info);
      assert.ok(info.includes('schema:\n  i8: int8\n'), info);
      assert.ok(info.includes('  st: struct\n    x: int32\n    y: string\n'), info);
      r = await runCli(['schema', 'multi', ...uri]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout.toString(), /^i8: int8\ni16: int16\n/);
      r = await runCli(['actions', ...uri]);
      assert.equal(r.stdout.toString(), "drop\tRemoves a dataset. Body: the dataset path (elements joined by '/').\n");
      fs.writeFileSync(path.join(dir, 'body'), 'up/loaded');
      r = await runCli(['action', 'drop', `@${path.join(dir, 'body')}`, ...uri]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.toString(), 'dropped\n');
      r = await runCli(['action', 'drop', 'up/loaded', ...uri]);
      assert.equal(r.code, 1);
      assert.equal(r.stderr, "gooddata-flight: DoAction: NOT_FOUND: Unknown dataset 'up/loaded'\n");
    });

    await t.test('--help on every command; usage errors exit 2', async () => {
      for (const cmd of ['list', 'info', 'schema', 'get', 'put', 'actions', 'action', 'call']) {
        const r = await runCli([cmd, '--help']);
        assert.equal(r.code, 0);
        assert.match(r.stdout.toString(), new RegExp(`^usage: gooddata-flight ${cmd}`));
        assert.match(r.stdout.toString(), /Exit codes: 0 ok, 1 server error, 2 usage, 3 connection or TLS failure/);
      }
      const r = await runCli(['frobnicate']);
      assert.equal(r.code, 2);
      assert.equal((await runCli(['get', ...uri])).code, 2, 'get without PATH');
      assert.equal((await runCli(['get', 'x', '--timeout', 'soon', ...uri])).code, 2);
    });
  } finally {
    client.close();
    fs.rmSync(dir, { recursive: true, force: true });
    const st = await srv.stop();
    assert.equal(st.code, 0);
  }
});

test('gooddata-flight: ErrorInfo code in the error line, -v detail and retry hint', { skip: (!haveServer('tasks') || !haveCli()) && 'not built', timeout: 60000 }, async () => {
  const srv = await startServer({ example: 'tasks' });
  try {
    let r = await runCli(['get', '--cmd', '{"rows":5,"fail":true,"wait":true}', '--uri', srv.location]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'gooddata-flight: GetFlightInfo: UNKNOWN: COMMAND_FAILED (5): There was an error while running task: requested failure after 0 ms\n');
    r = await runCli(['get', '--cmd', '{"rows":"x"}', '-v', '--uri', srv.location]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, "gooddata-flight: GetFlightInfo: UNKNOWN: BAD_ARGUMENT (1): 'rows' must be an integer in 0..10000000\n" +
      '  error code: 1 (0x1)\n  retry: do not retry\n');
    const t0 = Date.now();
    r = await runCli(['get', '--cmd', '{"rows":3,"delay_ms":5000,"wait":true}', '--timeout', '0.5', '--uri', srv.location]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^gooddata-flight: GetFlightInfo: DEADLINE_EXCEEDED: /);
    assert.ok(Date.now() - t0 < 4000, '--timeout ends the call');
    r = await runCli(['get', '--cmd', '{"rows":3}', '-f', 'jsonl', '--uri', srv.location]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.toString(), '{"id":0,"value":"row-0"}\n{"id":1,"value":"row-1"}\n{"id":2,"value":"row-2"}\n');
  } finally {
    assert.equal((await srv.stop()).code, 0);
  }
});

test('gooddata-flight: bearer token from --token, @file and GOODDATA_FLIGHT_TOKEN', { skip, timeout: 60000 }, async () => {
  const srv = await startServer({
    example: 'store',
    server: 'authentication_method = "token"',
    config: '[enumerated_tokens]\ntokens = ["s3cret"]\n',
    probe: async () => true,
  });
  const dir = tmpDir();
  try {
    const uri = ['--uri', srv.location];
    let r;
    for (let i = 0; i < 50; i++) { /* readiness: the server answers (UNAUTHENTICATED) */
      r = await runCli(['actions', ...uri]);
      if (r.code !== 3) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'gooddata-flight: ListActions: UNAUTHENTICATED: Authentication failed because the authentication header bearing the token was not included on the call.\n');
    r = await runCli(['actions', '--token', 'wrong', ...uri]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /UNAUTHENTICATED: Authentication token is not valid\./);
    r = await runCli(['actions', '--token', 's3cret', ...uri]);
    assert.equal(r.code, 0, r.stderr);
    fs.writeFileSync(path.join(dir, 'token'), 's3cret\n');
    r = await runCli(['actions', '--token', `@${path.join(dir, 'token')}`, ...uri]);
    assert.equal(r.code, 0, r.stderr);
    r = await runCli(['actions', ...uri], { env: { GOODDATA_FLIGHT_TOKEN: 's3cret' } });
    assert.equal(r.code, 0, r.stderr);
    r = await runCli(['actions', '--header', 'Authorization=Bearer s3cret', ...uri]);
    assert.equal(r.code, 0, r.stderr);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    assert.equal((await srv.stop()).code, 0);
  }
});

test('gooddata-flight over TLS and mTLS', { skip: skip || (!haveOpenssl() && 'openssl CLI not available'), timeout: 90000 }, async (t) => {
  const certs = makeCerts();
  const tls = [
    'use_tls = true',
    `tls_certificate = "@${certs.path('server.pem')}"`,
    `tls_private_key = "@${certs.path('server.key')}"`,
  ].join('\n');
  const probe = (client) => async (address) => {
    const creds = grpc.credentials.createSsl(certs.pem('ca.pem'), client ? certs.pem('client.key') : null, client ? certs.pem('client.pem') : null);
    const c = new FlightClient(address, { credentials: creds });
    try {
      await c.listActions({ deadlineMs: 1000 });
      return true;
    } finally {
      c.close();
    }
  };
  try {
    await t.test('TLS: the right CA connects; no CA or another CA is a TLS failure (exit 3)', async () => {
      const srv = await startServer({ example: 'store', server: tls, probe: probe(false) });
      try {
        const uri = ['--uri', `grpc+tls://127.0.0.1:${srv.port}`];
        let r = await runCli(['actions', '--tls-root-cert', certs.path('ca.pem'), ...uri]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout.toString(), /^drop\t/);
        r = await runCli(['actions', '--tls-root-cert', certs.path('other-ca.pem'), ...uri]);
        assert.equal(r.code, 3, r.stderr);
        assert.match(r.stderr, /^gooddata-flight: ListActions: UNAVAILABLE: /);
        r = await runCli(['actions', '--uri', `grpc://127.0.0.1:${srv.port}`]);
        assert.equal(r.code, 3, `plaintext to a TLS port: ${r.stderr}`);
      } finally {
        assert.equal((await srv.stop()).code, 0);
      }
    });
    await t.test('mTLS: the client certificate is required', async () => {
      const srv = await startServer({
        example: 'store',
        server: `${tls}\nuse_mtls = true\ntls_root_certificate = "@${certs.path('ca.pem')}"`,
        probe: probe(true),
      });
      try {
        const base = ['actions', '--uri', `grpc+tls://127.0.0.1:${srv.port}`, '--tls-root-cert', certs.path('ca.pem')];
        let r = await runCli([...base, '--tls-cert', certs.path('client.pem'), '--tls-key', certs.path('client.key')]);
        assert.equal(r.code, 0, r.stderr);
        r = await runCli(base);
        assert.equal(r.code, 3, r.stderr);
        r = await runCli([...base, '--tls-cert', certs.path('client.pem')]);
        assert.equal(r.code, 2, 'certificate without key');
      } finally {
        assert.equal((await srv.stop()).code, 0);
      }
    });
  } finally {
    certs.cleanup();
  }
});

test('gooddata-flight: progress line and Ctrl-C (perf example)', { skip, timeout: 120000 }, async (t) => {
  const srv = await startServer({ example: 'perf' });
  const dir = tmpDir();
  const cmdFile = path.join(dir, 'perf.bin');
  /* csv rendering of 3 M rows takes seconds: long enough for the progress line */
  fs.writeFileSync(cmdFile, perfCommand(3 * 1024 * 1024));
  const get = ['get', '--cmd', `@${cmdFile}`, '--format', 'csv', '-o', '/dev/null', '--uri', srv.location];
  try {
    await t.test('stderr piped: no progress; --progress: rows, bytes, rate, elapsed', async () => {
      let r = await runCli(get);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, '');
      r = await runCli([...get, '--progress']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /\r\d+ rows, [\d.]+ (KiB|MiB|GiB), [\d.]+ (B|KiB|MiB|GiB)\/s {2}\d+\.\d s\x1b\[K/);
    });

    await t.test('a real terminal (script): progress drawn in place, then cleared', { skip: !haveScript() && 'script not installed' }, async () => {
      const line = [CLI, ...get].map((a) => `'${a}'`).join(' ');
      const r = await new Promise((resolve) => {
        const run = startCliLike('script', ['-q', '-e', '-c', line, '/dev/null']);
        run.done.then(resolve);
      });
      assert.equal(r.code, 0, r.stdout.toString());
      const tty = r.stdout.toString();
      assert.match(tty, /\r\d+ rows, [\d.]+ (KiB|MiB|GiB), /, 'progress on the terminal');
      assert.ok(tty.endsWith('\r\x1b[K'), `line cleared at the end: ${JSON.stringify(tty.slice(-40))}`);
    });

    await t.test('SIGINT during a long get: exit 130 at once, the server keeps serving', async () => {
      fs.writeFileSync(cmdFile, perfCommand(200 * 1024 * 1024));
      const run = startCli([...get, '--progress']);
      const started = Date.now();
      while (!/rows/.test(run.stderr()) && Date.now() - started < 20000) await new Promise((r) => setTimeout(r, 50));
      assert.match(run.stderr(), /rows/, 'the transfer is under way');
      const sent = Date.now();
      run.child.kill('SIGINT');
      const r = await run.done;
      assert.equal(r.code, 130);
      assert.ok(Date.now() - sent < 3000, 'exits promptly');
      assert.match(r.stderr, /\r\x1b\[Kgooddata-flight: interrupted \(Interrupt\)\n$/);
      const again = await runCli(['actions', '--uri', srv.location]);
      assert.equal(again.code, 0, again.stderr);
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    assert.equal((await srv.stop()).code, 0);
  }
});

/* Like startCli, for another program. */
function startCliLike(cmd, args) {
  const { spawn } = require_cp;
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const out = [];
  child.stdout.on('data', (d) => out.push(d));
  child.stderr.on('data', (d) => out.push(d));
  child.stdin.end();
  return { child, done: new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out) }))) };
}
import * as require_cp from 'node:child_process';

test('gooddata-flight call: the polling protocol against a simulating plugin', { skip: (!haveCli() || !fs.existsSync(path.join(BUILD, 'tests', 'plugins', 'libpoll_sim.so'))) && 'not built', timeout: 60000 }, async (t) => {
  const srv = await startServer({ provider: path.join(BUILD, 'tests', 'plugins', 'libpoll_sim.so') });
  const uri = ['--uri', srv.location];
  const CSV = 'col1\r\n1\r\n2\r\n3\r\n';
  try {
    await t.test('basic and polled calls return the rows; POLL answers are retried', async () => {
      for (const args of [['Quick'], ['Quick', '--poll'], ['PollTwice', '--poll']]) {
        const r = await runCli(['call', ...args, '--params', '{"a":1}', '-f', 'csv', ...uri]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout.toString(), CSV);
        assert.equal(r.stderr, '');
      }
    });
    await t.test('--params must be a JSON object', async () => {
      assert.equal((await runCli(['call', 'Quick', '--params', '[1]', ...uri])).code, 2);
    });
    await t.test('Ctrl-C while polling sends the cancel descriptor, exits 130', async () => {
      const run = startCli(['call', 'Forever', '--poll', '--progress', ...uri]);
      const t0 = Date.now();
      while (!/poll \d/.test(run.stderr()) && Date.now() - t0 < 10000) await new Promise((r) => setTimeout(r, 20));
      assert.match(run.stderr(), /Forever: running \(poll \d+\)/);
      run.child.kill('SIGINT');
      const r = await run.done;
      assert.equal(r.code, 130);
      assert.match(r.stderr, /\r\x1b\[Kgooddata-flight: interrupted \(Interrupt\)\ngooddata-flight: cancel: CANCELLED: COMMAND_CANCELLED \(6\): FlexConnect function invocation was cancelled\.\n$/);
      const c = await runCli(['action', 'cancels', ...uri]);
      assert.equal(c.stdout.toString(), '1\n', 'the server saw one cancel');
    });
  } finally {
    assert.equal((await srv.stop()).code, 0);
  }
});

test('gooddata-flight get follows the endpoint location to another server', { skip, timeout: 60000 }, async () => {
  const b = await startServer({ example: 'store' });
  const a = await startServer({ example: 'store', server: `advertise_port = ${b.port}` });
  const ca = new FlightClient(a.address);
  const cb = new FlightClient(b.address);
  try {
    await putTable(ca, 'loc', A.tableFromArrays({ v: Int32Array.from([1, 2, 3]) }));
    await putTable(cb, 'loc', A.tableFromArrays({ v: Int32Array.from([7, 8, 9]) }));
    let r = await runCli(['info', 'loc', '--uri', a.location]);
    assert.match(r.stdout.toString(), new RegExp(`location: grpc://127\\.0\\.0\\.1:${b.port}\n`));
    r = await runCli(['get', 'loc', '-f', 'csv', '--uri', a.location]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.toString(), 'v\r\n7\r\n8\r\n9\r\n', 'DoGet went to the location (server B)');
    r = await runCli(['get', '--ticket', 'loc', '-f', 'csv', '--uri', a.location]);
    assert.equal(r.stdout.toString(), 'v\r\n1\r\n2\r\n3\r\n', '--ticket reads on --uri');
  } finally {
    ca.close();
    cb.close();
    assert.equal((await a.stop()).code, 0);
    assert.equal((await b.stop()).code, 0);
  }
});
