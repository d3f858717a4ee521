// Integration scenario expiration_time:cancel_flight_info (examples/integration,
// CancelFlightInfo typed helpers): cancelling the whole FlightInfo returns one
// Result CancelFlightInfoResult{CANCELLED} (bytes 08 01), after which DoGet of
// every endpoint fails before any data; a second cancel is NOT_CANCELLABLE and
// a malformed request body is INVALID_ARGUMENT.
import test from 'node:test';
import assert from 'node:assert/strict';
import { STATUS } from './lib/flight.mjs';
import { runScenario, skipIntegration, doAction, encode, decode, pb } from './lib/integration.mjs';
import { expirationInfo, getNumbers } from './lib/expiration.mjs';

/** The FlightInfo as the client re-serialises it (protobufjs from the grpc-js object). */
function reencode(info) {
  return encode('CancelFlightInfoRequest', { info: pb('FlightInfo').toObject(pb('FlightInfo').fromObject(info)) });
}

test('expiration_time:cancel_flight_info', { skip: skipIntegration, timeout: 60000 }, async () => {
  await runScenario('expiration_time:cancel_flight_info', async ({ client }) => {
    const info = await expirationInfo(client, 'expiration');
    const r = await doAction(client, 'CancelFlightInfo', reencode(info));
    assert.equal(r.error, null, `CancelFlightInfo: ${r.error && r.error.details}`);
    assert.equal(r.results.length, 1, 'exactly one Result');
    assert.equal(r.results[0].toString('hex'), '0801', 'CancelFlightInfoResult{CANCELLED}');
    assert.equal(decode('CancelFlightInfoResult', r.results[0]).status, 1);
    for (const e of info.endpoint) {
      const g = await getNumbers(client, e.ticket.ticket);
      assert.ok(g.error, 'DoGet after CancelFlightInfo must be failed');
    }
    const again = await doAction(client, 'CancelFlightInfo', reencode(info));
    assert.equal(decode('CancelFlightInfoResult', again.results[0]).status, 3, 'NOT_CANCELLABLE');
    const bad = await doAction(client, 'CancelFlightInfo', Buffer.from([0x0a, 0x7f, 0x01]));
    assert.equal(bad.error && bad.error.code, STATUS.INVALID_ARGUMENT, 'malformed body');
    const unknown = await doAction(client, 'Nope', Buffer.alloc(0));
    assert.equal(unknown.error && unknown.error.code, STATUS.INVALID_ARGUMENT);
  });
});
