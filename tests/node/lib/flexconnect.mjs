// Helpers of the FlexConnect tests: start the server with the built-in
// `flexconnect` provider configured like the upstream conftest (env
// GOODDATA_FLIGHT_* variables, deadline 1200 ms, polling 500 ms), decode the
// ErrorInfo / RetryInfo of a failed call, and read a DoGet into a table.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import grpc from '@grpc/grpc-js';

import { FlightClient, codec, errorInfo } from './flight.mjs';
import { BINARY, startServer, testPluginPath } from './server.mjs';
import { flightDataToTable } from './arrow_flight.mjs';

export const FUNS = testPluginPath('fc_test_functions');
export const haveFlexConnect = () => fs.existsSync(BINARY) && fs.existsSync(FUNS);
export const PARAMS = { test1: 1, test2: 2, test3: 3 };
export const POLL = { headers: { 'x-quiver-pollable': 'true' }, deadlineMs: 10000 };
export const BASIC = { deadlineMs: 10000 };
export const invocation = (name, parameters = PARAMS) =>
  ({ type: 'CMD', cmd: Buffer.from(JSON.stringify({ functionName: name, parameters })), path: [] });

/** Starts the server; opts.tls = certs object, opts.env / opts.server extra. */
export async function startFlexConnect(opts = {}) {
  const env = {
    GOODDATA_FLIGHT_SERVER__ADVERTISE_HOST: 'localhost',
    GOODDATA_FLIGHT_FLEXCONNECT__FUNCTIONS: JSON.stringify(opts.functions || [FUNS]),
    GOODDATA_FLIGHT_FLEXCONNECT__CALL_DEADLINE_MS: '1200',
    GOODDATA_FLIGHT_FLEXCONNECT__POLLING_INTERVAL_MS: '500',
    ...(opts.env || {}),
  };
  let credentials;
  if (opts.tls) {
    Object.assign(env, {
      GOODDATA_FLIGHT_SERVER__USE_TLS: 'TRUE', // as the upstream conftest
      GOODDATA_FLIGHT_SERVER__TLS_CERTIFICATE: `@${opts.tls.path('server.pem')}`,
      GOODDATA_FLIGHT_SERVER__TLS_PRIVATE_KEY: `@${opts.tls.path('server.key')}`,
    });
    credentials = grpc.credentials.createSsl(opts.tls.pem('ca.pem'));
  }
  const probe = async (address) => {
    const c = new FlightClient(address, { credentials });
    try {
      await c.listFlights(Buffer.alloc(0), { deadlineMs: 1000 });
      return true;
    } finally {
      c.close();
    }
  };
  const srv = await startServer({ provider: 'flexconnect', env, server: opts.server, probe,
    loggingConfig: opts.loggingConfig });
  srv.client = (address = `localhost:${srv.port}`) => new FlightClient(address, { credentials });
  return srv;
}

/** ErrorInfo JSON of a failed call (asserts it is present and compact). */
export function errorJson(e) {
  assert.ok(e.extraInfo, `ErrorInfo present (got ${JSON.stringify(e.details)})`);
  const text = e.extraInfo.toString('utf8');
  assert.match(text, /^\{"msg":.*,"detail":.*,"code":-?\d+,"body":.*\}$/, text);
  return JSON.parse(text);
}

/** Awaits a call that must fail; returns {err (errorInfo), info (ErrorInfo JSON)}. */
export async function failure(promise) {
  try {
    await promise;
  } catch (e) {
    const err = errorInfo(e);
    return { err, info: err.extraInfo ? errorJson(err) : null };
  }
  throw new Error('expected the call to fail, it succeeded');
}

/** RetryInfo of a POLL error: {retry, cancel} descriptors ready to send. */
export function retryInfo(info) {
  assert.equal(info.code, 65637);
  assert.equal(info.msg, 'Work in progress. Retry.');
  assert.ok(info.body, 'POLL carries a body');
  const ri = JSON.parse(Buffer.from(info.body, 'base64').toString('utf8'));
  assert.deepEqual(Object.keys(ri), ['flight_info', 'retry_descriptor', 'cancel_descriptor']);
  assert.equal(ri.flight_info, null);
  // exact wire form: FlightDescriptor{type: CMD (field 1 = 2), cmd (field 2) = "r:<id>" / "c:<id>"}
  for (const [key, prefix] of [['retry_descriptor', 'r:'], ['cancel_descriptor', 'c:']]) {
    const raw = Buffer.from(ri[key], 'base64');
    assert.equal(ri[key], raw.toString('base64'), 'standard padded base64');
    const text = raw.subarray(4).toString();
    assert.match(text, new RegExp(`^${prefix}[0-9a-f]{32}$`));
    assert.deepEqual([...raw.subarray(0, 4)], [0x08, 0x02, 0x12, text.length]);
  }
  const dec = codec('FlightDescriptor').deserialize;
  const retry = dec(Buffer.from(ri.retry_descriptor, 'base64'));
  const cancel = dec(Buffer.from(ri.cancel_descriptor, 'base64'));
  return { retry, cancel, raw: ri };
}

export async function readTable(client, info) {
  assert.equal(info.endpoint.length, 1);
  return flightDataToTable(await client.doGet(info.endpoint[0].ticket.ticket, BASIC)).table;
}

export function assertThreeRows(table) {
  assert.equal(table.numRows, 3);
  assert.deepEqual(table.schema.fields.map((f) => f.name), ['col1', 'col2', 'col3']);
  assert.deepEqual([...table.getChild('col1')].map(Number), [1, 2, 3]);
  assert.deepEqual([...table.getChild('col2')], ['a', 'b', 'c']);
  assert.deepEqual([...table.getChild('col3')], [true, false, true]);
}
