// The tutorial (docs/tutorial.md) works as written: the `sh` blocks of its
// step 1 (set-up, build, `make install`) and step 4 (build the plugin with
// pkg-config, write hello.toml, start the INSTALLED server) are read from the
// page and run by bash unchanged, then an independent client (grpc-js +
// apache-arrow) reads the data. What the test supplies is the environment a
// user's machine would have: PREFIX points at a scratch folder (make reads it
// from the environment), PATH and PKG_CONFIG_PATH follow it, HOME is scratch,
// `sudo` passes through (the prefix needs no privileges), and
// GOODDATA_FLIGHT_SERVER__LISTEN_PORT picks a free port.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { REPO, BUILD, freePort } from './lib/server.mjs';
import { FlightClient, pathDescriptor } from './lib/flight.mjs';
import { flightDataToTable } from './lib/arrow_flight.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The ```sh blocks under the "## <step>." heading of the tutorial, joined. */
function tutorialStep(step) {
  const md = fs.readFileSync(path.join(REPO, 'docs/tutorial.md'), 'utf8');
  const sections = md.split(/^## /m);
  const section = sections.find((s) => s.startsWith(`${step}.`));
  assert.ok(section, `tutorial has a step ${step}`);
  const blocks = [...section.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
  assert.ok(blocks.length > 0, `step ${step} has a sh block`);
  return blocks.join('\n');
}

/** The pid of the server the step-4 shell runs (its child, or itself after exec). */
function serverPid(shellPid) {
  try {
    const kids = fs.readFileSync(`/proc/${shellPid}/task/${shellPid}/children`, 'utf8').trim();
    return kids ? Number(kids.split(/\s+/)[0]) : shellPid;
  } catch {
    return shellPid;
  }
}

test('the tutorial, run as written, installs, builds the plugin and serves data', { timeout: 300000 }, async () => {
  const dest = fs.mkdtempSync(path.join(os.tmpdir(), 'gf-tutorial-'));
  const prefix = path.join(dest, 'usr');
  const shim = path.join(dest, 'shim');
  const home = path.join(dest, 'home');
  fs.mkdirSync(shim);
  fs.mkdirSync(home);
  fs.writeFileSync(path.join(shim, 'sudo'), '#!/bin/sh\nexec "$@"\n', { mode: 0o755 });
  const port = await freePort();
  const env = {
    ...process.env,
    PREFIX: prefix,
    B: path.relative(REPO, BUILD),
    HOME: home,
    PATH: `${shim}:${path.join(prefix, 'bin')}:${process.env.PATH}`,
    PKG_CONFIG_PATH: path.join(prefix, 'lib', 'pkgconfig'),
    GOODDATA_FLIGHT_SERVER__LISTEN_PORT: String(port),
  };
  try {
    const install = spawnSync('bash', ['-euo', 'pipefail', '-c', tutorialStep(1)],
      { cwd: REPO, env, encoding: 'utf8', maxBuffer: 64 << 20 });
    assert.equal(install.status, 0, `step 1 failed:\n${install.stdout.slice(-3000)}\n${install.stderr.slice(-3000)}`);
    const lib = path.join(prefix, 'lib');
    assert.ok(fs.existsSync(path.join(prefix, 'include', 'gooddata_flight_server.h')), 'umbrella header installed');
    assert.equal(fs.readlinkSync(path.join(lib, 'libgooddata_flight_server.so')), 'libgooddata_flight_server.so.0');
    const soname = spawnSync('readelf', ['-d', path.join(lib, 'libgooddata_flight_server.so.0')], { encoding: 'utf8' });
    assert.match(soname.stdout, /SONAME\)\s+Library soname: \[libgooddata_flight_server\.so\.0\]/);

    const shell = spawn('bash', ['-euo', 'pipefail', '-c', tutorialStep(4)],
      { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    shell.stdout.on('data', (d) => { out += d; });
    shell.stderr.on('data', (d) => { out += d; });
    let code = null;
    const exited = new Promise((r) => shell.on('exit', (c, sig) => { code = c ?? sig; r(code); }));
    const client = new FlightClient(`127.0.0.1:${port}`);
    try {
      let flights;
      for (let i = 0; i < 600 && code === null; i++) {
        try { flights = await client.listFlights(Buffer.alloc(0), { deadlineMs: 1000 }); break; } catch { await sleep(100); }
      }
      assert.ok(flights, `server answered ListFlights (shell exit ${code}): ${out.slice(-3000)}`);
      assert.equal(flights.length, 1);
      assert.equal(flights[0].total_records, '4');
      const info = await client.getFlightInfo(pathDescriptor('hello'), { deadlineMs: 5000 });
      assert.equal(info.endpoint[0].location[0].uri, `grpc://127.0.0.1:${port}`);
      const msgs = await client.doGet(info.endpoint[0].ticket.ticket, { deadlineMs: 5000 });
      const { table } = flightDataToTable(msgs);
      assert.deepEqual(table.getChild('message').toArray(), ['hi #0', 'hi #1', 'hi #2', 'hi #3']);
      assert.match(out, /hello_ready/);
      assert.ok(fs.existsSync(path.join(home, 'hello', 'libhello.so')), 'plugin built under ~/hello');
    } finally {
      client.close();
      if (code === null) process.kill(serverPid(shell.pid), 'SIGTERM');
      assert.equal(await exited, 0, out.slice(-2000));
    }
  } finally {
    fs.rmSync(dest, { recursive: true, force: true });
  }
});
