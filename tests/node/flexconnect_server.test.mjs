// The upstream FlexConnect server tests (gooddata-flexconnect
// tests/server/test_flexconnect_server.py) ported to the independent Node
// client, against the real binary started with `--methods-provider
// flexconnect` and the fc_test_functions library: basic and polling modes,
// on_load, TLS variants over TLS, POLL/RetryInfo, deadline and cancellation.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { STATUS } from './lib/flight.mjs';
import { schemaFromBytes } from './lib/arrow_flight.mjs';
import { haveOpenssl, makeCerts } from '../security/helpers.mjs';
import {
  BASIC, POLL, assertThreeRows, failure, haveFlexConnect, invocation, readTable, retryInfo,
  startFlexConnect,
} from './lib/flexconnect.mjs';

const SKIP = !haveFlexConnect() && 'server binary or libfc_test_functions.so not built';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function checkListFlights(client) {
  const flights = await client.listFlights(Buffer.alloc(0), BASIC);
  const fun1 = flights.filter((f) => JSON.parse(Buffer.from(f.flight_descriptor.cmd)).functionName === 'SimpleFun1');
  assert.equal(fun1.length, 1);
  const f = fun1[0];
  assert.deepEqual(schemaFromBytes(f.schema).fields.map((x) => x.name), ['col1', 'col2', 'col3']);
  const cmd = Buffer.from(f.flight_descriptor.cmd).toString();
  assert.ok(cmd.length > 0);
  assert.equal(cmd, '{"functionName":"SimpleFun1","metadata":null}');
  assert.equal(f.endpoint.length, 0);
  assert.equal(Number(f.total_records), -1);
  assert.equal(Number(f.total_bytes), -1);
}

async function basicFunction(srv) {
  const client = srv.client();
  try {
    await checkListFlights(client);
    const info = await client.getFlightInfo(invocation('SimpleFun1'), BASIC);
    assert.equal(info.endpoint[0].location[0].uri, srv.location.replace('127.0.0.1', 'localhost')
      .replace('grpc://', srv.tls ? 'grpc+tls://' : 'grpc://'));
    assertThreeRows(await readTable(client, info));
  } finally {
    client.close();
  }
}

async function cancellableFunction(srv) {
  const client = srv.client();
  try {
    await checkListFlights(client);
    const info = await client.getFlightInfo(invocation('SimpleFun1'), POLL); // first poll answers
    assertThreeRows(await readTable(client, info));
  } finally {
    client.close();
  }
}

describe('FlexConnect server (upstream tests)', { skip: SKIP, timeout: 120000 }, () => {
  let srv;
  before(async () => { srv = await startFlexConnect(); });
  after(async () => {
    if (!srv) return;
    const r = await srv.stop();
    assert.equal(r.code, 0, srv.stderr().slice(-3000));
  });

  test('test_basic_function', () => basicFunction(srv));

  test('test_function_with_on_load', async () => {
    const client = srv.client();
    try {
      const info = await client.getFlightInfo(invocation('SimpleFun2'), BASIC);
      assertThreeRows(await readTable(client, info));
    } finally {
      client.close();
    }
  });

  test('test_cancellable_function', () => cancellableFunction(srv));

  test('test_cancellable_function_with_polling', async () => {
    const client = srv.client();
    try {
      const first = await failure(client.getFlightInfo(invocation('PollableFun'), POLL));
      assert.equal(first.err.code, STATUS.DEADLINE_EXCEEDED);
      assert.equal(first.err.arrowDetail, 'TimedOut');
      const { retry, cancel } = retryInfo(first.info);
      const info = await client.getFlightInfo(retry, POLL);
      assertThreeRows(await readTable(client, info));
      assert.equal(Buffer.from(info.flight_descriptor.cmd).toString(),
        JSON.stringify({ functionName: 'PollableFun', parameters: { test1: 1, test2: 2, test3: 3 } }));
      const c = await failure(client.getFlightInfo(cancel, POLL));
      assert.equal(c.err.code, STATUS.CANCELLED);
      assert.equal(c.info.code, 6);
      assert.equal(c.info.msg, 'FlexConnect function invocation was cancelled.');
    } finally {
      client.close();
    }
  });

  test('test_cancellable_function_with_call_deadline', async () => {
    const client = srv.client();
    try {
      const t0 = Date.now();
      const first = await failure(client.getFlightInfo(invocation('LongRunningFun'), POLL));
      assert.equal(first.info.code, 65637);
      const { retry } = retryInfo(first.info);
      const second = await failure(client.getFlightInfo(retry, POLL));
      assert.equal(second.info.code, 65637);
      const third = await failure(client.getFlightInfo(retry, POLL));
      assert.equal(third.err.code, STATUS.DEADLINE_EXCEEDED);
      assert.equal(third.info.code, 100);
      const id = Buffer.from(retry.cmd).toString().slice(2);
      assert.equal(third.info.msg, `GetFlightInfo timed out while waiting for task ${id}.`);
      assert.ok(Date.now() - t0 >= 1200, 'TIMEOUT only after the deadline');
      // the task was cancelled: its (cancelled) record answers later polls
      await sleep(100);
      const after = await failure(client.getFlightInfo(retry, POLL));
      assert.equal(after.info.code, 6);
      assert.equal(after.info.msg, `FlexConnect function invocation was cancelled. Invocation task was: '${id}'.`);
    } finally {
      client.close();
    }
  });

  test('test_cancellable_function_with_cancellation', async () => {
    const client = srv.client();
    try {
      const first = await failure(client.getFlightInfo(invocation('LongRunningFun'), POLL));
      const { cancel } = retryInfo(first.info);
      for (let i = 0; i < 2; i++) { // idempotent
        const c = await failure(client.getFlightInfo(cancel, POLL));
        assert.equal(c.err.code, STATUS.CANCELLED);
        assert.equal(c.err.arrowDetail, 'Cancelled');
        assert.equal(c.info.code, 6);
        assert.equal(c.info.msg, 'FlexConnect function invocation was cancelled.');
      }
    } finally {
      client.close();
    }
  });
});

describe('FlexConnect server over TLS (upstream tests)', { skip: SKIP || (!haveOpenssl() && 'no openssl'), timeout: 60000 }, () => {
  let srv;
  let certs;
  before(async () => {
    certs = makeCerts();
    srv = await startFlexConnect({ tls: certs });
    srv.tls = true;
  });
  after(async () => {
    if (srv) {
      const r = await srv.stop();
      assert.equal(r.code, 0, srv.stderr().slice(-3000));
    }
    if (certs) certs.cleanup();
  });

  test('test_basic_function_tls', () => basicFunction(srv));
  test('test_cancellable_function_tls', () => cancellableFunction(srv));
});
