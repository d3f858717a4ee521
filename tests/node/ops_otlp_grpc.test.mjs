// OTLP/gRPC trace export of the real server (otel_exporter_type =
// "otlp-grpc") into a test collector: a @grpc/grpc-js server implementing
// opentelemetry.proto.collector.trace.v1.TraceService/Export from
// proto/otlp_trace.proto. Checks the decoded ExportTraceServiceRequest
// (span names, kinds, ids propagated from traceparent, status codes,
// attributes, resource), the headers sent as gRPC metadata, and that a
// collector that is down or never answers costs the server nothing: it
// keeps serving and exits 0 within the export timeout. A bad endpoint stops
// start-up naming the variable. TLS: https:// endpoint verified with
// OTEL_EXPORTER_OTLP_CERTIFICATE plus a client certificate (certificates
// generated at test time by tests/security/gen_certs.sh); a collector the CA
// does not vouch for gets nothing. Example plugin libstore.so.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';
import { FlightClient, SERVICE_PATH, pathDescriptor } from './lib/flight.mjs';
import { REPO, freePort, haveServer, startServer } from './lib/server.mjs';
import { haveOpenssl, makeCerts } from '../security/helpers.mjs';

const skip = !haveServer('store') && 'server binary or libstore.so not built';

const definition = protoLoader.loadSync(path.join(REPO, 'proto', 'otlp_trace.proto'), {
  keepCase: true, longs: String, bytes: Buffer, defaults: false, oneofs: true,
});
const TraceService = grpc.loadPackageDefinition(definition).opentelemetry.proto.collector.trace.v1.TraceService;

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_ID = '00f067aa0ba902b7';
const TRACEPARENT = `00-${TRACE_ID}-${PARENT_ID}-01`;
const KIND_INTERNAL = 1;
const KIND_SERVER = 2;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Test collector on a free port. mode: 'ok' (empty response), 'hang' (never
 * answers); creds: server credentials (default plaintext). Returns {port,
 * url, requests: [{req, md}], raw: [Buffer], close()}.
 */
async function startCollector(mode = 'ok', creds = grpc.ServerCredentials.createInsecure()) {
  const requests = [];
  const raw = [];
  const server = new grpc.Server();
  const def = TraceService.service.Export;
  const service = { Export: { ...def, requestDeserialize: (b) => { raw.push(Buffer.from(b)); return def.requestDeserialize(b); } } };
  server.addService(service, {
    Export(call, callback) {
      requests.push({ req: call.request, md: call.metadata.getMap() });
      if (mode === 'ok') callback(null, {});
    },
  });
  const port = await new Promise((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', creds, (err, p) => (err ? reject(err) : resolve(p)));
  });
  return { port, url: `http://127.0.0.1:${port}`, requests, raw, close: () => server.forceShutdown() };
}

const hex = (b) => Buffer.from(b || []).toString('hex');

function attrValue(v) {
  if (!v) return undefined;
  return v.value ? v[v.value] : undefined;
}

function attrs(list) {
  return Object.fromEntries((list || []).map((kv) => [kv.key, attrValue(kv.value)]));
}

/** Every span of the received requests with its resource and scope. */
function spansOf(requests) {
  const out = [];
  for (const { req } of requests) {
    for (const rs of req.resource_spans || []) {
      const resource = attrs(rs.resource && rs.resource.attributes);
      for (const ss of rs.scope_spans || []) {
        for (const s of ss.spans || []) {
          out.push({ ...s, traceId: hex(s.trace_id), spanId: hex(s.span_id),
            parentId: hex(s.parent_span_id), attrs: attrs(s.attributes), resource, scope: ss.scope });
        }
      }
    }
  }
  return out;
}

function tracingServer(endpoint, env = {}) {
  return startServer({
    example: 'store',
    server: ['otel_exporter_type = "otlp-grpc"', 'otel_service_name = "otlp-grpc-test"',
      'otel_extract_context = true'].join('\n'),
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_BSP_SCHEDULE_DELAY: '100', ...env },
  });
}

describe('OTLP/gRPC trace export', { skip, timeout: 120000 }, () => {
  test('spans reach the collector as ExportTraceServiceRequest', async () => {
    const col = await startCollector('ok');
    const srv = await tracingServer(col.url, {
      OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=secret%20value, X-Tenant = t1',
    });
    const traced = new FlightClient(srv.address, { headers: { traceparent: TRACEPARENT, tracestate: 'k=v' } });
    const plain = new FlightClient(srv.address);
    let code;
    try {
      await traced.listActions();
      const err = await plain.getFlightInfo(pathDescriptor('no', 'such')).catch((e) => e);
      assert.equal(err.code, grpc.status.NOT_FOUND);
      // FlightDescriptor{type PATH, path ["\xffx"]}: not UTF-8; the error message carries it.
      const bad = await plain.raw(`${SERVICE_PATH}/GetFlightInfo`, 'unary',
        [Buffer.from([0x08, 0x01, 0x1a, 0x02, 0xff, 0x78])]);
      assert.equal(bad.error.code, grpc.status.NOT_FOUND);
      await plain.listActions();
    } finally {
      traced.close();
      plain.close();
      code = (await srv.stop()).code; // flushes the exporter
    }
    col.close();
    assert.equal(code, 0, srv.stderr().slice(-2000));
    assert.ok(col.requests.length > 0, `no export received: ${srv.stderr().slice(-2000)}`);
    for (const { md } of col.requests) {
      assert.equal(md['x-api-key'], 'secret value');
      assert.equal(md['x-tenant'], 't1');
    }
    const spans = spansOf(col.requests);
    const names = spans.map((s) => s.name);
    for (const n of ['server_start', 'LIST_ACTIONS', 'GET_FLIGHT_INFO'])
      assert.ok(names.includes(n), `missing span ${n}: ${names.join(',')}`);
    for (const s of spans) {
      assert.match(s.traceId, /^[0-9a-f]{32}$/);
      assert.match(s.spanId, /^[0-9a-f]{16}$/);
      assert.ok(BigInt(s.start_time_unix_nano) > 0n);
      assert.ok(BigInt(s.end_time_unix_nano) >= BigInt(s.start_time_unix_nano), s.name);
      assert.equal(s.scope.name, 'gooddata_flight_server');
      assert.equal(s.resource['service.name'], 'otlp-grpc-test');
      assert.equal(s.resource['process.pid'], String(srv.child.pid));
      assert.equal(s.resource['telemetry.sdk.language'], 'c');
    }
    assert.equal(spans.find((s) => s.name === 'server_start').kind, KIND_INTERNAL);

    const rpc = spans.find((s) => s.name === 'LIST_ACTIONS' && s.traceId === TRACE_ID);
    assert.ok(rpc, 'LIST_ACTIONS continues the caller trace');
    assert.equal(rpc.parentId, PARENT_ID);
    assert.equal(rpc.kind, KIND_SERVER);
    assert.equal(rpc.trace_state, 'k=v');
    assert.equal(rpc.status.code, 1);
    assert.equal(rpc.attrs['rpc.system'], 'grpc');
    assert.equal(rpc.attrs['rpc.service'], 'FlightRPC');
    assert.equal(rpc.attrs['rpc.method'], 'LIST_ACTIONS');
    assert.equal(rpc.attrs['rpc.grpc.status_code'], '0');
    assert.equal(rpc.attrs['net.peer.ip'], '127.0.0.1');

    const untraced = spans.filter((s) => s.name === 'LIST_ACTIONS' && s.traceId !== TRACE_ID);
    assert.ok(untraced.length >= 1, 'plain calls start new traces');
    assert.ok(untraced.every((s) => s.parentId === ''), 'no parent without traceparent');

    const gfi = spans.find((s) => s.name === 'GET_FLIGHT_INFO' && /no.such/.test(s.status.message));
    assert.ok(gfi, names.join(','));
    assert.equal(gfi.kind, KIND_SERVER);
    assert.equal(gfi.status.code, 2);
    assert.match(gfi.status.message, /Unknown dataset/);
    assert.equal(gfi.attrs['rpc.grpc.status_code'], '5');

    // Strings are valid UTF-8 on the wire (collectors reject anything else):
    // the raw 0xff byte of the second GetFlightInfo became U+FFFD.
    const wire = Buffer.concat(col.raw);
    assert.equal(wire.indexOf(Buffer.from([0x27, 0xff, 0x78, 0x27])), -1, 'raw 0xff sent');
    assert.notEqual(wire.indexOf(Buffer.from([0x27, 0xef, 0xbf, 0xbd, 0x78, 0x27])), -1, 'U+FFFD missing');
  });

  test('collector down: the server keeps serving and exits 0', async () => {
    const port = await freePort(); // nothing listens there
    const srv = await tracingServer(`http://127.0.0.1:${port}`, { OTEL_EXPORTER_OTLP_TIMEOUT: '1000' });
    const c = new FlightClient(srv.address);
    let stopped;
    try {
      for (let i = 0; i < 3; i++) {
        assert.ok((await c.listActions()).length > 0);
        await sleep(250); // several export rounds fail meanwhile
      }
    } finally {
      c.close();
      const t0 = Date.now();
      stopped = await srv.stop();
      stopped.ms = Date.now() - t0;
    }
    assert.equal(stopped.code, 0, srv.stderr().slice(-2000));
    assert.ok(stopped.ms < 8000, `stop took ${stopped.ms} ms`);
    const failed = srv.logs().filter((l) => l.event === 'trace_export_failed');
    assert.ok(failed.length >= 1, srv.stderr().slice(-2000));
    assert.equal(failed[0].grpc_code, 14); // UNAVAILABLE
    assert.equal(failed[0].url, `http://127.0.0.1:${port}`);
    assert.ok(failed.length <= 2, `failures are rate-limited: ${failed.length} lines`);
  });

  test('collector that never answers: export times out, stop is bounded', async () => {
    const col = await startCollector('hang');
    const srv = await tracingServer(col.url, { OTEL_EXPORTER_OTLP_TIMEOUT: '700' });
    const c = new FlightClient(srv.address);
    let stopped;
    try {
      assert.ok((await c.listActions()).length > 0);
      await sleep(300);
      assert.ok((await c.listActions()).length > 0, 'serving while an export hangs');
    } finally {
      c.close();
      const t0 = Date.now();
      stopped = await srv.stop();
      stopped.ms = Date.now() - t0;
      col.close();
    }
    assert.equal(stopped.code, 0, srv.stderr().slice(-2000));
    assert.ok(stopped.ms < 6000, `stop took ${stopped.ms} ms`);
    assert.ok(col.requests.length >= 1, 'the collector saw the export');
    const failed = srv.logs().filter((l) => l.event === 'trace_export_failed');
    assert.ok(failed.length >= 1, srv.stderr().slice(-2000));
    assert.equal(failed[0].grpc_code, 4); // DEADLINE_EXCEEDED
  });

  test('an unusable endpoint stops start-up naming the variable', async () => {
    const err = await tracingServer('ftp://127.0.0.1:1').then(
      async (srv) => { await srv.stop(); return null; }, (e) => e);
    assert.ok(err, 'server started with an ftp:// endpoint');
    assert.match(err.message, /"code":1\b|exited early/);
    assert.match(err.message, /OTEL_EXPORTER_OTLP_ENDPOINT: unsupported scheme in 'ftp:\/\/127\.0\.0\.1:1'/);
  });
});

const tlsSkip = skip || (!haveOpenssl() && 'openssl CLI not available');

describe('OTLP/gRPC over TLS', { skip: tlsSkip, timeout: 120000 }, () => {
  let certs;
  const mtlsCollector = () => startCollector('ok', grpc.ServerCredentials.createSsl(certs.pem('ca.pem'),
    [{ cert_chain: certs.pem('server.pem'), private_key: certs.pem('server.key') }], true));
  const tlsEnv = (ca) => ({
    OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE: certs.path(ca),
    OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: certs.path('client.pem'),
    OTEL_EXPORTER_OTLP_CLIENT_KEY: certs.path('client.key'),
    OTEL_EXPORTER_OTLP_TIMEOUT: '2000',
  });

  test('https:// endpoint with the collector CA and a client certificate', async () => {
    certs = makeCerts();
    const col = await mtlsCollector();
    const srv = await tracingServer(`https://127.0.0.1:${col.port}`, tlsEnv('ca.pem'));
    const c = new FlightClient(srv.address);
    let code;
    try {
      await c.listActions();
    } finally {
      c.close();
      code = (await srv.stop()).code;
      col.close();
    }
    assert.equal(code, 0, srv.stderr().slice(-2000));
    const names = spansOf(col.requests).map((s) => s.name);
    assert.ok(names.includes('LIST_ACTIONS'), `${names.join(',')} ${srv.stderr().slice(-2000)}`);
    assert.ok(!srv.logs().some((l) => l.event === 'trace_export_failed'));
  });

  test('a collector certificate from another CA is refused', async () => {
    const col = await mtlsCollector();
    const srv = await tracingServer(`https://127.0.0.1:${col.port}`, tlsEnv('other-ca.pem'));
    const c = new FlightClient(srv.address);
    let code;
    try {
      await c.listActions();
    } finally {
      c.close();
      code = (await srv.stop()).code;
      col.close();
    }
    assert.equal(code, 0, srv.stderr().slice(-2000));
    assert.equal(col.requests.length, 0);
    const failed = srv.logs().find((l) => l.event === 'trace_export_failed');
    assert.ok(failed, srv.stderr().slice(-2000));
    assert.equal(failed.grpc_code, 14);
  });

  test('an unreadable certificate file stops start-up naming the variable', async () => {
    const err = await tracingServer('https://127.0.0.1:1', { OTEL_EXPORTER_OTLP_CERTIFICATE: certs.path('missing.pem') })
      .then(async (srv) => { await srv.stop(); return null; }, (e) => e);
    certs.cleanup();
    assert.ok(err, 'server started without its certificate file');
    assert.match(err.message, /OTEL_EXPORTER_OTLP_CERTIFICATE: cannot open '.*missing\.pem'/);
  });
});
