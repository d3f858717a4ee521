// Independent-client tests (grpc-js + apache-arrow) of every Flight method
// on the `store` example: DoPut with per-batch acks, GetFlightInfo, DoGet
// (values and per-batch app_metadata), ListFlights, GetSchema, ListActions,
// DoAction drop, NOT_FOUND trailers, schema-only DoGet of an empty dataset.
import test from 'node:test';
import assert from 'node:assert/strict';
import * as A from 'apache-arrow';
import { startServer, haveServer } from './lib/server.mjs';
import { FlightClient, pathDescriptor, expectError, nextMessage, STATUS } from './lib/flight.mjs';
import { tableToFlightGroups, flightDataToTable, schemaFromBytes, tableRows } from './lib/arrow_flight.mjs';
import { multiTypeTable, simpleTable } from './lib/fixtures.mjs';

const skip = !haveServer('store') && 'server binary or libstore.so not built';

/** DoPut `table` under `name`, waiting for each ack before the next batch. Returns acks. */
export async function putTable(client, name, table, { waitAcks = true } = {}) {
  const call = client.doPutCall({ deadlineMs: 20000 });
  const groups = tableToFlightGroups(table, {
    descriptor: pathDescriptor(name),
    appMetadata: (i) => Buffer.from(String(i)),
  });
  const acks = [];
  call.write(groups[0][0]);
  for (let b = 1; b < groups.length; b++) {
    for (const m of groups[b]) call.write(m);
    if (waitAcks) {
      const ack = await nextMessage(call, 10000);
      assert.ok(ack, `ack for batch ${b - 1} arrived`);
      acks.push(ack.app_metadata.toString());
      assert.equal(ack.app_metadata.toString(), String(b - 1), 'ack carries the batch app_metadata');
    }
  }
  call.end();
  for (;;) {
    const m = await nextMessage(call, 10000);
    if (!m) break;
    acks.push(m.app_metadata.toString());
  }
  return acks;
}

test('store example: every Flight method', { skip, timeout: 120000 }, async (t) => {
  const srv = await startServer({ example: 'store' });
  const client = new FlightClient(srv.address);
  try {
    const table = multiTypeTable(4, 10);

    await t.test('DoPut acks each batch with its app_metadata before the next is sent', async () => {
      const acks = await putTable(client, 'multi', table);
      assert.deepEqual(acks, ['0', '1', '2', '3']);
    });

    let info;
    await t.test('GetFlightInfo: schema, total_records, endpoint ticket + location', async () => {
      info = await client.getFlightInfo(pathDescriptor('multi'), { deadlineMs: 5000 });
      const schema = schemaFromBytes(info.schema);
      assert.deepEqual(schema.fields.map((f) => f.name), table.schema.fields.map((f) => f.name));
      for (let i = 0; i < schema.fields.length; i++) {
        assert.equal(String(schema.fields[i].type), String(table.schema.fields[i].type),
          `type of ${schema.fields[i].name}`);
      }
      assert.equal(info.total_records, String(table.numRows));
      assert.equal(info.endpoint.length, 1);
      assert.ok(info.endpoint[0].ticket.ticket.length > 0, 'ticket present');
      const locs = info.endpoint[0].location.map((l) => l.uri);
      assert.ok(locs.length === 0 || locs.some((u) => u.endsWith(`:${srv.port}`)),
        `location points at the server: ${locs}`);
      assert.deepEqual(info.flight_descriptor.path, ['multi']);
    });

    await t.test('DoGet returns equal values and per-batch app_metadata', async () => {
      const msgs = await client.doGet(info.endpoint[0].ticket.ticket, { deadlineMs: 10000 });
      const got = flightDataToTable(msgs);
      assert.equal(got.types[0], 1, 'first message is the schema');
      assert.equal(got.table.numRows, table.numRows);
      assert.deepEqual(tableRows(got.table), tableRows(table));
      assert.equal(got.appMetadata.length, 4);
      assert.deepEqual(got.appMetadata.map((m) => (m ? m.toString() : null)), ['0', '1', '2', '3']);
    });

    await t.test('GetSchema', async () => {
      const res = await client.getSchema(pathDescriptor('multi'), { deadlineMs: 5000 });
      const schema = schemaFromBytes(res.schema);
      assert.equal(schema.fields.length, table.schema.fields.length);
      assert.equal(String(schema.fields[18].type), String(table.schema.fields[18].type));
    });

    await t.test('ListFlights lists the dataset', async () => {
      await putTable(client, 'second', simpleTable(50, 20));
      const flights = await client.listFlights(Buffer.alloc(0), { deadlineMs: 5000 });
      const paths = flights.map((f) => f.flight_descriptor.path.join('/')).sort();
      assert.deepEqual(paths, ['multi', 'second']);
      const second = flights.find((f) => f.flight_descriptor.path[0] === 'second');
      assert.equal(second.total_records, '50');
    });

    await t.test('ListActions advertises drop', async () => {
      const actions = await client.listActions({ deadlineMs: 5000 });
      assert.ok(actions.some((a) => a.type === 'drop'), JSON.stringify(actions));
      for (const a of actions) assert.equal(typeof a.description, 'string');
    });

    await t.test('DoAction drop removes the dataset; NOT_FOUND afterwards', async () => {
      await client.doAction('drop', Buffer.from('second'), { deadlineMs: 5000 });
      const e = await expectError(client.getFlightInfo(pathDescriptor('second'), { deadlineMs: 5000 }));
      assert.equal(e.code, STATUS.NOT_FOUND);
      assert.equal(e.arrowStatus, 2);
      assert.ok(e.arrowMessage && e.arrowMessage.includes('second'), e.arrowMessage);
      assert.equal(e.extraInfo, null);
      const flights = await client.listFlights(Buffer.alloc(0), { deadlineMs: 5000 });
      assert.deepEqual(flights.map((f) => f.flight_descriptor.path.join('/')), ['multi']);
    });

    await t.test('unknown dataset: NOT_FOUND with x-arrow-status 2 on GetFlightInfo, GetSchema', async () => {
      for (const call of [
        () => client.getFlightInfo(pathDescriptor('nope'), { deadlineMs: 5000 }),
        () => client.getSchema(pathDescriptor('nope'), { deadlineMs: 5000 }),
      ]) {
        const e = await expectError(call());
        assert.equal(e.code, STATUS.NOT_FOUND);
        assert.equal(e.arrowStatus, 2);
        assert.ok(e.arrowMessage.includes('nope'), e.arrowMessage);
        assert.ok(e.details.includes('nope'), e.details);
      }
    });

    await t.test('schema-only DoGet of an empty dataset', async () => {
      const empty = new A.Table(new A.Schema([new A.Field('x', new A.Int32(), true)]));
      const call = client.doPutCall({ deadlineMs: 10000 });
      const groups = tableToFlightGroups(empty, { descriptor: pathDescriptor('empty') });
      assert.equal(groups.length, 1);
      call.write(groups[0][0]);
      call.end();
      while (await nextMessage(call, 10000)) { /* drain acks */ }
      const fi = await client.getFlightInfo(pathDescriptor('empty'), { deadlineMs: 5000 });
      assert.equal(fi.total_records, '0');
      const msgs = await client.doGet(fi.endpoint[0].ticket.ticket, { deadlineMs: 5000 });
      const got = flightDataToTable(msgs);
      assert.deepEqual(got.types, [1]);
      assert.equal(got.table.numRows, 0);
      assert.deepEqual(got.table.schema.fields.map((f) => f.name), ['x']);
    });
  } finally {
    client.close();
    const r = await srv.stop();
    assert.equal(r.code, 0, `server exit ${JSON.stringify(r)}: ${srv.stderr().slice(-2000)}`);
  }
});
