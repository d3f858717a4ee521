// Server transport/dispatcher behaviour seen by an independent client
// (grpc-js): round trip on the store example, UNIMPLEMENTED answers (missing
// callbacks, unknown method paths), Arrow error trailers, malformed input
// (the server keeps serving), client cancel and deadlines in the middle of a
// DoGet, concurrency, and a graceful stop with a stream in flight.
import test from 'node:test';
import assert from 'node:assert/strict';
import { startServer, haveServer } from './lib/server.mjs';
import { FlightClient, pathDescriptor, expectError, errorInfo, nextMessage, STATUS, SERVICE_PATH } from './lib/flight.mjs';
import { tableToFlightGroups, flightDataToTable, tableRows } from './lib/arrow_flight.mjs';
import { simpleTable } from './lib/fixtures.mjs';

const skip = !haveServer('store') && 'server binary or libstore.so not built';

async function put(client, name, table) {
  const call = client.doPutCall({ deadlineMs: 30000 });
  const groups = tableToFlightGroups(table, {
    descriptor: pathDescriptor(name),
    appMetadata: (i) => Buffer.from(`b${i}`),
  });
  const acks = [];
  const done = new Promise((resolve, reject) => {
    call.on('data', (m) => acks.push(m.app_metadata.toString()));
    call.on('error', reject);
    call.on('end', resolve);
  });
  for (const g of groups) for (const m of g) call.write(m);
  call.end();
  await done;
  return acks;
}

/** Waits until the server process has exited by itself (after our SIGTERM). */
async function waitExit(srv, ms = 20000) {
  const end = Date.now() + ms;
  while (!srv.exited() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  return srv.exited();
}

async function alive(client) {
  const actions = await client.listActions({ deadlineMs: 5000 });
  assert.equal(actions[0].type, 'drop');
}

test('server: store round trip and protocol edges', { skip, timeout: 120000 }, async (t) => {
  const srv = await startServer({ example: 'store', server: 'max_batch_bytes = 65536' });
  const client = new FlightClient(srv.address);
  try {
    await t.test('bound port appears in the flight_service_start log event', async () => {
      const ev = srv.logs().find((l) => l.event === 'flight_service_start');
      assert.ok(ev, 'flight_service_start logged');
      assert.equal(ev.port, srv.port);
      assert.equal(ev.listen_url, `grpc://127.0.0.1:${srv.port}`);
      assert.ok(srv.logs().some((l) => l.event === 'rpc_enabled'));
    });

    const table = simpleTable(3000, 1000);
    await t.test('DoPut acks every batch with its app_metadata', async () => {
      assert.deepEqual(await put(client, 'a/b', table), ['b0', 'b1', 'b2']);
    });

    await t.test('GetFlightInfo + DoGet round trip (path joined by /)', async () => {
      const info = await client.getFlightInfo(pathDescriptor('a', 'b'), { deadlineMs: 5000 });
      assert.equal(info.total_records, '3000');
      assert.equal(info.total_bytes, '-1');
      assert.equal(info.endpoint.length, 1);
      assert.equal(info.endpoint[0].ticket.ticket.toString(), 'a/b');
      assert.equal(info.endpoint[0].location[0].uri, `grpc://127.0.0.1:${srv.port}`);
      const msgs = await client.doGet('a/b', { deadlineMs: 10000 });
      assert.ok(!msgs[0].app_metadata || msgs[0].app_metadata.length === 0, 'no app_metadata on the schema');
      const got = flightDataToTable(msgs);
      assert.equal(got.types[0], 1, 'schema first');
      assert.deepEqual(got.appMetadata.map(String), ['0', '1', '2']);
      assert.deepEqual(tableRows(got.table), tableRows(table));
    });

    await t.test('large batch is split below max_batch_bytes', async () => {
      const big = simpleTable(20000, 20000);
      await put(client, 'big', big);
      const msgs = await client.doGet('big', { deadlineMs: 20000 });
      for (const m of msgs) assert.ok((m.data_body || []).length <= 65536 + 1024, `body ${m.data_body.length}`);
      const got = flightDataToTable(msgs);
      assert.ok(got.appMetadata.length > 1, 'several pieces');
      assert.equal(got.table.numRows, 20000);
      assert.deepEqual(tableRows(got.table).slice(-3), tableRows(big).slice(-3));
    });

    await t.test('missing callbacks answer UNIMPLEMENTED with Arrow trailers', async () => {
      let e = await expectError(client.pollFlightInfo(pathDescriptor('x'), { deadlineMs: 5000 }));
      assert.equal(e.code, STATUS.UNIMPLEMENTED);
      assert.equal(e.details, 'NYI');
      assert.equal(e.arrowStatus, 10);
      const hs = await client.raw(`${SERVICE_PATH}/Handshake`, 'bidi', [], { deadlineMs: 5000 });
      e = errorInfo(hs.error);
      assert.equal(e.code, STATUS.UNIMPLEMENTED);
      assert.equal(e.details, 'This service does not have an authentication mechanism enabled.');
      const ex = await client.raw(`${SERVICE_PATH}/DoExchange`, 'bidi', [], { deadlineMs: 5000 });
      assert.equal(ex.error.code, STATUS.UNIMPLEMENTED);
    });

    await t.test('unknown method paths answer UNIMPLEMENTED (no hang)', async () => {
      for (const p of [`${SERVICE_PATH}/NoSuchMethod`, '/other.Service/Call']) {
        const r = await client.raw(p, 'unary', [Buffer.alloc(0)], { deadlineMs: 5000 });
        assert.equal(r.error.code, STATUS.UNIMPLEMENTED, p);
        assert.match(r.error.details, /Method not found/);
      }
    });

    await t.test('NOT_FOUND carries x-arrow-status 2 and the message twice', async () => {
      const e = await expectError(client.getFlightInfo(pathDescriptor('nope'), { deadlineMs: 5000 }));
      assert.equal(e.code, STATUS.NOT_FOUND);
      assert.equal(e.arrowStatus, 2);
      assert.equal(e.arrowMessage, e.details);
      assert.match(e.details, /nope/);
      assert.equal(e.arrowDetail, null);
      assert.equal(e.extraInfo, null);
    });

    await t.test('malformed requests get INVALID_ARGUMENT and the server keeps serving', async () => {
      const bad = await client.raw(`${SERVICE_PATH}/GetFlightInfo`, 'unary', [Buffer.from([0x0a, 0xff, 0xff])], { deadlineMs: 5000 });
      assert.equal(bad.error.code, STATUS.INVALID_ARGUMENT);
      const noDesc = await client.raw(`${SERVICE_PATH}/DoPut`, 'bidi', [Buffer.from([0x1a, 0x01, 0x41])], { deadlineMs: 5000 });
      assert.equal(noDesc.error.code, STATUS.INVALID_ARGUMENT);
      assert.equal(noDesc.error.details, 'Descriptor missing on first message');
      const empty = await client.raw(`${SERVICE_PATH}/DoPut`, 'bidi', [], { deadlineMs: 5000 });
      assert.equal(empty.error.code, STATUS.INVALID_ARGUMENT);
      const trunc = await client.raw(`${SERVICE_PATH}/DoPut`, 'bidi', [Buffer.from([0x0a, 0x02, 0x08, 0x01, 0x12, 0x7f, 0x00])], { deadlineMs: 5000 });
      assert.equal(trunc.error.code, STATUS.INVALID_ARGUMENT);
      assert.match(trunc.error.details, /exceeds/);
      const garbage = await client.raw(`${SERVICE_PATH}/DoPut`, 'bidi',
        [Buffer.from([0x0a, 0x03, 0x08, 0x01, 0x1a]), Buffer.from('not a flatbuffer at all, really not')], { deadlineMs: 5000 });
      assert.ok(garbage.error, 'garbage upload fails');
      await alive(client);
    });

    await t.test('client cancel in the middle of a DoGet; server keeps serving', async () => {
      await put(client, 'long', simpleTable(200000, 1000));
      for (let i = 0; i < 3; i++) {
        const call = client.doGetCall('long', { deadlineMs: 20000 });
        call.on('error', () => {});
        assert.ok(await nextMessage(call));
        assert.ok(await nextMessage(call));
        call.cancel();
      }
      await alive(client);
    });

    await t.test('deadline exceeded mid-stream', async () => {
      const call = client.doGetCall('long', { deadlineMs: 300 });
      const err = await new Promise((resolve) => {
        call.on('data', () => call.pause());
        call.on('error', resolve);
        call.on('end', () => resolve(null));
      });
      assert.ok(err, 'the paused stream hits its deadline');
      assert.equal(err.code, STATUS.DEADLINE_EXCEEDED);
      await alive(client);
    });

    await t.test('100 concurrent calls', async () => {
      const calls = [];
      for (let i = 0; i < 50; i++) {
        calls.push(client.listActions({ deadlineMs: 10000 }));
        calls.push(client.getFlightInfo(pathDescriptor('a', 'b'), { deadlineMs: 10000 }));
      }
      const res = await Promise.all(calls);
      assert.equal(res.length, 100);
    });

    await t.test('rpc outcome is logged at debug level only', async () => {
      assert.ok(!srv.logs().some((l) => l.event === 'rpc_finished'));
    });
  } finally {
    client.close();
    const r = await srv.stop();
    assert.equal(r.code, 0, srv.stderr().slice(-2000));
  }
  const events = srv.logs().map((l) => l.event);
  for (const e of ['server_shutdown_initiated', 'flight_service_shutdown', 'flight_service_finished', 'server_main_finished'])
    assert.ok(events.includes(e), `${e} logged`);
  assert.ok(!/AddressSanitizer|LeakSanitizer|runtime error/.test(srv.stderr()), srv.stderr().slice(-3000));
});

test('server: graceful stop lets an in-flight DoGet finish', { skip, timeout: 60000 }, async () => {
  const srv = await startServer({ example: 'store', server: 'shutdown_grace_sec = 10' });
  const client = new FlightClient(srv.address);
  try {
    const table = simpleTable(50000, 1000);
    await put(client, 't', table);
    const call = client.doGetCall('t', { deadlineMs: 30000 });
    const first = await nextMessage(call);
    assert.ok(first);
    srv.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    const msgs = [first];
    for (;;) {
      const m = await nextMessage(call);
      if (!m) break;
      msgs.push(m);
    }
    assert.equal(flightDataToTable(msgs).table.numRows, 50000);
    assert.ok(await waitExit(srv), 'the server exits after the stream finished');
    assert.ok(!/Sanitizer|runtime error/.test(srv.stderr()), srv.stderr().slice(-3000));
  } finally {
    client.close();
    const r = await srv.stop();
    assert.equal(r.code, 0);
  }
});

test('server: grace period over: remaining calls are cancelled, exit 0', { skip, timeout: 60000 }, async () => {
  const srv = await startServer({ example: 'store', server: 'shutdown_grace_sec = 1' });
  const client = new FlightClient(srv.address);
  try {
    await put(client, 't', simpleTable(200000, 1000));
    const call = client.doGetCall('t', { deadlineMs: 30000 });
    assert.ok(await nextMessage(call));
    const t0 = Date.now();
    const errP = new Promise((resolve) => { call.on('error', resolve); call.on('end', () => resolve(null)); });
    srv.child.kill('SIGTERM');
    assert.ok(await waitExit(srv), 'the server exits');
    const r = await srv.stop();
    assert.equal(r.code, 0);
    assert.ok(Date.now() - t0 < 10000, 'stopped soon after the grace period');
    const err = await errP;
    assert.ok(err, 'the paused stream did not complete');
    assert.ok(!/Sanitizer|runtime error/.test(srv.stderr()), srv.stderr().slice(-3000));
  } finally {
    client.close();
  }
});

test('server: max_put_inflight_bytes bounds one DoPut message', { skip, timeout: 60000 }, async () => {
  const srv = await startServer({ example: 'store', server: 'max_put_inflight_bytes = 65536' });
  const client = new FlightClient(srv.address);
  try {
    const e = await put(client, 'big', simpleTable(5000, 5000)).then(() => null, (err) => errorInfo(err));
    assert.ok(e, 'the oversized batch is refused');
    assert.equal(e.code, STATUS.RESOURCE_EXHAUSTED);
    assert.match(e.details, /max_put_inflight_bytes/);
    assert.deepEqual(await put(client, 'small', simpleTable(20, 10)), ['b0', 'b1']);
    await alive(client);
  } finally {
    client.close();
    const r = await srv.stop();
    assert.equal(r.code, 0);
  }
});
