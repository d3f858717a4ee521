// Integration scenario session_options (examples/integration, the public
// cookie session store and session-option helpers), driven like Arrow's C++
// client with its cookie middleware: SetSessionOptions creates a session
// (set-cookie arrow_flight_session_id) and reports exactly the invalid name
// and value, GetSessionOptions returns the stored options with their types
// (int64 as sfixed64), an unset value removes an option, a string replaces a
// list. Also: no cookie / unknown cookie is INVALID_ARGUMENT, CloseSession
// returns CLOSED and expires the cookie.
import test from 'node:test';
import assert from 'node:assert/strict';
import { STATUS } from './lib/flight.mjs';
import { runScenario, skipIntegration, doAction, encode, decode, pb, CookieJar } from './lib/integration.mjs';

const LIST = ['a', 'b', 'sea', 'dee', ' ', '  ', 'geee', '(づ｡◕‿‿◕｡)づ'];

/** SessionOptionValue -> [kind, value] from the raw decoded message (checks the wire type). */
function kindOf(v) {
  const o = pb('SessionOptionValue').toObject(v, { longs: String, oneofs: true });
  const k = o.option_value;
  if (k === 'string_list_value') return [k, o.string_list_value.values || []];
  return [k, o[k]];
}

async function call(client, jar, type, body) {
  const r = await doAction(client, type, body, jar.headers());
  jar.take(r);
  return r;
}

test('session_options', { skip: skipIntegration, timeout: 60000 }, async () => {
  await runScenario('session_options', async ({ client }) => {
    const jar = new CookieJar();
    const set1 = await call(client, jar, 'SetSessionOptions', encode('SetSessionOptionsRequest', {
      session_options: {
        foolong: { int64_value: 123 },
        bardouble: { double_value: 456.0 },
        lol_invalid: { string_value: "this won't get set" },
        key_with_invalid_value: { string_value: 'lol_invalid' },
        big_ol_string_list: { string_list_value: { values: LIST } },
      },
    }));
    assert.equal(set1.error, null, `SetSessionOptions: ${set1.error && set1.error.details}`);
    assert.equal(set1.results.length, 1);
    assert.ok(jar.cookies.has('arrow_flight_session_id'), 'set-cookie arrow_flight_session_id');
    const errs = decode('SetSessionOptionsResult', set1.results[0]).errors;
    assert.deepEqual(Object.fromEntries(Object.entries(errs).map(([k, v]) => [k, v.value])),
      { lol_invalid: 1, key_with_invalid_value: 2 });

    const get1 = await call(client, jar, 'GetSessionOptions', Buffer.alloc(0));
    assert.equal(get1.error, null, `GetSessionOptions: ${get1.error && get1.error.details}`);
    assert.equal(get1.results.length, 1);
    const opts1 = decode('GetSessionOptionsResult', get1.results[0]).session_options;
    assert.deepEqual(Object.keys(opts1).sort(), ['bardouble', 'big_ol_string_list', 'foolong']);
    assert.deepEqual(kindOf(opts1.foolong), ['int64_value', '123']);
    assert.deepEqual(kindOf(opts1.bardouble), ['double_value', 456]);
    assert.deepEqual(kindOf(opts1.big_ol_string_list), ['string_list_value', LIST]);
    assert.ok(get1.results[0].includes(Buffer.from('197b00000000000000', 'hex')), 'int64 travels as sfixed64');

    const set2 = await call(client, jar, 'SetSessionOptions', encode('SetSessionOptionsRequest', {
      session_options: { foolong: {}, big_ol_string_list: { string_value: LIST.join(',') } },
    }));
    assert.equal(set2.error, null);
    assert.equal(set2.results.length, 1);
    assert.deepEqual(decode('SetSessionOptionsResult', set2.results[0]).errors, {});

    const get2 = await call(client, jar, 'GetSessionOptions', Buffer.alloc(0));
    const opts2 = decode('GetSessionOptionsResult', get2.results[0]).session_options;
    assert.deepEqual(Object.keys(opts2).sort(), ['bardouble', 'big_ol_string_list']);
    assert.deepEqual(kindOf(opts2.bardouble), ['double_value', 456]);
    assert.deepEqual(kindOf(opts2.big_ol_string_list), ['string_value', 'a,b,sea,dee, ,  ,geee,(づ｡◕‿‿◕｡)づ']);
  });
});

test('session_options: missing, forged and closed sessions', { skip: skipIntegration, timeout: 60000 }, async () => {
  await runScenario('session_options', async ({ client }) => {
    const none = await doAction(client, 'GetSessionOptions', Buffer.alloc(0));
    assert.equal(none.error && none.error.code, STATUS.INVALID_ARGUMENT, 'no session cookie');
    const forged = await doAction(client, 'GetSessionOptions', Buffer.alloc(0), { cookie: 'arrow_flight_session_id=1000' });
    assert.equal(forged.error && forged.error.code, STATUS.INVALID_ARGUMENT, 'unknown session id');
    const bad = await doAction(client, 'SetSessionOptions', Buffer.from([0x0a, 0x50, 0x01]));
    assert.equal(bad.error && bad.error.code, STATUS.INVALID_ARGUMENT, 'malformed request');

    const jar = new CookieJar();
    await call(client, jar, 'SetSessionOptions', encode('SetSessionOptionsRequest', { session_options: { flag: { bool_value: true } } }));
    const cookie = jar.headers();
    const got = await call(client, jar, 'GetSessionOptions', Buffer.alloc(0));
    assert.deepEqual(kindOf(decode('GetSessionOptionsResult', got.results[0]).session_options.flag), ['bool_value', true]);
    const closed = await call(client, jar, 'CloseSession', Buffer.alloc(0));
    assert.equal(closed.error, null);
    assert.equal(closed.results.length, 1);
    assert.equal(closed.results[0].toString('hex'), '0801', 'CloseSessionResult{CLOSED}');
    assert.equal(jar.cookies.size, 0, 'the cookie was expired with Max-Age=0');
    const after = await doAction(client, 'GetSessionOptions', Buffer.alloc(0), cookie);
    assert.equal(after.error && after.error.code, STATUS.INVALID_ARGUMENT, 'the closed session is gone');

    const huge = await doAction(client, 'SetSessionOptions', encode('SetSessionOptionsRequest', {
      session_options: { big: { string_value: 'x'.repeat(70000) } },
    }));
    assert.equal(huge.error && huge.error.code, STATUS.INVALID_ARGUMENT, 'a value over 64 KiB');
    assert.match(huge.error.details, /big/);
    const many = {};
    for (let i = 0; i < 1100; i++) many[`k${i}`] = { bool_value: true };
    const flood = await doAction(client, 'SetSessionOptions', encode('SetSessionOptionsRequest', { session_options: many }));
    assert.equal(flood.error && flood.error.code, STATUS.RESOURCE_EXHAUSTED, 'more options than a session holds');
    const longCookie = await doAction(client, 'GetSessionOptions', Buffer.alloc(0),
      { cookie: `arrow_flight_session_id=${'f'.repeat(5000)}` });
    assert.equal(longCookie.error && longCookie.error.code, STATUS.INVALID_ARGUMENT, 'an oversized id');
  });
});
