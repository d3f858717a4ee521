// Operations: what monitoring sees of a real server process. The scraped
// /metrics page passes `promtool check metrics` and its gdfs_rpc_* and
// gdfs_task_* samples move after calls and a task; every log line is JSON
// with the configured event and trace keys; OTLP/HTTP exports reach a test
// receiver with the RPC span, the task spans under it, the server_start span
// and a trace id propagated from a traceparent header (ids also in the log
// lines); Zipkin exports have the v2 JSON shape (OTLP/gRPC: ops_otlp_grpc.test.mjs).
// Test plugin libopsplug.so.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { FlightClient, REPO, errorInfo } from './lib/index.mjs';
import { haveBinaryAnd, httpGet, startOps, startReceiver, testPlugin } from './lib/ops_harness.mjs';

const PLUGIN = testPlugin('opsplug');
const SKIP = haveBinaryAnd(PLUGIN) ? false : 'server binary or libopsplug.so not built';
// promtool as scripts/setup.sh --test unpacks it into .cache/promtool/, else from PATH.
const CACHED_PROMTOOL = path.join(REPO, '.cache/promtool/usr/bin/promtool');
const PROMTOOL_BIN = fs.existsSync(CACHED_PROMTOOL) ? CACHED_PROMTOOL : 'promtool';
const PROMTOOL = spawnSync(PROMTOOL_BIN, ['--version']).status === 0;

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_ID = '00f067aa0ba902b7';
const TRACEPARENT = `00-${TRACE_ID}-${PARENT_ID}-01`;

/** Value of one sample line `name{labels} value` (0 when absent). */
function sample(page, name, labels = '') {
  const prefix = labels ? `${name}{${labels}} ` : `${name} `;
  const line = page.split('\n').find((l) => l.startsWith(prefix));
  return line ? Number(line.slice(prefix.length).trim().split(' ')[0]) : 0;
}

/** All spans of OTLP/JSON export bodies, with their resource attributes. */
function otlpSpans(posts) {
  const out = [];
  for (const p of posts) {
    const req = JSON.parse(p.body);
    for (const rs of req.resourceSpans) {
      const res = Object.fromEntries(rs.resource.attributes.map((a) => [a.key, a.value]));
      for (const ss of rs.scopeSpans) for (const s of ss.spans) out.push({ ...s, resource: res });
    }
  }
  return out;
}

const attr = (span, key) => {
  const a = span.attributes.find((x) => x.key === key);
  return a ? (a.value.stringValue ?? a.value.intValue ?? a.value.boolValue ?? a.value.doubleValue) : undefined;
};

describe('metrics', { skip: SKIP }, () => {
  test('/metrics passes promtool and gdfs_rpc_* / gdfs_task_* move', async (t) => {
    const srv = await startOps(PLUGIN, { metrics: true });
    const c = new FlightClient(srv.address);
    try {
      const before = (await httpGet(srv.metricsPort, '/metrics')).body;
      await c.listActions();
      await c.doAction('log');
      await c.doAction('task', Buffer.from('20'));
      const after = await httpGet(srv.metricsPort, '/metrics');
      assert.equal(after.status, 200);
      assert.match(after.headers['content-type'], /text\/plain; version=0\.0\.4/);
      const page = after.body;
      const started = (p, m) => sample(p, 'gdfs_rpc_started_total', `method="${m}"`);
      assert.equal(started(page, 'ListActions') - started(before, 'ListActions'), 1);
      assert.equal(started(page, 'DoAction') - started(before, 'DoAction'), 2);
      assert.ok(sample(page, 'gdfs_rpc_handled_total', 'method="DoAction",code="OK"') >= 2, page);
      assert.ok(sample(page, 'gdfs_rpc_duration_seconds_count', 'method="DoAction"') >= 2);
      assert.equal(sample(page, 'gdfs_task_completed_total') - sample(before, 'gdfs_task_completed_total'), 1);
      assert.ok(sample(page, 'gdfs_task_duration_count') >= 1);
      assert.equal(sample(page, 'gdfs_task_queue'), 0);
      if (!PROMTOOL) {
        t.skip('promtool not found (scripts/setup.sh --test unpacks it into .cache/promtool/)');
        return;
      }
      const r = spawnSync(PROMTOOL_BIN, ['check', 'metrics'], { input: page, encoding: 'utf8' });
      // promtool exits 1 on lint warnings as well; errors and warnings both fail here.
      assert.equal(r.status, 0, `promtool: ${r.stdout}${r.stderr}`);
    } finally {
      c.close();
      assert.equal((await srv.stop()).code, 0);
    }
  });
});

describe('logs and OTLP/HTTP traces', { skip: SKIP }, () => {
  test('spans reach the receiver; RPC -> task spans; propagated trace id; log lines carry the ids', async () => {
    const rx = await startReceiver();
    const srv = await startOps(PLUGIN, {
      server: ['otel_exporter_type = "otlp-http"', 'otel_service_name = "ops-test"',
        'otel_extract_context = true', 'log_event_key_name = "msg"',
        'log_trace_keys = {trace_id = "tid", span_id = "sid", parent_span_id = "psid"}'].join('\n'),
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: rx.url, OTEL_BSP_SCHEDULE_DELAY: '100' },
    });
    const c = new FlightClient(srv.address, { headers: { traceparent: TRACEPARENT, tracestate: 'k=v' } });
    const plain = new FlightClient(srv.address);
    let code;
    try {
      await c.doAction('task', Buffer.from('10'));
      await c.doAction('log');
      await c.doGet(Buffer.from('slow:20:0'));
      await plain.listActions();
      await plain.doAction('nope').catch((e) => e);
    } finally {
      c.close();
      plain.close();
      code = (await srv.stop()).code; // flushes the exporter
    }
    await rx.close();
    assert.equal(code, 0, srv.stderr().slice(-2000));
    assert.ok(rx.posts.length > 0, 'no export received');
    assert.ok(rx.posts.every((p) => p.path === '/v1/traces' && /application\/json/.test(p.headers['content-type'])));
    const spans = otlpSpans(rx.posts);
    const names = spans.map((s) => s.name);
    for (const n of ['server_start', 'DO_ACTION', 'LIST_ACTIONS', 'task_execution', 'task_run_submit', 'task_run'])
      assert.ok(names.includes(n), `missing span ${n}: ${names.join(',')}`);
    assert.equal(spans[0].resource['service.name'].stringValue, 'ops-test');
    assert.ok(spans[0].resource['service.instance.id'].stringValue.length > 0);

    const actions = spans.filter((s) => s.name === 'DO_ACTION' && s.traceId === TRACE_ID);
    assert.equal(actions.length, 2, 'both traced DoActions continue the caller trace');
    const taskExec = spans.find((s) => s.name === 'task_execution');
    const rpc = actions.find((s) => s.spanId === taskExec.parentSpanId);
    assert.ok(rpc, 'task_execution is a child of the DO_ACTION span');
    assert.equal(rpc.parentSpanId, PARENT_ID);
    assert.equal(rpc.kind, 2); // SERVER
    assert.equal(rpc.traceState, 'k=v');
    assert.equal(attr(rpc, 'rpc.system'), 'grpc');
    assert.equal(attr(rpc, 'rpc.service'), 'FlightRPC');
    assert.equal(attr(rpc, 'rpc.method'), 'DO_ACTION');
    assert.equal(attr(rpc, 'net.peer.ip'), '127.0.0.1');
    assert.equal(rpc.status.code, 1);
    const taskId = attr(taskExec, 'gooddata_flight_server.task_id');
    assert.match(taskId, /^[0-9a-f]{32}$/);
    for (const n of ['task_run_submit', 'task_run']) {
      const s = spans.find((x) => x.name === n);
      assert.equal(s.parentSpanId, taskExec.spanId, `${n} parent`);
      assert.equal(s.traceId, TRACE_ID);
      assert.equal(attr(s, 'gooddata_flight_server.task_id'), taskId);
    }
    const failed = spans.find((s) => s.name === 'DO_ACTION' && s.traceId !== TRACE_ID && s.status.code === 2);
    assert.ok(failed, 'failed call has status ERROR');
    assert.match(failed.status.message, /unknown action 'nope'/);
    assert.equal(attr(failed, 'rpc.grpc.status_code'), '3');
    assert.ok(!failed.parentSpanId, 'no traceparent: a new trace');

    // Every line is JSON with the configured keys; ids match the spans.
    const lines = srv.logLines();
    for (const l of lines) {
      assert.equal(typeof l.msg, 'string', JSON.stringify(l));
      assert.ok(l.timestamp && l.level && l.logger, JSON.stringify(l));
      assert.ok(!('event' in l), 'event key renamed');
    }
    const logLine = lines.find((l) => l.msg === 'opsplug_log');
    const logRpc = actions.find((s) => s.spanId === logLine.sid);
    assert.ok(logRpc, 'log line span id is the DO_ACTION span');
    assert.equal(logLine.tid, TRACE_ID);
    assert.equal(logLine.psid, PARENT_ID);
    // The plugin's get_next runs with the DoGet span current.
    const nextLine = lines.find((l) => l.msg === 'opsplug_last_batch');
    const doGetSpan = spans.find((s) => s.name === 'DO_GET' && s.traceId === TRACE_ID);
    assert.ok(nextLine && doGetSpan, `get_next log line and DO_GET span: ${JSON.stringify(nextLine)} ${spans.map((s) => s.name + ':' + s.traceId).join(',')}`);
    assert.equal(nextLine.tid, TRACE_ID);
    assert.equal(nextLine.sid, doGetSpan.spanId);
    const taskLine = lines.find((l) => l.msg === 'task_run');
    assert.equal(taskLine.tid, TRACE_ID);
    assert.equal(taskLine.sid, spans.find((s) => s.name === 'task_run').spanId);
    assert.equal(lines.find((l) => l.msg === 'server_startup').tid,
      spans.find((s) => s.name === 'server_start').traceId);
  });

  test('zipkin: v2 JSON spans', async () => {
    const rx = await startReceiver();
    const srv = await startOps(PLUGIN, {
      server: 'otel_exporter_type = "zipkin"\notel_service_name = "ops-zipkin"',
      env: { OTEL_EXPORTER_ZIPKIN_ENDPOINT: `${rx.url}/api/v2/spans`, OTEL_BSP_SCHEDULE_DELAY: '100' },
    });
    const c = new FlightClient(srv.address);
    try {
      await c.doAction('task', Buffer.from('5'));
    } finally {
      c.close();
      assert.equal((await srv.stop()).code, 0);
    }
    await rx.close();
    const spans = rx.posts.flatMap((p) => { assert.equal(p.path, '/api/v2/spans'); return JSON.parse(p.body); });
    const rpc = spans.find((s) => s.name === 'DO_ACTION');
    assert.ok(rpc, JSON.stringify(spans).slice(0, 500));
    assert.match(rpc.traceId, /^[0-9a-f]{32}$/);
    assert.match(rpc.id, /^[0-9a-f]{16}$/);
    assert.equal(rpc.kind, 'SERVER');
    assert.equal(rpc.localEndpoint.serviceName, 'ops-zipkin');
    assert.equal(typeof rpc.timestamp, 'number');
    assert.equal(typeof rpc.duration, 'number');
    assert.equal(rpc.tags['rpc.system'], 'grpc');
    assert.equal(rpc.tags['otel.status_code'], 'OK');
    const exec = spans.find((s) => s.name === 'task_execution');
    assert.equal(exec.parentId, rpc.id);
    assert.equal(exec.traceId, rpc.traceId);
  });
});

describe('error messages', { skip: SKIP }, () => {
  test('long messages are not cut inside UTF-8 sequences', async () => {
    const srv = await startOps(PLUGIN);
    const c = new FlightClient(srv.address);
    try {
      // ErrorInfo msg: 256 code points of 4 bytes (over 1 KiB with the seed's suffix).
      const msg = `${'\u{1F600}'.repeat(256)} [truncated]`;
      let e = errorInfo(await c.doAction('fail', Buffer.from('300')).catch((x) => x));
      assert.equal(e.arrowMessage, msg);
      assert.equal(JSON.parse(e.extraInfo.toString()).msg, msg);
      assert.equal(e.details, `${msg}. Detail: Failed`);
      // Plain message of 3000 two-byte characters: kept whole.
      e = errorInfo(await c.doAction('fail_long', Buffer.from('3000')).catch((x) => x));
      assert.equal(e.arrowMessage, '\u00e9'.repeat(3000));
      assert.equal(e.details, '\u00e9'.repeat(3000));
    } finally {
      c.close();
      assert.equal((await srv.stop()).code, 0);
    }
  });
});
