// Integration scenario auth:basic_proto (examples/integration, public
// Handshake auth API): an unauthenticated DoAction gets UNAUTHENTICATED, the
// basic-auth Handshake issues a token, and the token makes DoAction return
// exactly one Result "arrow" (the peer identity). Also wrong credentials and
// forged tokens are rejected. Checks of Arrow's C++ integration client.
import test from 'node:test';
import assert from 'node:assert/strict';
import { STATUS, nextMessage } from './lib/flight.mjs';
import { runScenario, skipIntegration, doAction } from './lib/integration.mjs';

/** BasicAuth{username(2), password(3)} bytes, as the C++ client writes them. */
function basicAuth(user, pass) {
  return Buffer.concat([Buffer.from([0x12, user.length]), Buffer.from(user), Buffer.from([0x1a, pass.length]), Buffer.from(pass)]);
}

/** Runs the Handshake like the C++ client: write, read one response, half-close, drain. */
async function handshake(client, user, pass) {
  const call = client.handshakeCall({ deadlineMs: 10000 });
  const status = new Promise((resolve) => call.on('status', resolve));
  call.on('error', () => {});
  call.write({ payload: basicAuth(user, pass) });
  let first = null;
  try { first = await nextMessage(call, 10000); } catch (e) { first = null; }
  call.end();
  call.on('data', () => {});
  call.resume();
  const st = await status;
  return { token: first ? Buffer.from(first.payload) : null, code: st.code };
}

test('auth:basic_proto', { skip: skipIntegration, timeout: 60000 }, async () => {
  await runScenario('auth:basic_proto', async ({ client }) => {
    const before = await doAction(client, '', Buffer.alloc(0));
    assert.ok(before.error, 'DoAction without a token fails');
    assert.equal(before.error.code, STATUS.UNAUTHENTICATED, `UNAUTHENTICATED, got ${before.error.code}`);

    const hs = await handshake(client, 'arrow', 'flight');
    assert.equal(hs.code, STATUS.OK, 'Handshake ends OK');
    assert.ok(hs.token && hs.token.length > 0, 'Handshake returned a token');

    const after = await doAction(client, '', Buffer.alloc(0), { 'auth-token-bin': hs.token });
    assert.equal(after.error, null, `authenticated DoAction succeeds: ${after.error && after.error.details}`);
    assert.equal(after.results.length, 1, 'exactly one Result');
    assert.equal(after.results[0].toString(), 'arrow', 'the Result is the peer identity');
  });
});

test('auth:basic_proto rejects wrong credentials and forged tokens', { skip: skipIntegration, timeout: 60000 }, async () => {
  await runScenario('auth:basic_proto', async ({ client }) => {
    const bad = await handshake(client, 'arrow', 'wrong');
    assert.equal(bad.code, STATUS.UNAUTHENTICATED, 'wrong password: UNAUTHENTICATED');
    assert.equal(bad.token, null, 'no token for wrong credentials');
    const forged = await doAction(client, '', Buffer.alloc(0), { 'auth-token-bin': Buffer.from('arrow') });
    assert.equal(forged.error && forged.error.code, STATUS.UNAUTHENTICATED, 'a guessed token is refused');
    const garbage = await handshake(client, '\u0000', '');
    assert.equal(garbage.code, STATUS.UNAUTHENTICATED);
    const info = await doAction(client, 'x', Buffer.alloc(0));
    assert.equal(info.error && info.error.code, STATUS.UNAUTHENTICATED, 'every method is protected');

    const empty = client.handshakeCall({ deadlineMs: 10000 });
    const emptyStatus = new Promise((resolve) => empty.on('status', resolve));
    empty.on('error', () => {});
    empty.end();
    empty.resume();
    assert.equal((await emptyStatus).code, STATUS.UNAUTHENTICATED, 'a Handshake without a request');

    const flood = client.handshakeCall({ deadlineMs: 10000 });
    const floodStatus = new Promise((resolve) => flood.on('status', resolve));
    flood.on('error', () => {});
    flood.on('data', () => {});
    for (let i = 0; i < 200; i++) flood.write({ payload: basicAuth('arrow', 'flight') });
    flood.end();
    const fs = await floodStatus;
    assert.equal(fs.code, STATUS.INVALID_ARGUMENT, `a Handshake that never stops is cut off: ${fs.details}`);
  });
});
