// The tutorial (docs/tutorial.md) works as written: `make install` into a
// scratch prefix, the tutorial's service (examples/hello/hello.c) compiled
// against the INSTALLED headers and library only, started with the INSTALLED
// binary, and read back with an independent client (grpc-js + apache-arrow).
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import { REPO, BUILD, freePort } from './lib/server.mjs';
import { FlightClient, pathDescriptor } from './lib/flight.mjs';
import { flightDataToTable } from './lib/arrow_flight.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test('tutorial service builds against the installed headers and serves data', { timeout: 120000 }, async () => {
  const dest = fs.mkdtempSync(path.join(os.tmpdir(), 'gf-install-'));
  const prefix = path.join(dest, 'usr');
  try {
    execFileSync('make', ['-s', `B=${path.relative(REPO, BUILD)}`, 'install', `PREFIX=${prefix}`], { cwd: REPO, stdio: 'pipe' });
    const inc = path.join(prefix, 'include');
    assert.ok(fs.existsSync(path.join(inc, 'gooddata_flight_server.h')), 'umbrella header installed');
    const so = path.join(dest, 'libhello.so');
    // A sanitizer build of the library needs the plugin built with the same runtime.
    const san = { asan: ['-fsanitize=address,undefined'], tsan: ['-fsanitize=thread'] }[process.env.SAN] || [];
    execFileSync('cc', ['-std=c11', '-Wall', '-Wextra', '-Werror', '-pedantic', '-fPIC', '-shared', ...san,
      '-I', inc, '-o', so, path.join(REPO, 'examples/hello/hello.c'),
      '-L', path.join(prefix, 'lib'), '-lgooddata_flight_server'], { stdio: 'pipe' });

    const port = await freePort();
    const cfg = path.join(dest, 'hello.toml');
    fs.writeFileSync(cfg, `[server]\nlisten_port = ${port}\nadvertise_host = "127.0.0.1"\n\n[hello]\nrows = 4\ngreeting = "hi"\n`);
    const child = spawn(path.join(prefix, 'bin', 'gooddata-flight-server'),
      ['start', '--methods-provider', so, '--config', cfg], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    const exited = new Promise((r) => child.on('exit', (code) => r(code)));
    const client = new FlightClient(`127.0.0.1:${port}`);
    try {
      let flights;
      for (let i = 0; i < 100; i++) {
        try { flights = await client.listFlights(Buffer.alloc(0), { deadlineMs: 1000 }); break; } catch { await sleep(100); }
      }
      assert.ok(flights, `server answered ListFlights: ${stderr}`);
      assert.equal(flights.length, 1);
      assert.equal(flights[0].total_records, '4');
      const info = await client.getFlightInfo(pathDescriptor('hello'), { deadlineMs: 5000 });
      assert.equal(info.endpoint[0].location[0].uri, `grpc://127.0.0.1:${port}`);
      const msgs = await client.doGet(info.endpoint[0].ticket.ticket, { deadlineMs: 5000 });
      const { table } = flightDataToTable(msgs);
      assert.deepEqual(table.getChild('message').toArray(), ['hi #0', 'hi #1', 'hi #2', 'hi #3']);
      assert.match(stderr, /hello_ready/);
    } finally {
      client.close();
      child.kill('SIGTERM');
      assert.equal(await exited, 0, stderr.slice(-2000));
    }
  } finally {
    fs.rmSync(dest, { recursive: true, force: true });
  }
});
