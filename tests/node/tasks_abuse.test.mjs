// Independent-client (grpc-js) abuse tests of long-running tasks on the
// `tasks` example: abandoned waits must not keep RPC workers (the example's
// {"long":true,"wait":true} GetFlightInfo and DoGet on a running task honour
// the call deadline), a flood of DoGets for unknown task ids gives a bounded
// number of log lines and is counted in gdfs_task_do_get_unknown_total, and
// the total of retained task results is bounded by task_result_max_bytes.
import test from 'node:test';
import assert from 'node:assert/strict';
import { startServer, haveServer, freePort } from './lib/server.mjs';
import { FlightClient, cmdDescriptor, expectError, STATUS } from './lib/flight.mjs';
import { flightDataToTable } from './lib/arrow_flight.mjs';
import { httpGet } from './lib/ops_harness.mjs';

const skip = !haveServer('tasks') && 'server binary or libtasks.so not built';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function ticketOf(info) {
  return Buffer.from(info.endpoint[0].ticket.ticket);
}

function errorJson(e) {
  assert.ok(e.extraInfo, 'grpc-status-details-bin carries the ErrorInfo');
  return JSON.parse(e.extraInfo.toString('utf8'));
}

/** The value of an unlabelled sample on the /metrics page (null when absent). */
async function metric(port, name) {
  const r = await httpGet(port, '/metrics');
  assert.equal(r.status, 200);
  const m = r.body.match(new RegExp(`^${name} (\\S+)$`, 'm'));
  return m ? Number(m[1]) : null;
}

async function startTasks(extra = '') {
  const metricsPort = await freePort();
  const srv = await startServer({
    example: 'tasks',
    server: `metrics_host = "127.0.0.1"\nmetrics_port = ${metricsPort}\n${extra}`,
  });
  srv.metricsPort = metricsPort;
  return srv;
}

/** ListActions and 8 short tasks with "wait" all answer within 3 s. */
async function workersAreFree(client) {
  const t0 = Date.now();
  await client.listActions({ deadlineMs: 3000 });
  const infos = await Promise.all(Array.from({ length: 8 }, () =>
    client.getFlightInfo(cmdDescriptor('{"rows":10,"wait":true}'), { deadlineMs: 3000 })));
  const got = flightDataToTable(await client.doGet(ticketOf(infos[0]), { deadlineMs: 3000 }));
  assert.equal(got.table.numRows, 10);
  return Date.now() - t0;
}

test('abandoned waits free their workers', { skip, timeout: 60000 }, async (t) => {
  const srv = await startTasks();
  const client = new FlightClient(srv.address);
  try {
    await t.test('8 x {"long":true,"wait":true} with a 1 s deadline: workers free, tasks cancelled', async () => {
      const calls = Array.from({ length: 8 }, () =>
        expectError(client.getFlightInfo(cmdDescriptor('{"long":true,"wait":true}'), { deadlineMs: 1000 })));
      for (const e of await Promise.all(calls)) assert.equal(e.code, STATUS.DEADLINE_EXCEEDED);
      const ms = await workersAreFree(client);
      assert.ok(ms < 3000, `took ${ms} ms`);
      // the example cancels the task of a call that ended
      assert.ok(await srv.waitForLog((s) => (s.match(/"task_cancelled"/g) || []).length >= 8, 3000),
        'the 8 abandoned tasks are cancelled');
    });

    await t.test('8 DoGets of a running task with a 1 s deadline: workers free, task keeps running', async () => {
      const info = await client.getFlightInfo(cmdDescriptor('{"long":true}'), { deadlineMs: 3000 });
      const ticket = ticketOf(info);
      const gets = Array.from({ length: 8 }, () => expectError(client.doGet(ticket, { deadlineMs: 1000 })));
      for (const e of await Promise.all(gets)) assert.equal(e.code, STATUS.DEADLINE_EXCEEDED);
      const ms = await workersAreFree(client);
      assert.ok(ms < 3000, `took ${ms} ms`);
      const before = (srv.stderr().match(/"task_cancelled"/g) || []).length;
      const res = await client.doAction('cancel', ticket, { deadlineMs: 3000 });
      assert.equal(Buffer.from(res[0].body).toString(), 'true');
      assert.ok(await srv.waitForLog((s) => (s.match(/"task_cancelled"/g) || []).length === before + 1, 3000),
        'the task was still running until cancelled');
    });
  } finally {
    client.close();
    const r = await srv.stop();
    assert.equal(r.code, 0, srv.stderr().slice(-2000));
  }
});

test('DoGet flood with unknown task ids: bounded log lines, counted in a metric', { skip, timeout: 60000 }, async () => {
  const srv = await startTasks();
  const client = new FlightClient(srv.address);
  try {
    const N = 400;
    const t0 = Date.now();
    for (let i = 0; i < N; i += 40) {
      const batch = Array.from({ length: 40 }, (_, k) =>
        expectError(client.doGet(Buffer.from(`no-such-task-${i + k}`), { deadlineMs: 5000 })));
      for (const e of await Promise.all(batch)) {
        assert.equal(e.code, STATUS.UNKNOWN);
        assert.equal(errorJson(e).code, 4); // INVALID_TICKET, as before
      }
    }
    const seconds = (Date.now() - t0) / 1000;
    assert.equal(await metric(srv.metricsPort, 'gdfs_task_do_get_unknown_total'), N);
    await sleep(200);
    const lines = srv.logs().filter((l) => l.event === 'do_get_failed');
    assert.ok(lines.length >= 1, 'the first failure is logged');
    assert.ok(lines.length <= Math.ceil(seconds) + 1, `${lines.length} lines in ${seconds.toFixed(1)} s`);
    assert.ok(lines.every((l) => l.level === 'info'), 'client-caused failures are not errors');
    // one more after a quiet second: its line reports everything held back
    await sleep(1100);
    await expectError(client.doGet(Buffer.from('no-such-task-last'), { deadlineMs: 5000 }));
    await sleep(200);
    const all = srv.logs().filter((l) => l.event === 'do_get_failed');
    assert.equal(all.length, lines.length + 1);
    assert.equal(all.length + all.reduce((a, l) => a + l.suppressed, 0), N + 1);
  } finally {
    client.close();
    const r = await srv.stop();
    assert.equal(r.code, 0, srv.stderr().slice(-2000));
  }
});

test('task_result_max_bytes bounds retained results', { skip, timeout: 60000 }, async () => {
  // one 10,000-row result of the example holds about 200 KB (ids 80 KB,
  // offsets 40 KB, "row-<i>" text 79 KB): three fit in 700,000 bytes, four do not
  const LIMIT = 700000;
  const srv = await startTasks(`task_result_max_bytes = ${LIMIT}`);
  const client = new FlightClient(srv.address);
  const opts = { deadlineMs: 10000 };
  const big = (extra = '') => cmdDescriptor(`{"rows":10000,"wait":true${extra}}`);
  const rows = async (ticket) => flightDataToTable(await client.doGet(ticket, opts)).table.numRows;
  const held = () => metric(srv.metricsPort, 'gdfs_task_result_bytes');
  try {
    const kept = [];
    for (let i = 0; i < 3; i++) kept.push(ticketOf(await client.getFlightInfo(big(), opts)));
    const three = await held();
    assert.ok(three > 3 * 190000 && three <= LIMIT, `3 results hold ${three} bytes`);

    // the fourth would pass the limit: a clear error naming it, on GetFlightInfo and on DoGet
    const e = await expectError(client.getFlightInfo(big(), opts));
    assert.equal(e.code, STATUS.UNAVAILABLE);
    const j = errorJson(e);
    assert.equal(j.code, 196710); // BACKPRESSURE (retry anywhere)
    assert.match(j.msg, /retained task results would exceed task_result_max_bytes \(700000 bytes; \d+ held\)/);
    const info = await client.getFlightInfo(cmdDescriptor('{"rows":10000}'), opts);
    const e2 = await expectError(client.doGet(ticketOf(info), opts));
    assert.equal(e2.code, STATUS.UNAVAILABLE);
    assert.equal(errorJson(e2).code, 196710);
    assert.equal(await metric(srv.metricsPort, 'gdfs_task_result_rejected_total'), 2);
    assert.equal(await held(), three);

    // earlier results stay readable
    for (const t of kept) assert.equal(await rows(t), 10000);

    // an evicted result (cancel of a finished task) gives its bytes back
    await client.doAction('cancel', kept.shift(), opts);
    const deadline = Date.now() + 3000;
    while ((await held()) >= three && Date.now() < deadline) await sleep(50);
    assert.ok((await held()) < three, 'bytes given back after eviction');
    // now a single-use result fits; once read (consumed), its bytes are given back too
    const once = ticketOf(await client.getFlightInfo(big(',"single_use":true'), opts));
    assert.equal(await held(), three);
    const e3 = await expectError(client.getFlightInfo(big(), opts));
    assert.equal(errorJson(e3).code, 196710);
    assert.equal(await rows(once), 10000);
    const deadline2 = Date.now() + 3000;
    while ((await held()) >= three && Date.now() < deadline2) await sleep(50);
    const fits = ticketOf(await client.getFlightInfo(big(), opts));
    assert.equal(await rows(fits), 10000);
    assert.ok(srv.logs().some((l) => l.event === 'task_failed' && /task_result_max_bytes/.test(l.msg)));
  } finally {
    client.close();
    const r = await srv.stop();
    assert.equal(r.code, 0, srv.stderr().slice(-2000));
  }
});
