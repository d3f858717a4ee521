// Integration scenario app_metadata_flight_info_endpoint (examples/integration,
// FlightInfo and endpoint app_metadata): GetFlightInfo(CMD "foobar") carries
// app_metadata "foobar" on the FlightInfo and its single endpoint; a PATH
// descriptor is INVALID_ARGUMENT.
import test from 'node:test';
import assert from 'node:assert/strict';
import { cmdDescriptor, pathDescriptor, STATUS } from './lib/flight.mjs';
import { runScenario, skipIntegration, unaryCall, checkFlightInfo } from './lib/integration.mjs';

test('app_metadata_flight_info_endpoint', { skip: skipIntegration, timeout: 60000 }, async () => {
  await runScenario('app_metadata_flight_info_endpoint', async ({ client }) => {
    const { response: info, error } = await unaryCall(client, 'GetFlightInfo', cmdDescriptor('foobar'));
    assert.equal(error, null);
    checkFlightInfo(info);
    assert.equal(Buffer.from(info.app_metadata).toString(), 'foobar', "app_metadata should have been 'foobar'");
    assert.equal(info.endpoint.length, 1, 'should have gotten exactly one FlightEndpoint back');
    assert.equal(Buffer.from(info.endpoint[0].app_metadata).toString(), 'foobar');
    const other = await unaryCall(client, 'GetFlightInfo', cmdDescriptor('other bytes'));
    assert.equal(Buffer.from(other.response.app_metadata).toString(), 'other bytes', 'taken from the command');
    const path = await unaryCall(client, 'GetFlightInfo', pathDescriptor('x'));
    assert.equal(path.error && path.error.code, STATUS.INVALID_ARGUMENT);
  });
});
