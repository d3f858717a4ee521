// Integration scenario expiration_time:do_get (examples/integration, endpoint
// expiration_time): endpoint 0 has no expiration, 1 and 2 have one; DoGet of
// each returns its index, joined {number: uint32 non-null} [0, 1, 2]. A
// second read of the endpoint without expiration is refused before any data.
import test from 'node:test';
import assert from 'node:assert/strict';
import { STATUS } from './lib/flight.mjs';
import { runScenario, skipIntegration } from './lib/integration.mjs';
import { expirationInfo, getNumbers } from './lib/expiration.mjs';

test('expiration_time:do_get', { skip: skipIntegration, timeout: 60000 }, async () => {
  await runScenario('expiration_time:do_get', async ({ client }) => {
    const info = await expirationInfo(client, 'expiration_time');
    const values = [];
    for (const e of info.endpoint) {
      const r = await getNumbers(client, e.ticket.ticket);
      assert.equal(r.error, undefined, `DoGet ${e.ticket.ticket}: ${r.error && r.error.details}`);
      const f = r.table.schema.fields[0];
      assert.equal(f.name, 'number');
      assert.equal(String(f.type), 'Uint32');
      assert.equal(f.nullable, false);
      values.push(...r.values);
    }
    assert.deepEqual(values, [0, 1, 2]);
    const again = await getNumbers(client, info.endpoint[0].ticket.ticket);
    assert.equal(again.error && again.error.code, STATUS.NOT_FOUND, 'read-once endpoint refuses a 2nd read');
    assert.match(again.error.details, /can't read multiple times/);
    const bad = await getNumbers(client, Buffer.from('7: nope'));
    assert.equal(bad.error && bad.error.code, STATUS.NOT_FOUND);
    const noIndex = await getNumbers(client, Buffer.from('x'));
    assert.equal(noIndex.error && noIndex.error.code, STATUS.NOT_FOUND);
  });
});
