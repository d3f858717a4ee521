// Operations: start-up order and readiness (/ready turns 2xx only after the
// Flight port accepts calls and the factory returned), liveness following
// gf_health_set_module_status, and graceful shutdown on SIGTERM: new calls
// get UNAVAILABLE with ErrorInfo SHUTTING_DOWN while in-flight calls finish,
// 20 concurrent streaming DoGets each end with all data or a clean status,
// the process exits 0 within the grace period, a second signal exits at once.
// Real server processes, real sockets (test plugin libopsplug.so).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FlightClient, STATUS, errorInfo, settle } from './lib/index.mjs';
import { haveBinaryAnd, httpGet, sleep, startOps, testPlugin } from './lib/ops_harness.mjs';

const PLUGIN = testPlugin('opsplug');
const SKIP = haveBinaryAnd(PLUGIN) ? false : 'server binary or libopsplug.so not built';
const ROWS = 1000; // rows per batch of the plugin's slow stream

async function listActionsOutcome(address) {
  const c = new FlightClient(address);
  try {
    await c.listActions({ deadlineMs: 1000 });
    return { ok: true };
  } catch (e) {
    return { ok: false, error: errorInfo(e) };
  } finally {
    c.close();
  }
}

function rowsOf(messages) {
  // FlightData messages of the stream: schema first, then one batch of ROWS rows each.
  return messages.filter((m) => m.data_body && m.data_body.length > 0).length * ROWS;
}

describe('lifecycle', { skip: SKIP }, () => {
  test('readiness turns 2xx only after the Flight port accepts and the factory returned', async () => {
    const srv = await startOps(PLUGIN, { health: true, waitReady: false,
      env: { OPSPLUG_FACTORY_DELAY_MS: '1500' } });
    let failure = null;
    try {
      let sawNotReady = false;
      let sawGateNotReady = false;
      let ready = null;
      const end = Date.now() + 15000;
      while (Date.now() < end && !srv.exited()) {
        const r = await httpGet(srv.healthPort, '/ready');
        if (r.status >= 200 && r.status < 300) { ready = r; break; }
        if (r.status === 500) sawNotReady = true;
        const call = await listActionsOutcome(srv.address);
        if (!call.ok && call.error.code === STATUS.UNAVAILABLE && call.error.extraInfo &&
            JSON.parse(call.error.extraInfo.toString()).code === 197109) sawGateNotReady = true;
        await sleep(50);
      }
      assert.ok(ready, `never ready: ${srv.stderr().slice(-2000)}`);
      assert.equal(ready.status, 204);
      assert.ok(sawNotReady, '/ready answered 500 while the factory ran');
      assert.ok(sawGateNotReady, 'the Flight port answered UNAVAILABLE (NOT_READY) while the factory ran');
      // At the moment /ready is 2xx, calls are served.
      assert.deepEqual(await listActionsOutcome(srv.address), { ok: true });
      const events = srv.logLines().map((l) => l.event);
      const order = ['health_check_started', 'flight_service_start', 'flight_service_init_methods', 'rpc_enabled']
        .map((e) => events.indexOf(e));
      assert.ok(order.every((i) => i >= 0), `events: ${events.join(',')}`);
      assert.deepEqual([...order].sort((a, b) => a - b), order, `start-up order: ${events.join(',')}`);
    } catch (e) {
      failure = e;
    }
    const r = await srv.stop();
    if (failure) throw failure;
    assert.equal(r.code, 0, `exit ${JSON.stringify(r)}: ${srv.stderr().slice(-3000)}`);
  });

  test('liveness follows set_module_status; readiness stays 2xx', async () => {
    const srv = await startOps(PLUGIN, { health: true });
    const c = new FlightClient(srv.address);
    try {
      assert.equal((await httpGet(srv.healthPort, '/live')).status, 204);
      await c.doAction('health', Buffer.from('db=not_ok'));
      assert.equal((await httpGet(srv.healthPort, '/live')).status, 500);
      assert.equal((await httpGet(srv.healthPort, '/ready')).status, 204);
      await c.doAction('health', Buffer.from('cache=ok'));
      assert.equal((await httpGet(srv.healthPort, '/live')).status, 500, 'db is still NOT_OK');
      await c.doAction('health', Buffer.from('db=ok'));
      assert.equal((await httpGet(srv.healthPort, '/live')).status, 204);
      assert.ok(srv.logLines().some((l) => l.event === 'unhealthy_module' && l.module === 'db'));
    } finally {
      c.close();
      assert.equal((await srv.stop()).code, 0);
    }
  });

  test('SIGTERM: new calls get SHUTTING_DOWN while an in-flight DoGet finishes; exit 0', async () => {
    const srv = await startOps(PLUGIN, { server: 'shutdown_grace_sec = 20' });
    const c = new FlightClient(srv.address);
    const call = c.doGetCall('slow:30:100'); // ~3 s
    const done = settle(call);
    let first = false;
    call.once('data', () => { first = true; });
    while (!first) await sleep(20);
    srv.signal('SIGTERM');
    assert.ok(await srv.waitForLog((s) => s.includes('flight_service_shutdown')));
    const c2 = new FlightClient(srv.address);
    const other = await listActionsOutcome(srv.address);
    c2.close();
    assert.equal(other.ok, false);
    assert.equal(other.error.code, STATUS.UNAVAILABLE);
    assert.match(other.error.details, /Server is shutting down/);
    assert.equal(JSON.parse(other.error.extraInfo.toString()).code, 131574);
    const r = await done;
    assert.equal(r.error, null, `in-flight DoGet failed: ${r.error && r.error.details}`);
    assert.equal(rowsOf(r.messages), 30 * ROWS);
    c.close();
    const ex = await srv.exitPromise;
    assert.equal(ex.code, 0, srv.stderr().slice(-2000));
    const events = srv.logLines().map((l) => l.event);
    for (const e of ['server_shutdown_initiated', 'flight_service_shutdown', 'flight_service_finished', 'server_main_finished'])
      assert.ok(events.includes(e), `missing ${e}`);
    await srv.stop();
  });

  test('SIGTERM during 20 streaming DoGets: full data or a clean status, exit 0 within the grace period', async () => {
    const grace = 2;
    const srv = await startOps(PLUGIN, { server: `shutdown_grace_sec = ${grace}\nrpc_threads = 32` });
    const clients = [];
    const calls = [];
    for (let i = 0; i < 20; i++) {
      const c = new FlightClient(srv.address);
      clients.push(c);
      // Even: short streams (finish within the grace period); odd: 10 s streams (cancelled).
      const batches = i % 2 === 0 ? 5 : 100;
      const call = c.doGetCall(`slow:${batches}:${i % 2 === 0 ? 50 : 100}`);
      calls.push({ batches, done: settle(call) });
    }
    await sleep(150);
    const t0 = Date.now();
    srv.signal('SIGTERM');
    const results = await Promise.all(calls.map((c) => c.done));
    const ex = await srv.exitPromise;
    clients.forEach((c) => c.close());
    assert.equal(ex.code, 0, srv.stderr().slice(-2000));
    assert.ok(ex.at - t0 < (grace + 3) * 1000, `exit took ${ex.at - t0} ms`);
    let full = 0;
    results.forEach((r, i) => {
      const rows = rowsOf(r.messages);
      if (r.error === null) {
        assert.equal(rows, calls[i].batches * ROWS, `stream ${i}: OK status with partial data`);
        full++;
      } else {
        assert.ok([STATUS.CANCELLED, STATUS.UNAVAILABLE].includes(r.error.code),
          `stream ${i}: unclean status ${r.error.code} ${r.error.details}`);
        assert.ok(rows < calls[i].batches * ROWS);
      }
    });
    assert.ok(full >= 10, `short streams completed: ${full}`);
    await srv.stop();
  });

  test('a second signal exits at once', async () => {
    const srv = await startOps(PLUGIN, { server: 'shutdown_grace_sec = 30' });
    const c = new FlightClient(srv.address);
    const done = settle(c.doGetCall('slow:200:100'));
    await sleep(200);
    srv.signal('SIGTERM');
    assert.ok(await srv.waitForLog((s) => s.includes('flight_service_shutdown')));
    const t0 = Date.now();
    srv.signal('SIGTERM');
    const ex = await srv.exitPromise;
    assert.ok(Date.now() - t0 < 2000, 'second signal did not exit at once');
    assert.notEqual(ex.code, 0);
    await done;
    c.close();
    await srv.stop();
  });
});
