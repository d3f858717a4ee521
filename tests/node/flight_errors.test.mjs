// Independent-client tests (grpc-js) of error paths: UNIMPLEMENTED for
// methods an example leaves NULL and for an unknown method path, malformed
// FlightData and protobuf (raw bytes) answered with an error instead of a
// hang or crash, a few hundred random payloads, and the server still
// answering ListActions normally afterwards.
import test from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startServer, haveServer } from './lib/server.mjs';
import { FlightClient, SERVICE_PATH, STATUS, codec, expectError, pathDescriptor, settle } from './lib/flight.mjs';
import { tableToFlightGroups } from './lib/arrow_flight.mjs';
import { simpleTable } from './lib/fixtures.mjs';

const skip = !haveServer('store') && 'server binary or libstore.so not built';
const FD = codec('FlightData');

/** protobuf: tag + length-delimited field. */
function ld(field, bytes) {
  const tag = varint((field << 3) | 2);
  return Buffer.concat([tag, varint(bytes.length), bytes]);
}
function varint(v) {
  const out = [];
  let n = BigInt(v);
  while (n >= 0x80n) { out.push(Number((n & 0x7fn) | 0x80n)); n >>= 7n; }
  out.push(Number(n));
  return Buffer.from(out);
}

test('error paths and malformed input', { skip, timeout: 180000 }, async (t) => {
  const srv = await startServer({ example: 'store' });
  const client = new FlightClient(srv.address);
  try {
    await t.test('unknown method path -> UNIMPLEMENTED', async () => {
      const r = await client.raw(`${SERVICE_PATH}/NoSuchMethod`, 'unary', [Buffer.alloc(0)], { deadlineMs: 5000 });
      assert.ok(r.error, 'call failed');
      assert.equal(r.error.code, STATUS.UNIMPLEMENTED);
      const r2 = await client.raw('/other.Service/Method', 'bidi', [Buffer.from('x')], { deadlineMs: 5000 });
      assert.equal(r2.error && r2.error.code, STATUS.UNIMPLEMENTED);
    });

    await t.test('NULL callbacks -> UNIMPLEMENTED with x-arrow-status 10', async () => {
      // the store example does not implement Handshake, PollFlightInfo, DoExchange
      const e1 = await expectError(client.pollFlightInfo(pathDescriptor('x'), { deadlineMs: 5000 }));
      assert.equal(e1.code, STATUS.UNIMPLEMENTED);
      assert.equal(e1.arrowStatus, 10);
      const hs = client.handshakeCall({ deadlineMs: 5000 });
      const hsDone = settle(hs);
      hs.write({ protocol_version: '0', payload: Buffer.from('hi') });
      hs.end();
      const e2 = (await hsDone).error;
      assert.equal(e2 && e2.code, STATUS.UNIMPLEMENTED);
      const ex = client.doExchangeCall({ deadlineMs: 5000 });
      const exDone = settle(ex);
      ex.write({ flight_descriptor: pathDescriptor('x') });
      ex.end();
      const e3 = (await exDone).error;
      assert.equal(e3 && e3.code, STATUS.UNIMPLEMENTED);
    });

    const groups = tableToFlightGroups(simpleTable(100, 50), { descriptor: pathDescriptor('bad') });
    const schemaMsg = groups[0][0];
    const batchMsg = groups[1][0];
    const put = (msgs) => client.raw(`${SERVICE_PATH}/DoPut`, 'bidi', msgs, { deadlineMs: 10000 });

    await t.test('garbage FlightData bytes -> error status, no hang', async () => {
      const r = await put([crypto.randomBytes(64)]);
      assert.ok(r.error, 'DoPut with garbage failed');
      assert.notEqual(r.error.code, STATUS.DEADLINE_EXCEEDED);
    });

    await t.test('truncated data_header length -> INVALID_ARGUMENT', async () => {
      const bytes = Buffer.concat([ld(1, FD.serialize({ flight_descriptor: pathDescriptor('bad') }).subarray(0, 0)),
        varint((2 << 3) | 2), varint(1000), Buffer.from('short')]);
      const r = await put([bytes]);
      assert.ok(r.error);
      assert.equal(r.error.code, STATUS.INVALID_ARGUMENT, r.error.details);
    });

    await t.test('body shorter than Message.bodyLength -> INVALID_ARGUMENT', async () => {
      const cut = { ...batchMsg, data_body: batchMsg.data_body.subarray(0, 8) };
      const r = await put([FD.serialize(schemaMsg), FD.serialize(cut)]);
      assert.ok(r.error, 'DoPut failed');
      assert.equal(r.error.code, STATUS.INVALID_ARGUMENT, r.error.details);
    });

    await t.test('corrupt flatbuffer header -> INVALID_ARGUMENT', async () => {
      const h = Buffer.from(batchMsg.data_header);
      for (let i = 4; i < h.length; i += 3) h[i] ^= 0x5a;
      const r = await put([FD.serialize(schemaMsg), FD.serialize({ ...batchMsg, data_header: h })]);
      assert.ok(r.error, 'DoPut failed');
      assert.equal(r.error.code, STATUS.INVALID_ARGUMENT, r.error.details);
    });

    await t.test('unknown protobuf fields are skipped', async () => {
      const extra = Buffer.concat([varint((77 << 3) | 0), varint(12345), ld(99, Buffer.from('ignored'))]);
      const r = await put([Buffer.concat([FD.serialize(schemaMsg), extra]), Buffer.concat([extra, FD.serialize(batchMsg)])]);
      assert.equal(r.error, null, r.error && r.error.details);
      const info = await client.getFlightInfo(pathDescriptor('bad'), { deadlineMs: 5000 });
      assert.equal(info.total_records, '50');
    });

    await t.test('random payloads on every method', async () => {
      const methods = ['Handshake', 'ListFlights', 'GetFlightInfo', 'PollFlightInfo', 'GetSchema',
        'DoGet', 'DoPut', 'DoExchange', 'DoAction', 'ListActions'];
      const kinds = { Handshake: 'bidi', DoPut: 'bidi', DoExchange: 'bidi' };
      let seed = 1;
      const rnd = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed; };
      const jobs = [];
      for (let i = 0; i < 400; i++) {
        const m = methods[i % methods.length];
        const n = 1 + (rnd() % 3);
        const payloads = [...Array(n)].map(() => crypto.randomBytes(rnd() % 200));
        jobs.push(client.raw(`${SERVICE_PATH}/${m}`, kinds[m] || 'unary', payloads, { deadlineMs: 10000 }));
        if (jobs.length >= 20) {
          for (const r of await Promise.all(jobs.splice(0))) {
            if (r.error) assert.notEqual(r.error.code, STATUS.DEADLINE_EXCEEDED, `${r.error.details}`);
          }
        }
      }
      await Promise.all(jobs);
    });

    await t.test('server still answers ListActions normally', async () => {
      const actions = await client.listActions({ deadlineMs: 5000 });
      assert.ok(actions.length >= 1);
    });
  } finally {
    client.close();
    const r = await srv.stop();
    assert.equal(r.code, 0, `server exit ${JSON.stringify(r)}: ${srv.stderr().slice(-2000)}`);
  }
});
