// Availability gate: calls that arrive after the port is bound but before the
// methods factory returned get UNAVAILABLE "Try again later." with ErrorInfo
// code 197109 (NOT_READY) in grpc-status-details-bin; afterwards they are served.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BINARY, REPO, freePort, haveServer, examplePath } from './lib/server.mjs';
import { FlightClient, errorInfo, STATUS } from './lib/flight.mjs';

const skip = !haveServer('perf') && 'server binary or libperf.so not built';

test('gate: NOT_READY while the factory runs, then open', { skip, timeout: 30000 }, async () => {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gf-gate-'));
  const cfg = path.join(dir, 'c.toml');
  fs.writeFileSync(cfg, `[server]\nlisten_port = ${port}\n\n[perf]\nstartup_delay_ms = 2500\n`);
  const child = spawn(BINARY, ['start', '--methods-provider', examplePath('perf'), '--config', cfg],
    { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const exit = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  const client = new FlightClient(`127.0.0.1:${port}`);
  try {
    let notReady = null;
    let served = false;
    const end = Date.now() + 20000;
    while (Date.now() < end && !served) {
      try {
        const r = await client.doAction('ping', Buffer.alloc(0), { deadlineMs: 2000 });
        assert.equal(Buffer.from(r[0].body).toString(), 'ok');
        served = true;
      } catch (e) {
        const info = errorInfo(e);
        if (info.arrowStatus !== null) notReady = info;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    assert.ok(served, `served eventually: ${stderr.slice(-2000)}`);
    assert.ok(notReady, 'a call was rejected by the gate before the factory returned');
    assert.equal(notReady.code, STATUS.UNAVAILABLE);
    assert.equal(notReady.details, 'Try again later.. Detail: Unavailable');
    assert.equal(notReady.arrowMessage, 'Try again later.');
    assert.equal(notReady.arrowDetail, 'Unavailable');
    const ei = JSON.parse(notReady.extraInfo.toString());
    assert.deepEqual(ei, { msg: 'Try again later.', detail: null, code: 197109, body: null });
    child.kill('SIGTERM');
    assert.equal(await exit, 0);
  } finally {
    client.close();
    if (child.exitCode === null) child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
