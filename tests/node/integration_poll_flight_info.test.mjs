// Integration scenario poll_flight_info (examples/integration, PollFlightInfo
// with progress and expiration): the first poll answers "running" (a retry
// descriptor, progress in [0, 1], an expiration), polling again with that
// descriptor answers "finished" (no descriptor, progress 1.0, no expiration).
// Presence is checked on the raw PollInfo bytes.
import test from 'node:test';
import assert from 'node:assert/strict';
import { cmdDescriptor } from './lib/flight.mjs';
import { runScenario, skipIntegration, decode, encode, pb, checkFlightInfo } from './lib/integration.mjs';

/** PollFlightInfo as raw bytes -> decoded PollInfo with presence of each field. */
async function poll(client, descriptor) {
  const r = await client.raw('/arrow.flight.protocol.FlightService/PollFlightInfo', 'unary',
    [encode('FlightDescriptor', descriptor)]);
  assert.equal(r.error, null, `PollFlightInfo: ${r.error && r.error.details}`);
  const m = decode('PollInfo', r.messages[0]);
  return {
    msg: m,
    hasDescriptor: m.flight_descriptor != null,
    hasProgress: Object.prototype.hasOwnProperty.call(m, 'progress'),
    hasExpiration: m.expiration_time != null,
  };
}

test('poll_flight_info', { skip: skipIntegration, timeout: 60000 }, async () => {
  await runScenario('poll_flight_info', async ({ client }) => {
    const first = await poll(client, { type: 2, cmd: Buffer.from('heavy query') });
    assert.ok(first.hasDescriptor, 'Description is missing');
    assert.ok(first.hasProgress, 'Progress is missing');
    assert.ok(first.msg.progress >= 0 && first.msg.progress <= 1, 'Invalid progress');
    assert.ok(first.hasExpiration, 'Expiration time is missing');
    const info = pb('FlightInfo').toObject(first.msg.info, { enums: String, bytes: Buffer, defaults: true, arrays: true });
    checkFlightInfo(info);

    const again = pb('FlightDescriptor').toObject(first.msg.flight_descriptor);
    const done = await poll(client, again);
    assert.ok(!done.hasDescriptor, 'Retried but not finished yet');
    assert.ok(done.hasProgress, 'Progress is missing in finished query');
    assert.ok(Math.abs(done.msg.progress - 1.0) < 1e-5, "Progress for finished query isn't 1.0");
    assert.ok(!done.hasExpiration, 'Expiration time must not be set for finished query');

    const viaLoader = await client.pollFlightInfo(cmdDescriptor('heavy query'), { deadlineMs: 5000 });
    assert.equal(viaLoader.progress, 0.1);
  });
});
