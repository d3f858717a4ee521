// Shared steps of the four expiration_time:* integration scenario tests:
// GetFlightInfo with the C++ client's checks and DoGet of one endpoint.
// Runs in the node test process.
import assert from 'node:assert/strict';
import { cmdDescriptor } from './flight.mjs';
import { flightDataToTable } from './arrow_flight.mjs';
import { unaryCall, streamCall, checkFlightInfo } from './integration.mjs';

/** GetFlightInfo(CMD cmd): 3 endpoints, only the first without expiration_time. */
export async function expirationInfo(client, cmd) {
  const { response: info, error } = await unaryCall(client, 'GetFlightInfo', cmdDescriptor(cmd));
  assert.equal(error, null, `GetFlightInfo: ${error && error.details}`);
  checkFlightInfo(info);
  assert.equal(info.endpoint.length, 3);
  assert.equal(info.endpoint[0].expiration_time, null, 'endpoints[0] must not have expiration time');
  assert.ok(info.endpoint[1].expiration_time, 'endpoints[1] must have expiration time');
  assert.ok(info.endpoint[2].expiration_time, 'endpoints[2] must have expiration time');
  return info;
}

/** DoGet of a ticket: {values (uint32 column), table} or {error} (no data before the error). */
export async function getNumbers(client, ticket) {
  const r = await streamCall(client, 'DoGet', { ticket });
  if (r.error) {
    assert.equal(r.messages.length, 0, 'the error comes before any FlightData');
    return { error: r.error };
  }
  const { table } = flightDataToTable(r.messages);
  return { table, values: [...table.getChild('number').toArray()] };
}
