// Test harness: an independent Arrow Flight client on @grpc/grpc-js and
// @grpc/proto-loader (loads proto/Flight.proto plus the test-only service
// definition in flight_service.proto). Promise-based helpers for all ten
// methods, raw-bytes calls for malformed-input tests, and error decoding from
// trailers. Runs in the node test process.
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PROTO_DIR = path.resolve(HERE, '../../../proto');

const packageDefinition = protoLoader.loadSync(path.join(HERE, 'flight_service.proto'), {
  keepCase: true,
  longs: String,
  enums: String,
  bytes: Buffer,
  defaults: true,
  oneofs: true,
  includeDirs: [HERE, PROTO_DIR, '/usr/include'],
});
const loaded = grpc.loadPackageDefinition(packageDefinition);
export const FlightService = loaded.arrow.flight.protocol.FlightService;
export const SERVICE_PATH = '/arrow.flight.protocol.FlightService';
export const METHODS = ['Handshake', 'ListFlights', 'GetFlightInfo', 'PollFlightInfo', 'GetSchema',
  'DoGet', 'DoPut', 'DoExchange', 'DoAction', 'ListActions'];

/** Serializer/deserializer of a message type, e.g. codec('FlightData'). */
export function codec(name) {
  // proto-loader exposes (de)serializers on the method definitions only;
  // find a method that uses this message type.
  for (const m of Object.values(packageDefinition['arrow.flight.protocol.FlightService'])) {
    if (m.requestType.type.name === name) return { serialize: m.requestSerialize, deserialize: m.requestDeserialize };
    if (m.responseType.type.name === name) return { serialize: m.responseSerialize, deserialize: m.responseDeserialize };
  }
  throw new Error(`message ${name} not used by the service`);
}

export const STATUS = grpc.status;

function toMetadata(headers) {
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(headers || {})) {
    if (Array.isArray(v)) v.forEach((x) => md.add(k, x)); else md.add(k, v);
  }
  return md;
}

function callOptions(opts) {
  const o = {};
  if (opts && opts.deadlineMs) o.deadline = new Date(Date.now() + opts.deadlineMs);
  return o;
}

/** Collects a server stream into an array; rejects with the call error. */
function collect(call) {
  return new Promise((resolve, reject) => {
    const out = [];
    call.on('data', (m) => out.push(m));
    call.on('error', reject);
    call.on('end', () => resolve(out));
  });
}

/** Reads the next message of a readable call stream (null at end). */
export function nextMessage(call, timeoutMs = 10000) {
  return new Promise((resolve, reject) => {
    const onData = (m) => { cleanup(); call.pause(); resolve(m); };
    const onEnd = () => { cleanup(); resolve(null); };
    const onErr = (e) => { cleanup(); reject(e); };
    const t = setTimeout(() => { cleanup(); reject(new Error(`no message within ${timeoutMs} ms`)); }, timeoutMs);
    function cleanup() {
      clearTimeout(t);
      call.off('data', onData); call.off('end', onEnd); call.off('error', onErr);
    }
    call.on('data', onData); call.on('end', onEnd); call.on('error', onErr);
    call.resume();
  });
}

export class FlightClient {
  constructor(address, options = {}) {
    this.address = address;
    const creds = options.credentials || grpc.credentials.createInsecure();
    this.client = new FlightService(address, creds, {
      'grpc.max_receive_message_length': -1,
      'grpc.max_send_message_length': -1,
      ...(options.channelOptions || {}),
    });
    this.headers = options.headers || {};
  }

  close() { this.client.close(); }

  md(opts) { return toMetadata({ ...this.headers, ...((opts && opts.headers) || {}) }); }

  unary(method, request, opts) {
    return new Promise((resolve, reject) => {
      this.client[method](request, this.md(opts), callOptions(opts), (err, res) => {
        if (err) reject(err); else resolve(res);
      });
    });
  }

  serverStream(method, request, opts) {
    return this.client[method](request, this.md(opts), callOptions(opts));
  }

  duplex(method, opts) { return this.client[method](this.md(opts), callOptions(opts)); }

  listActions(opts) { return collect(this.serverStream('ListActions', {}, opts)); }
  listFlights(expression = Buffer.alloc(0), opts) {
    return collect(this.serverStream('ListFlights', { expression }, opts));
  }
  getFlightInfo(descriptor, opts) { return this.unary('GetFlightInfo', descriptor, opts); }
  pollFlightInfo(descriptor, opts) { return this.unary('PollFlightInfo', descriptor, opts); }
  getSchema(descriptor, opts) { return this.unary('GetSchema', descriptor, opts); }
  doAction(type, body = Buffer.alloc(0), opts) {
    return collect(this.serverStream('DoAction', { type, body: Buffer.from(body) }, opts));
  }
  /** Returns the raw call (a readable of FlightData). */
  doGetCall(ticket, opts) { return this.serverStream('DoGet', { ticket: Buffer.from(ticket) }, opts); }
  /** All FlightData messages of a DoGet. */
  doGet(ticket, opts) { return collect(this.doGetCall(ticket, opts)); }
  doPutCall(opts) { return this.duplex('DoPut', opts); }
  doExchangeCall(opts) { return this.duplex('DoExchange', opts); }
  handshakeCall(opts) { return this.duplex('Handshake', opts); }

  /**
   * Raw call with Buffer request(s) and Buffer responses on any method path.
   * kind: 'unary' | 'server' | 'client' | 'bidi'. Returns {messages, error, trailers}.
   */
  raw(methodPath, kind, requests, opts = {}) {
    const ident = (b) => b;
    const md = this.md(opts);
    const co = callOptions(opts);
    let call;
    if (kind === 'unary' || kind === 'server') {
      call = this.client.makeServerStreamRequest(methodPath, ident, ident, requests[0], md, co);
    } else {
      call = this.client.makeBidiStreamRequest(methodPath, ident, ident, md, co);
      for (const r of requests) call.write(r);
      call.end();
    }
    return settle(call).then(({ messages, error, status }) => ({ messages, error, trailers: status.metadata }));
  }
}

/**
 * Waits for the end of any call (by its 'status' event, which grpc-js emits
 * exactly once, after or before 'error'/'end'). Resolves
 * {messages, error (null on OK), status}.
 */
export function settle(call) {
  return new Promise((resolve) => {
    const messages = [];
    let error = null;
    call.on('data', (m) => messages.push(m));
    call.on('error', (e) => { error = e; });
    call.on('end', () => {});
    call.on('status', (s) => setImmediate(() => {
      if (s.code !== 0 && !error) error = Object.assign(new Error(s.details), { code: s.code, details: s.details, metadata: s.metadata });
      resolve({ messages, error: s.code === 0 ? null : error, status: s });
    }));
  });
}

/** Builds a PATH descriptor. */
export function pathDescriptor(...p) { return { type: 'PATH', path: p, cmd: Buffer.alloc(0) }; }

/** total_records of the dataset at path `name` (store example), or null when it is absent. */
export async function rowsOf(client, name) {
  try {
    const info = await client.getFlightInfo(pathDescriptor(name), { deadlineMs: 5000 });
    return Number(info.total_records);
  } catch (e) {
    if (e.code === STATUS.NOT_FOUND) return null;
    throw e;
  }
}
/** Builds a CMD descriptor. */
export function cmdDescriptor(cmd) { return { type: 'CMD', cmd: Buffer.from(cmd), path: [] }; }

/**
 * Decodes the Flight/Arrow error details of a failed grpc-js call:
 * {code, details, arrowStatus (number|null), arrowMessage (string|null),
 *  arrowDetail (string|null), extraInfo (Buffer|null)}.
 */
export function errorInfo(err) {
  const md = err && err.metadata;
  const get = (k) => (md ? md.get(k) : []);
  const one = (k) => { const v = get(k); return v.length ? v[0] : null; };
  const st = one('x-arrow-status');
  const msg = one('x-arrow-status-message-bin');
  const det = one('x-arrow-status-detail-bin');
  const extra = one('grpc-status-details-bin');
  return {
    code: err ? err.code : null,
    details: err ? err.details : null,
    arrowStatus: st === null ? null : Number(st.toString()),
    arrowMessage: msg === null ? null : Buffer.from(msg).toString(),
    arrowDetail: det === null ? null : Buffer.from(det).toString(),
    extraInfo: extra === null ? null : Buffer.from(extra),
  };
}

/** Awaits a promise that must reject; returns errorInfo of the rejection. */
export async function expectError(promise) {
  try {
    await promise;
  } catch (e) {
    return errorInfo(e);
  }
  throw new Error('expected the call to fail, it succeeded');
}
