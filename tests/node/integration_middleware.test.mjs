// Integration scenario middleware (examples/integration, request headers read
// and response headers set through the call context): every response, failed
// or not, carries the request's x-middleware value; GetFlightInfo(CMD "")
// fails and GetFlightInfo(CMD "success") succeeds with a decodable FlightInfo.
import test from 'node:test';
import assert from 'node:assert/strict';
import { cmdDescriptor } from './lib/flight.mjs';
import { runScenario, skipIntegration, unaryCall, responseValues, checkFlightInfo } from './lib/integration.mjs';

const H = { 'x-middleware': 'expected value' };

test('middleware', { skip: skipIntegration, timeout: 60000 }, async () => {
  await runScenario('middleware', async ({ client }) => {
    const failed = await unaryCall(client, 'GetFlightInfo', cmdDescriptor(''), H);
    assert.ok(failed.error, 'GetFlightInfo(CMD "") must fail');
    assert.deepEqual(responseValues(failed, 'x-middleware'), ['expected value'],
      'the failed call carries x-middleware');

    const ok = await unaryCall(client, 'GetFlightInfo', cmdDescriptor('success'), H);
    assert.equal(ok.error, null, `GetFlightInfo(CMD "success") succeeds: ${ok.error && ok.error.details}`);
    assert.deepEqual(responseValues(ok, 'x-middleware'), ['expected value']);
    checkFlightInfo(ok.response);
    assert.equal(ok.response.endpoint.length, 1);
    assert.equal(Buffer.from(ok.response.endpoint[0].ticket.ticket).toString(), 'foo');

    const other = await unaryCall(client, 'GetFlightInfo', cmdDescriptor('success'), { 'x-middleware': 'another' });
    assert.deepEqual(responseValues(other, 'x-middleware'), ['another'], 'the value is echoed, not fixed');
    const none = await unaryCall(client, 'GetFlightInfo', cmdDescriptor('success'));
    assert.deepEqual(responseValues(none, 'x-middleware'), [], 'no header in, none out');
  });
});
