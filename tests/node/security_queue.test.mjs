// Server-wide admission limits seen by a real grpc-js client: with one RPC
// worker and `max_queued_calls = 4`, a flood of slow DoActions (the test
// plugin's "task" action holds its worker) gets RESOURCE_EXHAUSTED naming
// the setting at once for every call beyond the queue, counted in
// gdfs_rpc_rejected_busy_total, while the queued calls finish and the server
// keeps serving afterwards. Real server process (libopsplug.so), loopback.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FlightClient, STATUS } from './lib/index.mjs';
import { haveBinaryAnd, httpGet, startOps, testPlugin } from './lib/ops_harness.mjs';

const PLUGIN = testPlugin('opsplug');
const SKIP = haveBinaryAnd(PLUGIN) ? false : 'server binary or libopsplug.so not built';
const CAP = 4;
const FLOOD = 16;
const SLOW_MS = 400;

async function timed(p) {
  const t0 = Date.now();
  try {
    await p;
    return { ok: true, ms: Date.now() - t0 };
  } catch (e) {
    return { ok: false, ms: Date.now() - t0, code: e.code, details: e.details };
  }
}

describe('max_queued_calls', { skip: SKIP }, () => {
  test('calls beyond the queue get RESOURCE_EXHAUSTED at once; the server keeps serving', async () => {
    const srv = await startOps(PLUGIN, { metrics: true,
      server: `rpc_threads = 1\nmax_queued_calls = ${CAP}` });
    const c = new FlightClient(srv.address);
    let failure = null;
    try {
      await c.listActions({ deadlineMs: 5000 }); // connection up before the flood
      const results = await Promise.all(Array.from({ length: FLOOD }, () =>
        timed(c.doAction('task', Buffer.from(String(SLOW_MS)), { deadlineMs: 20000 }))));
      const ok = results.filter((r) => r.ok);
      const busy = results.filter((r) => !r.ok && r.code === STATUS.RESOURCE_EXHAUSTED);
      const other = results.filter((r) => !r.ok && r.code !== STATUS.RESOURCE_EXHAUSTED);
      assert.deepEqual(other, [], 'only RESOURCE_EXHAUSTED failures');
      // One call runs, CAP wait (the first may still wait when the flood lands).
      assert.ok(ok.length >= CAP && ok.length <= CAP + 2, `${ok.length} calls served`);
      assert.equal(ok.length + busy.length, FLOOD);
      for (const r of busy) {
        assert.match(r.details, /max_queued_calls/);
        assert.ok(r.ms < SLOW_MS, `a rejected call took ${r.ms} ms (not at once)`);
      }
      // The server serves again once the queue drained.
      await c.listActions({ deadlineMs: 5000 });
      const c2 = new FlightClient(srv.address);
      try {
        await c2.doAction('task', Buffer.from('10'), { deadlineMs: 5000 });
      } finally {
        c2.close();
      }
      const m = (await httpGet(srv.metricsPort, '/metrics')).body;
      const line = m.split('\n').find((l) => l.startsWith('gdfs_rpc_rejected_busy_total{method="DoAction"}'));
      assert.ok(line, `no gdfs_rpc_rejected_busy_total line:\n${m.slice(0, 3000)}`);
      assert.equal(Number(line.split(' ').pop()), busy.length);
      assert.match(m, new RegExp(`gdfs_rpc_handled_total\\{method="DoAction",code="RESOURCE_EXHAUSTED"\\} ${busy.length}`));
    } catch (e) {
      failure = e;
    } finally {
      c.close();
    }
    const r = await srv.stop();
    if (failure) throw failure;
    assert.equal(r.code, 0, `exit ${JSON.stringify(r)}: ${srv.stderr().slice(-3000)}`);
  });
});
