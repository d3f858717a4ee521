// Test harness for the Arrow Flight integration scenarios (examples/integration):
// starts the server with the integration plugin and a scenario, runs a
// scenario's client checks several times against the same process (as Arrow's
// integration client retries), protobuf encoding of the action messages with
// protobufjs, a cookie jar like the C++ client's cookie middleware, and unary
// calls that expose both response headers and trailers. Runs in the node test
// process.
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import grpc from '@grpc/grpc-js';
import { startServer, haveServer } from './server.mjs';
import { FlightClient } from './flight.mjs';
import { schemaFromBytes } from './arrow_flight.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PROTO_DIR = path.resolve(HERE, '../../../proto');

const root = new protobuf.Root();
root.resolvePath = (origin, target) =>
  (target.startsWith('google/') ? path.join('/usr/include', target) : path.join(PROTO_DIR, path.basename(target)));
root.loadSync('Flight.proto', { keepCase: true });
/** protobufjs type of an arrow.flight.protocol message, e.g. pb('FlightInfo'). */
export const pb = (name) => root.lookupType(`arrow.flight.protocol.${name}`);
export const encode = (name, obj) => Buffer.from(pb(name).encode(pb(name).fromObject(obj)).finish());
export const decode = (name, bytes) => pb(name).decode(Buffer.from(bytes));

export const skipIntegration = !haveServer('integration') && 'server binary or libintegration.so not built';

/** The C++ client's retry count: every scenario must pass this many times on one server. */
export const RUNS = 3;

/**
 * Starts the server with `scenario`, runs `run({client, srv, attempt})` RUNS
 * times (a new client, hence a new connection, each time), stops the server
 * and asserts a clean exit.
 */
export async function runScenario(scenario, run) {
  const srv = await startServer({
    example: 'integration',
    env: { GOODDATA_FLIGHT_INTEGRATION__SCENARIO: scenario },
  });
  let failure = null;
  try {
    for (let attempt = 0; attempt < RUNS && !failure; attempt++) {
      const client = new FlightClient(srv.address);
      try {
        await run({ client, srv, attempt });
      } catch (e) {
        failure = e;
      } finally {
        client.close();
      }
    }
  } finally {
    const r = await srv.stop();
    if (!failure && r.code !== 0) failure = new Error(`server exit ${JSON.stringify(r)}: ${srv.stderr().slice(-2000)}`);
  }
  if (failure) throw failure;
}

/**
 * A unary call that resolves {response, error, headers, trailers} (never
 * rejects); headers/trailers are grpc Metadata (null when not received).
 */
export function unaryCall(client, method, request, headers = {}) {
  return new Promise((resolve) => {
    const md = new grpc.Metadata();
    for (const [k, v] of Object.entries(headers)) md.add(k, v);
    let hdrs = null;
    let out = null;
    const call = client.client[method](request, md, { deadline: new Date(Date.now() + 10000) },
      (err, res) => { out = { response: res || null, error: err || null }; });
    call.on('metadata', (m) => { hdrs = m; });
    call.on('status', (s) => setImmediate(() => resolve({ ...out, headers: hdrs, trailers: s.metadata })));
  });
}

/** Server-streaming call: {messages, error, headers, trailers}. */
export function streamCall(client, method, request, headers = {}) {
  return new Promise((resolve) => {
    const md = new grpc.Metadata();
    for (const [k, v] of Object.entries(headers)) md.add(k, v);
    const call = client.client[method](request, md, { deadline: new Date(Date.now() + 10000) });
    const messages = [];
    let error = null;
    let hdrs = null;
    call.on('metadata', (m) => { hdrs = m; });
    call.on('data', (m) => messages.push(m));
    call.on('error', (e) => { error = e; });
    call.on('status', (s) => setImmediate(() => resolve({ messages, error: s.code === 0 ? null : (error || s), headers: hdrs, trailers: s.metadata })));
  });
}

/** Values of `key` from response headers and trailers together (what C++ client middleware sees). */
export function responseValues({ headers, trailers }, key) {
  const vals = [];
  for (const md of [headers, trailers]) if (md) for (const v of md.get(key)) vals.push(Buffer.from(v).toString());
  return vals;
}

/** The C++ cookie middleware: keeps set-cookie values, honours Max-Age <= 0, sends `cookie`. */
export class CookieJar {
  constructor() { this.cookies = new Map(); }
  take(call) {
    for (const sc of responseValues(call, 'set-cookie')) {
      const [pair, ...attrs] = sc.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const maxAge = attrs.map((a) => a.trim()).find((a) => a.toLowerCase().startsWith('max-age='));
      if (maxAge && Number(maxAge.split('=')[1]) <= 0) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  headers() {
    if (!this.cookies.size) return {};
    return { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') };
  }
}

/** The C++ client's decoding rules for any FlightInfo: descriptor PATH/CMD, schema parses, URIs parse. */
export function checkFlightInfo(info) {
  assert.ok(info.flight_descriptor, 'FlightInfo.flight_descriptor is set');
  assert.ok(['PATH', 'CMD'].includes(info.flight_descriptor.type), `descriptor type ${info.flight_descriptor.type}`);
  assert.ok(schemaFromBytes(info.schema), 'FlightInfo.schema is an IPC schema');
  for (const ep of info.endpoint) for (const l of ep.location) assert.doesNotThrow(() => new URL(l.uri), `location ${l.uri}`);
}

/** Timestamp {seconds (string|Long), nanos} -> BigInt nanoseconds. */
export function tsNanos(ts) {
  return BigInt(String(ts.seconds)) * 1000000000n + BigInt(ts.nanos || 0);
}

/** DoAction reading every Result: {results: Buffer[], error, headers, trailers}. */
export async function doAction(client, type, body, headers = {}) {
  const r = await streamCall(client, 'DoAction', { type, body: Buffer.from(body || []) }, headers);
  return { ...r, results: r.messages.map((m) => Buffer.from(m.body)) };
}
