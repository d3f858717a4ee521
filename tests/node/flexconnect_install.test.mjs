// docs/flexconnect.md works as written: `make install` into a scratch
// prefix, the doc's greeting.c compiled against the INSTALLED headers and
// library only, served by the INSTALLED binary with `--methods-provider
// flexconnect` (no extra file), read back with grpc-js + apache-arrow.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import { REPO, BUILD, freePort } from './lib/server.mjs';
import { FlightClient } from './lib/flight.mjs';
import { flightDataToTable } from './lib/arrow_flight.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function docFunction() {
  const md = fs.readFileSync(path.join(REPO, 'docs', 'flexconnect.md'), 'utf8');
  const m = md.match(/```c\n([\s\S]*?)```/);
  assert.ok(m, 'docs/flexconnect.md has a C block');
  return m[1];
}

test('the doc function builds against the installed headers and is served', { timeout: 120000 }, async () => {
  const dest = fs.mkdtempSync(path.join(os.tmpdir(), 'gf-fc-install-'));
  const prefix = path.join(dest, 'usr');
  try {
    execFileSync('make', ['-s', `B=${path.relative(REPO, BUILD)}`, 'install', `PREFIX=${prefix}`], { cwd: REPO, stdio: 'pipe' });
    const src = path.join(dest, 'greeting.c');
    fs.writeFileSync(src, docFunction());
    const so = path.join(dest, 'libgreeting.so');
    const san = { asan: ['-fsanitize=address,undefined'], tsan: ['-fsanitize=thread'] }[process.env.SAN] || [];
    execFileSync('cc', ['-std=c11', '-Wall', '-Wextra', '-Werror', '-fPIC', '-shared', ...san,
      '-I', path.join(prefix, 'include'), '-o', so, src, '-L', path.join(prefix, 'lib'), '-lgooddata_flight_server'],
    { stdio: 'pipe' });
    const port = await freePort();
    const cfg = path.join(dest, 'flexconnect.toml');
    fs.writeFileSync(cfg, `[server]\nlisten_port = ${port}\nadvertise_host = "127.0.0.1"\n\n[flexconnect]\nfunctions = ["${so}"]\n`);
    const child = spawn(path.join(prefix, 'bin', 'gooddata-flight-server'),
      ['start', '--methods-provider', 'flexconnect', '--config', cfg], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    const exited = new Promise((r) => child.on('exit', (code) => r(code)));
    const client = new FlightClient(`127.0.0.1:${port}`);
    try {
      let flights;
      for (let i = 0; i < 100 && !flights; i++) {
        try { flights = await client.listFlights(Buffer.alloc(0), { deadlineMs: 1000 }); } catch { await sleep(100); }
      }
      assert.ok(flights, `server answered ListFlights: ${stderr}`);
      assert.deepEqual(flights.map((f) => Buffer.from(f.flight_descriptor.cmd).toString()),
        ['{"functionName":"Greeting","metadata":null}']);
      const cmd = JSON.stringify({ functionName: 'Greeting', parameters: { executionContext: {
        executionType: 'REPORT', organizationId: 'o', workspaceId: 'w', userId: 'alice', attributes: [], filters: [] } } });
      const info = await client.getFlightInfo({ type: 'CMD', cmd: Buffer.from(cmd), path: [] }, { deadlineMs: 5000 });
      const { table } = flightDataToTable(await client.doGet(info.endpoint[0].ticket.ticket, { deadlineMs: 5000 }));
      assert.deepEqual([...table.getChild('greeting')], ['hello alice #0', 'hello alice #1', 'hello alice #2']);
    } finally {
      client.close();
      child.kill('SIGTERM');
      assert.equal(await exited, 0, stderr.slice(-2000));
    }
  } finally {
    fs.rmSync(dest, { recursive: true, force: true });
  }
});
