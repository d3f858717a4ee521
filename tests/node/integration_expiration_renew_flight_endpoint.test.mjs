// Integration scenario expiration_time:renew_flight_endpoint
// (examples/integration, RenewFlightEndpoint typed helpers): renewing each
// endpoint that has an expiration returns one Result, a FlightEndpoint whose
// expiration_time is strictly later (ns precision) than the original.
import test from 'node:test';
import assert from 'node:assert/strict';
import { runScenario, skipIntegration, doAction, encode, decode, pb, tsNanos } from './lib/integration.mjs';
import { expirationInfo } from './lib/expiration.mjs';

test('expiration_time:renew_flight_endpoint', { skip: skipIntegration, timeout: 60000 }, async () => {
  await runScenario('expiration_time:renew_flight_endpoint', async ({ client }) => {
    const info = await expirationInfo(client, 'expiration');
    let renewed = 0;
    for (const e of info.endpoint) {
      if (!e.expiration_time) continue;
      const ep = pb('FlightEndpoint').toObject(pb('FlightEndpoint').fromObject(e));
      const r = await doAction(client, 'RenewFlightEndpoint', encode('RenewFlightEndpointRequest', { endpoint: ep }));
      assert.equal(r.error, null, `RenewFlightEndpoint: ${r.error && r.error.details}`);
      assert.equal(r.results.length, 1);
      const got = decode('FlightEndpoint', r.results[0]);
      assert.ok(got.expiration_time, 'Renewed endpoint must have expiration time');
      assert.ok(tsNanos(got.expiration_time) > tsNanos(e.expiration_time),
        'Renewed endpoint must have newer expiration time');
      assert.match(Buffer.from(got.ticket.ticket).toString(), /: renewed \(\+ 10 seconds\)$/);
      renewed++;
    }
    assert.equal(renewed, 2);
  });
});
