// Integration scenario ordered (examples/integration, FlightInfo.ordered):
// GetFlightInfo(CMD "ordered") has ordered = true and tickets 1, 2, 3 without
// locations; DoGet of each, joined in order, is {number: int32 non-null}
// [1, 2, 3, 10, 20, 30, 100, 200, 300]; unknown tickets are NOT_FOUND.
import test from 'node:test';
import assert from 'node:assert/strict';
import { cmdDescriptor, STATUS } from './lib/flight.mjs';
import { flightDataToTable } from './lib/arrow_flight.mjs';
import { runScenario, skipIntegration, unaryCall, streamCall, checkFlightInfo } from './lib/integration.mjs';

test('ordered', { skip: skipIntegration, timeout: 60000 }, async () => {
  await runScenario('ordered', async ({ client }) => {
    const { response: info, error } = await unaryCall(client, 'GetFlightInfo', cmdDescriptor('ordered'));
    assert.equal(error, null);
    checkFlightInfo(info);
    assert.equal(info.ordered, true, 'FlightInfo.ordered = true');
    assert.deepEqual(info.endpoint.map((e) => Buffer.from(e.ticket.ticket).toString()), ['1', '2', '3']);
    for (const e of info.endpoint) assert.equal(e.location.length, 0, 'empty locations');
    const values = [];
    let schema = null;
    for (const e of info.endpoint) {
      const r = await streamCall(client, 'DoGet', { ticket: e.ticket.ticket });
      assert.equal(r.error, null);
      const { table } = flightDataToTable(r.messages);
      const f = table.schema.fields;
      assert.equal(f.length, 1);
      assert.equal(f[0].name, 'number');
      assert.equal(String(f[0].type), 'Int32');
      assert.equal(f[0].nullable, false, 'non-nullable');
      if (schema) assert.equal(String(table.schema), schema, 'identical schemas');
      schema = String(table.schema);
      values.push(...table.getChild('number').toArray());
    }
    assert.deepEqual(values, [1, 2, 3, 10, 20, 30, 100, 200, 300]);
    const other = await unaryCall(client, 'GetFlightInfo', cmdDescriptor('other'));
    assert.equal(other.response.ordered, false);
    const missing = await streamCall(client, 'DoGet', { ticket: Buffer.from('4') });
    assert.equal(missing.error && missing.error.code, STATUS.NOT_FOUND);
    assert.equal(missing.messages.length, 0);
  });
});
