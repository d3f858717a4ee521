// FlexConnect behaviour beyond the upstream server tests, through the Node
// client against the real binary: basic-mode deadline, every BAD_ARGUMENT /
// INVALID_TICKET text, c:/r: edge cases, DoGet after cancel, error mapping of
// function results, single-use streams, data source messages, the invocation
// view (parameters, columns, headers, executionContext), metrics / logs /
// spans of an invocation, zero functions, 50 concurrent polling invocations,
// and start-up failures (exit 1, one clear line).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { STATUS, pathDescriptor } from './lib/flight.mjs';
import { flightDataToTable, schemaFromBytes } from './lib/arrow_flight.mjs';
import { BINARY, freePort } from './lib/server.mjs';
import { runServerWithConfig } from '../security/helpers.mjs';
import { httpGet, startReceiver, testPlugin } from './lib/ops_harness.mjs';
import {
  BASIC, FUNS, POLL, assertThreeRows, failure, haveFlexConnect, invocation, readTable, retryInfo,
  startFlexConnect,
} from './lib/flexconnect.mjs';

const EXTRA = testPlugin('fc_test_extra');
const BROKEN = testPlugin('fc_test_broken');
const SKIP = !haveFlexConnect() && 'server binary or libfc_test_functions.so not built';
const cmd = (text) => ({ type: 'CMD', cmd: Buffer.from(text), path: [] });
const badArg = (f, msg) => {
  assert.equal(f.err.code, STATUS.UNKNOWN);
  assert.equal(f.err.arrowDetail, 'Failed');
  assert.equal(f.info.code, 1);
  assert.equal(f.info.msg, msg);
};
const NOT_JSON = 'Incorrect FlexConnect function invocation. The invocation payload is not a valid JSON.';

describe('FlexConnect gaps', { skip: SKIP, timeout: 120000 }, () => {
  let srv;
  let client;
  let metricsPort;
  let rx;
  before(async () => {
    metricsPort = await freePort();
    rx = await startReceiver();
    srv = await startFlexConnect({
      functions: [FUNS, EXTRA],
      server: ['metrics_host = "127.0.0.1"', `metrics_port = ${metricsPort}`, 'task_result_ttl_sec = 30',
        'otel_exporter_type = "otlp-http"'].join('\n'),
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: rx.url, OTEL_BSP_SCHEDULE_DELAY: '100' },
    });
    client = srv.client();
  });
  after(async () => {
    if (client) client.close();
    if (srv) {
      const r = await srv.stop();
      assert.equal(r.code, 0, srv.stderr().slice(-3000));
    }
    if (rx) await rx.close();
  });

  test('basic mode: deadline -> TIMEOUT after ~1.2 s, the task is cancelled', async () => {
    const t0 = Date.now();
    const f = await failure(client.getFlightInfo(invocation('LongRunningFun'), BASIC));
    const took = Date.now() - t0;
    assert.equal(f.err.code, STATUS.DEADLINE_EXCEEDED);
    assert.equal(f.err.arrowDetail, 'TimedOut');
    assert.equal(f.info.code, 100);
    assert.match(f.info.msg, /^GetFlightInfo timed out while waiting for task [0-9a-f]{32}\.$/);
    assert.ok(took >= 1150 && took < 1900, `took ${took} ms`);
  });

  test('command errors: BAD_ARGUMENT texts (also where upstream crashes)', async () => {
    badArg(await failure(client.getFlightInfo(invocation('Nope'), BASIC)), "Unsupported FlexConnect function 'Nope'.");
    badArg(await failure(client.getFlightInfo(invocation('Nope'), POLL)), "Unsupported FlexConnect function 'Nope'.");
    badArg(await failure(client.getFlightInfo(cmd('{nope'), BASIC)), NOT_JSON);
    badArg(await failure(client.getFlightInfo(cmd(''), BASIC)), NOT_JSON);
    badArg(await failure(client.getFlightInfo(pathDescriptor('a'), BASIC)), NOT_JSON);
    const noName = 'Incorrect FlexConnect function invocation. The invocation payload does not specify \'functionName\'.';
    badArg(await failure(client.getFlightInfo(cmd('{"parameters":{}}'), BASIC)), noName);
    badArg(await failure(client.getFlightInfo(cmd('{"functionName":null}'), BASIC)), noName);
    badArg(await failure(client.getFlightInfo(cmd('{"functionName":""}'), POLL)), noName);
    badArg(await failure(client.getFlightInfo(cmd('[1,2]'), BASIC)),
      'Incorrect FlexConnect function invocation. The invocation payload must be a JSON object.');
    badArg(await failure(client.getFlightInfo(cmd('{"functionName":5}'), BASIC)),
      "Incorrect FlexConnect function invocation. The 'functionName' must be a string.");
    badArg(await failure(client.getFlightInfo(cmd('{"functionName":"SimpleFun1","parameters":[1]}'), BASIC)),
      "Incorrect FlexConnect function invocation. The 'parameters' must be a JSON object.");
    badArg(await failure(client.getFlightInfo(cmd(''), POLL)),
      'Incorrect FlexConnect function invocation. Flight descriptor must contain command with the invocation payload.');
    badArg(await failure(client.getFlightInfo(pathDescriptor('a'), POLL)),
      'Incorrect FlexConnect function invocation. Flight descriptor must contain command with the invocation payload.');
    // metadata echoed from ListFlights is ignored
    const info = await client.getFlightInfo(cmd('{"functionName":"SimpleFun1","metadata":null}'), BASIC);
    assertThreeRows(await readTable(client, info));
  });

  test('r: / c: edge cases', async () => {
    badArg(await failure(client.getFlightInfo(cmd('r:0123456789abcdef0123456789abcdef'), POLL)),
      "Task with id '0123456789abcdef0123456789abcdef' does not exist.");
    badArg(await failure(client.getFlightInfo(cmd('r:0123456789abcdef0123456789abcdef'), BASIC)), NOT_JSON);
    badArg(await failure(client.getFlightInfo(cmd('c:0123456789abcdef0123456789abcdef'), BASIC)), NOT_JSON);
    const c = await failure(client.getFlightInfo(cmd('c:unknown-id'), POLL)); // unknown id: accepted
    assert.equal(c.err.code, STATUS.CANCELLED);
    assert.equal(c.info.code, 6);
    const long = await failure(client.getFlightInfo(cmd(`r:${'x'.repeat(5000)}`), POLL));
    assert.equal(long.info.code, 1);
  });

  test('cancel of a finished task evicts it: DoGet -> INVALID_TICKET, retry -> does not exist', async () => {
    const info = await client.getFlightInfo(invocation('SimpleFun1'), POLL);
    const ticket = Buffer.from(info.endpoint[0].ticket.ticket);
    const id = JSON.parse(ticket).task_id;
    assert.deepEqual(JSON.parse(ticket), { task_id: id });
    assert.equal(ticket.toString(), `{"task_id":"${id}"}`);
    const c = await failure(client.getFlightInfo(cmd(`c:${id}`), POLL));
    assert.equal(c.info.code, 6);
    const g = await failure(client.doGet(ticket, BASIC));
    assert.equal(g.err.code, STATUS.UNKNOWN);
    assert.equal(g.info.code, 4);
    assert.equal(g.info.msg, `Unable to serve data for task '${id}'. The task result is not present.`);
    badArg(await failure(client.getFlightInfo(cmd(`r:${id}`), POLL)), `Task with id '${id}' does not exist.`);
  });

  test('DoGet with bad tickets', async () => {
    badArg(await failure(client.doGet(Buffer.from('nope'), BASIC)),
      'Incorrect ticket payload. The ticket payload is not a valid JSON.');
    for (const t of ['{}', '{"task_id":""}', '{"task_id":5}', '[1]']) {
      badArg(await failure(client.doGet(Buffer.from(t), BASIC)),
        "Incorrect ticket payload. The ticket payload does not specify 'task_id'.");
    }
    const g = await failure(client.doGet(Buffer.from('{"task_id":"feedfeedfeedfeedfeedfeedfeedfeed"}'), BASIC));
    assert.equal(g.info.code, 4);
  });

  test('ListFlights: every function in order, metadata null vs object', async () => {
    const flights = await client.listFlights(Buffer.alloc(0), BASIC);
    const cmds = flights.map((f) => Buffer.from(f.flight_descriptor.cmd).toString());
    assert.deepEqual(cmds.map((c) => JSON.parse(c).functionName), ['SimpleFun1', 'SimpleFun2', 'LongRunningFun',
      'PollableFun', 'EchoFun', 'BadArgFun', 'FailFun', 'CustomErrorFun', 'NothingFun', 'StreamFun', 'MessagesFun',
      'CancelHookFun', 'OneRowFun']);
    assert.equal(cmds[4], '{"functionName":"EchoFun","metadata":{"kind":"test","n":[1,2]}}');
    assert.equal(cmds[0], '{"functionName":"SimpleFun1","metadata":null}');
    assert.deepEqual(schemaFromBytes(flights[4].schema).fields.map((f) => f.name).slice(0, 2), ['function', 'parameters']);
  });

  test('the invocation view: parameters, columns, headers, executionContext', async () => {
    const params = {
      columns: ['a', 'b'], extra: 'é',
      executionContext: { executionType: 'REPORT', organizationId: 'o', workspaceId: 'ws1', userId: 'u',
        attributes: [], filters: [{ filterType: 'positiveAttributeFilter', labelIdentifier: 'l1', values: ['x', null] }],
        reportExecutionRequest: {} },
    };
    const info = await client.getFlightInfo(invocation('EchoFun', params), { ...BASIC, headers: { 'x-test-header': 'hv' } });
    const t = await readTable(client, info);
    const row = Object.fromEntries(t.schema.fields.map((f) => [f.name, t.getChild(f.name).get(0)]));
    assert.equal(row.function, 'EchoFun');
    assert.deepEqual(JSON.parse(row.parameters), params);
    assert.equal(row.columns, 'a,b');
    assert.equal(row.header, 'hv');
    assert.equal(row.ctx_type, 'REPORT');
    assert.equal(row.ctx_workspace, 'ws1');
    assert.equal(row.ctx_filters, 'positiveAttributeFilter:l1:2');
    assert.equal(row.ctx_error, null);
    const bad = await client.getFlightInfo(invocation('EchoFun', { executionContext: { filters: [{ filterType: 'weird' }] } }), BASIC);
    const r2 = await readTable(client, bad);
    assert.equal(r2.getChild('ctx_error').get(0), 'Unsupported filter definition type: weird');
    const none = await readTable(client, await client.getFlightInfo(invocation('EchoFun', null), BASIC));
    assert.equal(none.getChild('parameters').get(0), '{}');
    assert.equal(none.getChild('columns').get(0), null);
  });

  test('function outcomes map to ErrorInfo (GetFlightInfo and DoGet)', async () => {
    badArg(await failure(client.getFlightInfo(invocation('BadArgFun', { p: 1 }), BASIC)), 'bad input: {"p":1}');
    const f = await failure(client.getFlightInfo(invocation('FailFun'), POLL));
    assert.equal(f.err.code, STATUS.UNKNOWN);
    assert.equal(f.info.code, 5);
    assert.equal(f.info.msg, 'There was an error while running task: disk on fire');
    const c = await failure(client.getFlightInfo(invocation('CustomErrorFun'), BASIC));
    assert.equal(c.err.code, STATUS.PERMISSION_DENIED);
    assert.deepEqual(c.info, { msg: 'custom msg', detail: 'custom detail', code: 1234, body: null });
    badArg(await failure(client.getFlightInfo(invocation('NothingFun'), BASIC)),
      "Unexpected type of 'data': NULL. Expected Arrow Table or RecordBatchReader.");
  });

  test('stream results are single use; tables re-readable', async () => {
    const info = await client.getFlightInfo(invocation('StreamFun'), BASIC);
    const t = await readTable(client, info);
    assert.equal(t.getChild('x').get(0), 'streamed');
    const again = await failure(client.doGet(info.endpoint[0].ticket.ticket, BASIC));
    assert.equal(again.info.code, 8);
    assert.equal(again.info.msg, 'Result data was already consumed or closed.');
    const tab = await client.getFlightInfo(invocation('SimpleFun1'), BASIC);
    for (let i = 0; i < 3; i++) assertThreeRows(await readTable(client, tab));
  });

  test('data source messages reach the FlightInfo schema', async () => {
    const info = await client.getFlightInfo(invocation('MessagesFun'), BASIC);
    const schema = schemaFromBytes(info.schema);
    assert.deepEqual(JSON.parse(schema.metadata.get('x-gdc-data-source-messages')), [
      { source: 'test_source', correlation_id: '123', type: 'test', data: null },
      { source: 'test_source', correlation_id: '456', type: 'info', data: { rows: 1 } },
    ]);
    const t = flightDataToTable(await client.doGet(info.endpoint[0].ticket.ticket, BASIC)).table;
    assert.ok(t.schema.metadata.get('x-gdc-data-source-messages').includes('"correlation_id":"456"'));
  });

  test('cancel runs the function cancel hook once the task runs', async () => {
    const first = await failure(client.getFlightInfo(invocation('CancelHookFun'), POLL));
    const { retry, cancel } = retryInfo(first.info);
    const c = await failure(client.getFlightInfo(cancel, POLL));
    assert.equal(c.info.code, 6);
    const r = await failure(client.getFlightInfo(retry, POLL));
    assert.equal(r.info.code, 6); // cancelled outcome, not POLL: the hook ended the call
    assert.match(r.info.msg, /^FlexConnect function invocation was cancelled\. Invocation task was: '[0-9a-f]{32}'\.$/);
  });

  test('50 concurrent polling invocations complete with correct data', async () => {
    const one = async (i) => {
      const name = i % 2 ? 'PollableFun' : 'SimpleFun1';
      let res = client.getFlightInfo(invocation(name, { i }), POLL);
      for (let k = 0; k < 100; k++) {
        try {
          const info = await res;
          assert.equal(JSON.parse(Buffer.from(info.flight_descriptor.cmd)).parameters.i, i);
          assertThreeRows(await readTable(client, info));
          return k;
        } catch (e) {
          const f = await failure(Promise.reject(e));
          assert.equal(f.info && f.info.code, 65637, JSON.stringify(f));
          res = client.getFlightInfo(retryInfo(f.info).retry, POLL);
        }
      }
      throw new Error('never finished');
    };
    const polls = await Promise.all(Array.from({ length: 50 }, (_, i) => one(i)));
    assert.equal(polls.length, 50);
    assert.ok(polls.some((k) => k > 0), 'some invocations needed a retry');
  });

  test('metrics, log lines and spans of invocations', async () => {
    const page = (await httpGet(metricsPort, '/metrics')).body;
    const ok = page.split('\n').find((l) => l.startsWith('gdfs_flexconnect_invocations_total{function="SimpleFun1",outcome="ok"} '));
    assert.ok(ok && Number(ok.split(' ')[1]) >= 3, ok);
    assert.match(page, /gdfs_flexconnect_invocations_total\{function="FailFun",outcome="error"\} 1(\.0)?$/m);
    assert.match(page, /gdfs_flexconnect_invocations_total\{function="LongRunningFun",outcome="cancelled"\} 1(\.0)?$/m);
    assert.match(page, /gdfs_flexconnect_invocation_duration_seconds_bucket\{function="PollableFun",outcome="ok",le="1(\.0)?"\} [1-9]/);
    assert.match(page, /gdfs_task_/);
    const logs = srv.logs();
    const sub = logs.filter((l) => l.event === 'flexconnect_invocation_submitted' && l.function === 'FailFun');
    const end = logs.filter((l) => l.event === 'flexconnect_invocation_finished' && l.function === 'FailFun');
    assert.equal(sub.length, 1);
    assert.equal(end.length, 1);
    assert.equal(end[0].task_id, sub[0].task_id);
    assert.equal(end[0].outcome, 'error');
    assert.equal(typeof end[0].duration_ms, 'number');
    assert.ok(await rx.waitFor(() => rx.posts.some((p) => p.body.includes('flexconnect.invocation')), 5000));
    const spans = [];
    for (const p of rx.posts) for (const rs of JSON.parse(p.body).resourceSpans) for (const ss of rs.scopeSpans) spans.push(...ss.spans);
    const inv = spans.find((s) => s.name === 'flexconnect.invocation');
    const parent = spans.find((s) => s.spanId === inv.parentSpanId);
    assert.ok(parent, 'the invocation span has a parent');
    assert.equal(parent.name, 'GET_FLIGHT_INFO');
  });
});

describe('FlexConnect with a client that gives up', { skip: SKIP, timeout: 30000 }, () => {
  test('a cancelled GetFlightInfo frees its RPC worker within a wait slice', async () => {
    const srv = await startFlexConnect({ server: 'rpc_threads = 1', env: { GOODDATA_FLIGHT_FLEXCONNECT__CALL_DEADLINE_MS: '5000' } });
    const client = srv.client();
    try {
      const f = await failure(client.getFlightInfo(invocation('LongRunningFun'), { deadlineMs: 300 }));
      assert.equal(f.err.code, STATUS.DEADLINE_EXCEEDED);
      const t0 = Date.now();
      const flights = await client.listFlights(Buffer.alloc(0), { deadlineMs: 1500 }); // the only worker is free again
      assert.equal(flights.length, 4);
      assert.ok(Date.now() - t0 < 1000, `ListFlights waited ${Date.now() - t0} ms`);
    } finally {
      client.close();
      assert.equal((await srv.stop()).code, 0);
    }
  });
});

describe('FlexConnect with zero functions', { skip: SKIP, timeout: 30000 }, () => {
  test('ListFlights is empty, invocations are unsupported', async () => {
    const srv = await startFlexConnect({ functions: [] });
    const client = srv.client();
    try {
      assert.deepEqual(await client.listFlights(Buffer.alloc(0), BASIC), []);
      badArg(await failure(client.getFlightInfo(invocation('SimpleFun1'), BASIC)), "Unsupported FlexConnect function 'SimpleFun1'.");
    } finally {
      client.close();
      assert.equal((await srv.stop()).code, 0);
    }
  });
});

describe('FlexConnect start-up failures: exit 1, one line', { skip: SKIP, timeout: 60000 }, () => {
  const run = (toml, env = {}) => runServerWithConfig(BINARY, 'flexconnect', toml, { env });
  const fc = (fns, more = '') => `[server]\n\n[flexconnect]\nfunctions = ${JSON.stringify(fns)}\n${more}`;
  const cases = [
    ['missing library', fc(['/nonexistent/libnope.so']), {}, /FlexConnect functions library '\/nonexistent\/libnope\.so' not found/],
    ['no entry point', fc([testPlugin('echo')]), {}, /No FlexConnect functions found in the library .*libecho\.so \(missing symbol gf_flexconnect_abi_version\)/],
    ['ABI mismatch', fc([BROKEN]), { FC_TEST_BROKEN: 'abi' }, /built for FlexConnect ABI version 99, but this server supports version 1/],
    ['empty name', fc([BROKEN]), { FC_TEST_BROKEN: 'empty_name' }, /FlexConnect function implemented in library .*libfc_test_broken\.so does not specify name or specifies an empty name\./],
    ['no schema', fc([BROKEN]), { FC_TEST_BROKEN: 'no_schema' }, /FlexConnect function 'BrokenFun' implemented in library .* does not specify schema\./],
    ['no call', fc([BROKEN]), { FC_TEST_BROKEN: 'no_call' }, /FlexConnect function 'BrokenFun' implemented in library .* does not specify call\./],
    ['bad metadata', fc([BROKEN]), { FC_TEST_BROKEN: 'bad_metadata' }, /metadata that is not valid JSON/],
    ['on_load fails', fc([BROKEN]), { FC_TEST_BROKEN: 'on_load_fails' }, /FlexConnect function 'BrokenFun' failed to load: missing setting my_fun\.url/],
    ['duplicate name', fc([FUNS, FUNS]), {}, /FlexConnect function implemented in library .*libfc_test_functions\.so specifies same name as already registered fun from library .*libfc_test_functions\.so\./],
    ['bad deadline', fc([], 'call_deadline_ms = 0'), {}, /Value of flexconnect\.call_deadline_ms must be a positive number - duration, in milliseconds, that FlexConnect function calls are expected to run\./],
    ['bad interval (env)', fc([]), { GOODDATA_FLIGHT_FLEXCONNECT__POLLING_INTERVAL_MS: 'soon' }, /Value of flexconnect\.polling_interval_ms must be a positive number/],
  ];
  for (const [name, toml, env, re] of cases) {
    test(name, async () => {
      const r = await run(toml, env);
      assert.equal(r.code, 1, r.stderr);
      // besides the structured log event, exactly one plain line for the operator
      const lines = r.stderr.split('\n').filter((l) => re.test(l) && !l.startsWith('{'));
      assert.equal(lines.length, 1, r.stderr);
    });
  }
});
