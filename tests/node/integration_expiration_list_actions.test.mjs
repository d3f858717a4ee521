// Integration scenario expiration_time:list_actions (examples/integration):
// ListActions returns exactly CancelFlightInfo and RenewFlightEndpoint.
import test from 'node:test';
import assert from 'node:assert/strict';
import { runScenario, skipIntegration, streamCall } from './lib/integration.mjs';

test('expiration_time:list_actions', { skip: skipIntegration, timeout: 60000 }, async () => {
  await runScenario('expiration_time:list_actions', async ({ client }) => {
    const r = await streamCall(client, 'ListActions', {});
    assert.equal(r.error, null);
    assert.deepEqual(r.messages.map((a) => a.type).sort(), ['CancelFlightInfo', 'RenewFlightEndpoint']);
  });
});
