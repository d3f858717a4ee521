// Integration scenario location:reuse_connection (examples/integration):
// exactly one endpoint with exactly one location, the raw URI
// "arrow-flight-reuse-connection://?".
import test from 'node:test';
import assert from 'node:assert/strict';
import { cmdDescriptor } from './lib/flight.mjs';
import { runScenario, skipIntegration, unaryCall, checkFlightInfo } from './lib/integration.mjs';

test('location:reuse_connection', { skip: skipIntegration, timeout: 60000 }, async () => {
  await runScenario('location:reuse_connection', async ({ client }) => {
    const { response: info, error } = await unaryCall(client, 'GetFlightInfo', cmdDescriptor('reuse'));
    assert.equal(error, null);
    checkFlightInfo(info);
    assert.equal(info.endpoint.length, 1, 'Expected 1 endpoint');
    assert.equal(info.endpoint[0].location.length, 1, 'Expected 1 location');
    assert.equal(info.endpoint[0].location[0].uri, 'arrow-flight-reuse-connection://?');
    assert.equal(Buffer.from(info.flight_descriptor.cmd).toString(), 'reuse', 'descriptor echoed');
  });
});
