// Independent-client tests (grpc-js + apache-arrow) of long-running tasks on
// the `tasks` example: GetFlightInfo submits a task and returns its id as the
// ticket, DoGet serves the result through gf_do_get_task_result. Checks the
// happy path, replayable vs single-use results, unknown/expired tickets
// (INVALID_TICKET), failures (class + ErrorInfo JSON preserved), cancellation
// (COMMAND_CANCELLED) and the task metrics/logs.
import test from 'node:test';
import assert from 'node:assert/strict';
import { startServer, haveServer } from './lib/server.mjs';
import { FlightClient, cmdDescriptor, expectError, STATUS } from './lib/flight.mjs';
import { flightDataToTable } from './lib/arrow_flight.mjs';

const skip = !haveServer('tasks') && 'server binary or libtasks.so not built';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const opts = { deadlineMs: 10000 };

function ticketOf(info) {
  assert.equal(info.endpoint.length, 1);
  return Buffer.from(info.endpoint[0].ticket.ticket);
}

function errorJson(e) {
  assert.ok(e.extraInfo, 'grpc-status-details-bin carries the ErrorInfo');
  const text = e.extraInfo.toString('utf8');
  assert.match(text, /^\{"msg":.*,"detail":.*,"code":-?\d+,"body":.*\}$/, text);
  return JSON.parse(text);
}

test('tasks example', { skip, timeout: 120000 }, async (t) => {
  const srv = await startServer({ example: 'tasks', server: 'task_threads = 4\ntask_result_ttl_sec = 1' });
  const client = new FlightClient(srv.address);
  try {
    await t.test('happy path: info with task-id ticket and location, data read twice', async () => {
      const info = await client.getFlightInfo(cmdDescriptor('{"rows":2500,"delay_ms":50}'), opts);
      const ticket = ticketOf(info);
      assert.match(ticket.toString(), /^[0-9a-f]{32}$/);
      assert.equal(info.endpoint[0].location[0].uri, srv.location);
      assert.equal(Buffer.from(info.flight_descriptor.cmd).toString(), '{"rows":2500,"delay_ms":50}');
      for (let i = 0; i < 2; i++) {
        const got = flightDataToTable(await client.doGet(ticket, opts));
        assert.equal(got.table.numRows, 2500);
        assert.deepEqual(got.table.schema.fields.map((f) => f.name), ['id', 'value']);
        assert.equal(got.table.getChild('value').get(2499), 'row-2499');
        assert.equal(got.table.getChild('id').get(7), 7n);
      }
    });

    await t.test('expired ticket -> INVALID_TICKET', async () => {
      const info = await client.getFlightInfo(cmdDescriptor('{"rows":1}'), opts);
      const ticket = ticketOf(info);
      assert.equal(flightDataToTable(await client.doGet(ticket, opts)).table.numRows, 1);
      await sleep(2600); // TTL 1 s + collector tick
      const e = await expectError(client.doGet(ticket, opts));
      assert.equal(e.code, STATUS.UNKNOWN);
      assert.equal(e.arrowStatus, 5);
      const j = errorJson(e);
      assert.equal(j.code, 4);
      assert.equal(j.msg, `Unable to serve data for task '${ticket}'. The task result is not present.`);
    });

    await t.test('unknown ticket -> INVALID_TICKET (code 4, x-arrow-status 5)', async () => {
      const e = await expectError(client.doGet(Buffer.from('no-such-task'), opts));
      assert.equal(e.code, STATUS.UNKNOWN);
      assert.equal(e.arrowStatus, 5);
      assert.equal(e.arrowDetail, 'Failed');
      assert.deepEqual(errorJson(e), {
        msg: "Unable to serve data for task 'no-such-task'. The task result is not present.",
        detail: null, code: 4, body: null,
      });
    });

    await t.test('failed task: class and ErrorInfo preserved on every DoGet', async () => {
      const info = await client.getFlightInfo(cmdDescriptor('{"fail":true,"delay_ms":10}'), opts);
      const ticket = ticketOf(info);
      for (let i = 0; i < 2; i++) {
        const e = await expectError(client.doGet(ticket, opts));
        assert.equal(e.code, STATUS.UNKNOWN);
        assert.equal(e.arrowStatus, 5);
        const j = errorJson(e);
        assert.equal(j.code, 5);
        assert.equal(j.msg, 'There was an error while running task: requested failure after 10 ms');
        assert.equal(e.arrowMessage, j.msg);
        assert.ok(j.detail.includes(ticket.toString()));
      }
      // with "wait": the error is raised by GetFlightInfo itself
      const e = await expectError(client.getFlightInfo(cmdDescriptor('{"fail":true,"wait":true}'), opts));
      assert.equal(errorJson(e).code, 5);
    });

    await t.test('bad command -> BAD_ARGUMENT', async () => {
      const e = await expectError(client.getFlightInfo(cmdDescriptor('{"rows":-5}'), opts));
      assert.equal(e.code, STATUS.UNKNOWN);
      assert.equal(errorJson(e).code, 1);
    });

    await t.test('cancelled task -> COMMAND_CANCELLED', async () => {
      const info = await client.getFlightInfo(cmdDescriptor('{"long":true}'), opts);
      const ticket = ticketOf(info);
      await sleep(50);
      const res = await client.doAction('cancel', ticket, opts);
      assert.equal(Buffer.from(res[0].body).toString(), 'true');
      const e = await expectError(client.doGet(ticket, opts));
      assert.equal(e.code, STATUS.UNKNOWN);
      const j = errorJson(e);
      assert.equal(j.code, 6);
      assert.equal(j.msg, `FlexConnect function invocation was cancelled. Invocation task was: '${ticket}'.`);
    });

    await t.test('single-use result: second read -> COMMAND_RESULT_CONSUMED', async () => {
      const info = await client.getFlightInfo(cmdDescriptor('{"rows":1200,"single_use":true}'), opts);
      const ticket = ticketOf(info);
      assert.equal(flightDataToTable(await client.doGet(ticket, opts)).table.numRows, 1200);
      const e = await expectError(client.doGet(ticket, opts));
      assert.equal(e.code, STATUS.UNKNOWN);
      const j = errorJson(e);
      assert.equal(j.code, 8);
      assert.equal(j.msg, 'Result data was already consumed or closed.');
    });

    await t.test('task logs use the seed event names', async () => {
      assert.ok(await srv.waitForLog((s) => s.includes('"task_finished"') && s.includes('"task_failed"')
        && s.includes('"task_cancelled"') && s.includes('"task_run"')));
    });
  } finally {
    client.close();
    const r = await srv.stop();
    assert.equal(r.code, 0, srv.stderr().slice(-2000));
  }
});
