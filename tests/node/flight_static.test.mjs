// Independent-client tests (grpc-js + apache-arrow) on the `static` example:
// DoGet of the fixed 3-row table for any ticket, and UNIMPLEMENTED (with
// x-arrow-status 10) for every method the example leaves NULL.
import test from 'node:test';
import assert from 'node:assert/strict';
import { startServer, haveServer } from './lib/server.mjs';
import { FlightClient, pathDescriptor, expectError, settle, STATUS } from './lib/flight.mjs';
import { flightDataToTable } from './lib/arrow_flight.mjs';

const skip = !haveServer('static') && 'server binary or libstatic.so not built';

async function streamError(call, write) {
  const done = settle(call);
  if (write) { write(call); call.end(); }
  return (await done).error;
}

test('static example', { skip, timeout: 60000 }, async (t) => {
  const srv = await startServer({ example: 'static' });
  const client = new FlightClient(srv.address);
  try {
    await t.test('DoGet returns col1 = [1, 2, 3] for any ticket', async () => {
      for (const ticket of ['', 'anything', '\u0000\u00ff']) {
        const msgs = await client.doGet(Buffer.from(ticket, 'latin1'), { deadlineMs: 5000 });
        const got = flightDataToTable(msgs);
        assert.equal(got.types[0], 1, 'schema first');
        assert.deepEqual(got.table.schema.fields.map((f) => f.name), ['col1']);
        assert.equal(String(got.table.schema.fields[0].type), 'Int64');
        assert.deepEqual(got.table.getChild('col1').toArray(), BigInt64Array.from([1n, 2n, 3n]));
        assert.deepEqual(got.appMetadata, [null], 'no app_metadata field on the batch');
      }
    });

    await t.test('many concurrent DoGets', async () => {
      const all = await Promise.all([...Array(32)].map((_, i) => client.doGet(Buffer.from(`t${i}`), { deadlineMs: 10000 })));
      for (const msgs of all) assert.equal(flightDataToTable(msgs).table.numRows, 3);
    });

    await t.test('NULL methods answer UNIMPLEMENTED with x-arrow-status 10', async () => {
      const unary = [
        () => client.getFlightInfo(pathDescriptor('a'), { deadlineMs: 5000 }),
        () => client.pollFlightInfo(pathDescriptor('a'), { deadlineMs: 5000 }),
        () => client.getSchema(pathDescriptor('a'), { deadlineMs: 5000 }),
        () => client.listActions({ deadlineMs: 5000 }),
        () => client.listFlights(Buffer.alloc(0), { deadlineMs: 5000 }),
        () => client.doAction('x', Buffer.alloc(0), { deadlineMs: 5000 }),
      ];
      for (const call of unary) {
        const e = await expectError(call());
        assert.equal(e.code, STATUS.UNIMPLEMENTED, e.details);
        assert.equal(e.arrowStatus, 10);
      }
      const streams = [
        [() => client.doPutCall({ deadlineMs: 5000 }), (c) => c.write({ flight_descriptor: pathDescriptor('a') })],
        [() => client.doExchangeCall({ deadlineMs: 5000 }), (c) => c.write({ flight_descriptor: pathDescriptor('a') })],
        [() => client.handshakeCall({ deadlineMs: 5000 }), (c) => c.write({ protocol_version: '0', payload: Buffer.from('x') })],
      ];
      for (const [makeCall, write] of streams) {
        const e = await streamError(makeCall(), write);
        assert.ok(e, 'call failed');
        assert.equal(e.code, STATUS.UNIMPLEMENTED, e.details);
      }
    });
  } finally {
    client.close();
    const r = await srv.stop();
    assert.equal(r.code, 0, `server exit ${JSON.stringify(r)}: ${srv.stderr().slice(-2000)}`);
  }
});
