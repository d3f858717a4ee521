// Security: token authentication through a real client (grpc-js) over real
// loopback sockets against the real server binary with the counting test
// plugin (examples/counting). Every Flight method without / with a wrong
// token must fail with UNAUTHENTICATED and the exact seed message, before any
// plugin callback runs (the plugin's counters, read afterwards with a valid
// token, stay 0). Also: duplicate headers (hand-framed HTTP/2), custom
// header name, env configuration, the sample strategy library
// (examples/auth_strategy), and start-up failures of a bad strategy.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { Message, tableFromArrays, tableToIPC } from 'apache-arrow';

import { FlightClient, METHODS, STATUS, expectError, pathDescriptor } from './lib/flight.mjs';
import { BINARY, examplePath, haveServer, startServer } from './lib/server.mjs';
import { ipcToFlightData, rawH2Call, runServerWithConfig } from '../security/helpers.mjs';

const SKIP = haveServer('counting') ? false : 'server binary or build/examples/libcounting.so not built';
const TOKEN = 'sec-token-0123456789';
const TOKENS_TOML = `[enumerated_tokens]\ntokens = ["other-token", "${TOKEN}"]\n`;

const MSG_MISSING = 'Authentication failed because the authentication header bearing the token was not included on the call.';
const MSG_NO_BEARER = "Authentication failed because the 'Authorization' header does not start with 'Bearer '";
const MSG_INVALID = 'Authentication token is not valid.';
const msgDuplicate = (name) => `Authentication failed because the authentication header '${name}' is specified multiple times.`;

// FlightData carrying the schema {n: int64} (first DoPut message).
const [SCHEMA_MSG] = ipcToFlightData(tableToIPC(tableFromArrays({ n: new BigInt64Array(1) }), 'stream'),
  (meta) => Message.decode(meta).bodyLength);

function drainDuplex(call, messages) {
  return new Promise((resolve, reject) => {
    const out = [];
    call.on('data', (m) => out.push(m));
    call.on('error', reject);
    call.on('end', () => resolve(out));
    for (const m of messages) call.write(m);
    call.end();
  });
}

/** Runs Flight method `method` with harmless arguments. */
function callMethod(client, method, opts) {
  switch (method) {
    case 'Handshake':
      return drainDuplex(client.handshakeCall(opts), [{ protocol_version: 0, payload: Buffer.from('hi') }]);
    case 'ListFlights': return client.listFlights(Buffer.alloc(0), opts);
    case 'GetFlightInfo': return client.getFlightInfo(pathDescriptor('x'), opts);
    case 'PollFlightInfo': return client.pollFlightInfo(pathDescriptor('x'), opts);
    case 'GetSchema': return client.getSchema(pathDescriptor('x'), opts);
    case 'DoGet': return client.doGet('big:1', opts);
    case 'DoPut': return drainDuplex(client.doPutCall(opts), [{ flight_descriptor: pathDescriptor('x'), ...SCHEMA_MSG }]);
    case 'DoExchange': return drainDuplex(client.doExchangeCall(opts), []);
    case 'DoAction': return client.doAction('noop', Buffer.alloc(0), opts);
    case 'ListActions': return client.listActions(opts);
    default: throw new Error(`unknown method ${method}`);
  }
}

/** Counts of plugin callbacks (DoAction "counts"), using `headers` to authenticate. */
async function counts(address, headers) {
  const c = new FlightClient(address, { headers });
  try {
    const res = await c.doAction('counts', Buffer.alloc(0), { deadlineMs: 5000 });
    assert.equal(res.length, 1);
    return JSON.parse(Buffer.from(res[0].body).toString());
  } finally {
    c.close();
  }
}

async function whoami(address, headers) {
  const c = new FlightClient(address, { headers });
  try {
    const res = await c.doAction('whoami', Buffer.alloc(0), { deadlineMs: 5000 });
    return JSON.parse(Buffer.from(res[0].body).toString());
  } finally {
    c.close();
  }
}

function assertNoCallbacks(cnt) {
  for (const m of METHODS) assert.equal(cnt[m], 0, `plugin callback ${m} ran ${cnt[m]} times`);
}

async function expectAllRejected(address, headers, code, message) {
  const c = new FlightClient(address, { headers });
  try {
    for (const m of METHODS) {
      const e = await expectError(callMethod(c, m, { deadlineMs: 5000 }));
      assert.equal(e.code, code, `${m}: code ${e.code} (${e.details})`);
      assert.ok(e.details.startsWith(message), `${m}: details ${JSON.stringify(e.details)}`);
      if (e.arrowMessage !== null) assert.equal(e.arrowMessage, message, `${m}: x-arrow-status-message-bin`);
    }
  } finally {
    c.close();
  }
}

const bearer = (t) => ({ authorization: `Bearer ${t}` });

/** Readiness probe that authenticates and calls the uncounted DoAction "counts". */
function probeWith(headers) {
  return async (address) => {
    const c = new FlightClient(address, { headers });
    try {
      await c.doAction('counts', Buffer.alloc(0), { deadlineMs: 1000 });
      return true;
    } finally {
      c.close();
    }
  };
}

describe('token authentication (EnumeratedTokenVerification)', { skip: SKIP }, () => {
  let srv;
  before(async () => {
    srv = await startServer({
      example: 'counting',
      server: 'authentication_method = "token"',
      config: TOKENS_TOML,
      probe: probeWith(bearer(TOKEN)),
    });
  });
  after(async () => {
    const r = await srv.stop();
    assert.equal(r.code, 0, `server exit ${JSON.stringify(r)}`);
  });

  test('all ten methods without a token: UNAUTHENTICATED, no plugin callback ran', async () => {
    const before0 = await counts(srv.address, bearer(TOKEN));
    await expectAllRejected(srv.address, {}, STATUS.UNAUTHENTICATED, MSG_MISSING);
    const cnt = await counts(srv.address, bearer(TOKEN));
    assert.deepEqual(cnt, before0);
  });

  test('wrong, empty and near-miss tokens: UNAUTHENTICATED "not valid"', async () => {
    const before0 = await counts(srv.address, bearer(TOKEN));
    await expectAllRejected(srv.address, bearer('wrong'), STATUS.UNAUTHENTICATED, MSG_INVALID);
    for (const t of ['', TOKEN.slice(0, -1), `${TOKEN}x`, TOKEN.toUpperCase()]) {
      const c = new FlightClient(srv.address, { headers: bearer(t) });
      const e = await expectError(c.listActions({ deadlineMs: 5000 }));
      c.close();
      assert.equal(e.code, STATUS.UNAUTHENTICATED);
      assert.ok(e.details.startsWith(MSG_INVALID), e.details);
    }
    assert.deepEqual(await counts(srv.address, bearer(TOKEN)), before0);
  });

  test('authorization header without "Bearer ": UNAUTHENTICATED', async () => {
    await expectAllRejected(srv.address, { authorization: `bearer ${TOKEN}` }, STATUS.UNAUTHENTICATED, MSG_NO_BEARER);
    await expectAllRejected(srv.address, { authorization: TOKEN }, STATUS.UNAUTHENTICATED, MSG_NO_BEARER);
  });

  test('no plugin callback ran for any rejected call so far', async () => {
    assertNoCallbacks(await counts(srv.address, bearer(TOKEN)));
  });

  test('valid token: every method reaches the plugin once', async () => {
    const c = new FlightClient(srv.address, { headers: bearer(`  ${TOKEN} `) });
    try {
      for (const m of METHODS) await callMethod(c, m, { deadlineMs: 5000 });
    } finally {
      c.close();
    }
    const cnt = await counts(srv.address, bearer(TOKEN));
    for (const m of METHODS) assert.equal(cnt[m], 1, `${m} count ${cnt[m]}`);
  });

  test('duplicate authorization header (hand-framed HTTP/2) is rejected before the plugin', async () => {
    const before0 = await counts(srv.address, bearer(TOKEN));
    const r = await rawH2Call('127.0.0.1', srv.port, '/arrow.flight.protocol.FlightService/ListActions',
      [['authorization', `Bearer ${TOKEN}`], ['authorization', `Bearer ${TOKEN}`]]);
    assert.ok(r.ended, `stream did not end: ${JSON.stringify(r)}`);
    assert.equal(r.dataBytes, 0, 'no response message expected');
    assert.ok(await srv.waitForLog((s) => s.includes(msgDuplicate('Authorization')), 3000),
      'no authentication_failed log line with the duplicate-header reason');
    assert.deepEqual(await counts(srv.address, bearer(TOKEN)), before0);
  });

  test('failures are logged as authentication_failed without the token', async () => {
    const c = new FlightClient(srv.address, { headers: bearer('LEAKED-SECRET-CANARY') });
    await expectError(c.listActions({ deadlineMs: 5000 }));
    c.close();
    assert.ok(await srv.waitForLog((s) => s.includes('authentication_failed'), 3000));
    assert.ok(!srv.stderr().includes('LEAKED-SECRET-CANARY'), 'the presented token appears in the logs');
    assert.ok(!srv.stderr().includes(TOKEN), 'a configured token appears in the logs');
    const line = srv.logs().find((l) => l.event === 'authentication_failed' || l.raw?.includes('authentication_failed'));
    assert.ok(line);
    if (line.logger) assert.equal(line.logger, 'gooddata_flight_server.auth');
  });
});

describe('token authentication: custom header name', { skip: SKIP }, () => {
  let srv;
  const H = 'X-Api-Token';
  before(async () => {
    srv = await startServer({
      example: 'counting',
      server: `authentication_method = "token"\ntoken_header_name = "${H}"`,
      config: TOKENS_TOML,
      probe: probeWith({ 'x-api-token': TOKEN }),
    });
  });
  after(async () => { assert.equal((await srv.stop()).code, 0); });

  test('raw token in the custom header (any case, stripped) is accepted', async () => {
    const c = new FlightClient(srv.address, { headers: { 'X-API-TOKEN': `  ${TOKEN} ` } });
    try { assert.ok(Array.isArray(await c.listActions({ deadlineMs: 5000 }))); } finally { c.close(); }
  });

  test('Bearer in authorization is not looked at; prefix in custom header is part of the token', async () => {
    await expectAllRejected(srv.address, bearer(TOKEN), STATUS.UNAUTHENTICATED, MSG_MISSING);
    await expectAllRejected(srv.address, { 'x-api-token': `Bearer ${TOKEN}` }, STATUS.UNAUTHENTICATED, MSG_INVALID);
  });

  test('custom header twice: multiple-times message naming the configured header', async () => {
    const before0 = await counts(srv.address, { 'x-api-token': TOKEN });
    await expectAllRejected(srv.address, { 'x-api-token': [TOKEN, TOKEN] }, STATUS.UNAUTHENTICATED, msgDuplicate(H));
    assert.deepEqual(await counts(srv.address, { 'x-api-token': TOKEN }), before0);
  });
});

describe('token authentication configured from the environment', { skip: SKIP }, () => {
  test('GOODDATA_FLIGHT_SERVER__AUTHENTICATION_METHOD + GOODDATA_FLIGHT_ENUMERATED_TOKENS__TOKENS', async () => {
    const srv = await startServer({
      example: 'counting',
      env: {
        GOODDATA_FLIGHT_SERVER__AUTHENTICATION_METHOD: 'token',
        GOODDATA_FLIGHT_ENUMERATED_TOKENS__TOKENS: '["env-token-1", "env-token-2"]',
      },
      probe: probeWith(bearer('env-token-2')),
    });
    try {
      await expectAllRejected(srv.address, bearer('env-token-3'), STATUS.UNAUTHENTICATED, MSG_INVALID);
      assertNoCallbacks(await counts(srv.address, bearer('env-token-1')));
    } finally {
      assert.equal((await srv.stop()).code, 0);
    }
  });

  test('token method without any tokens fails at start-up with exit code 1', async () => {
    const r = await runServerExpectingFailureWithConfig('[server]\nauthentication_method = "token"\n');
    assert.equal(r.code, 1, `exit ${r.code}; stderr: ${r.stderr.slice(-2000)}`);
    assert.match(r.stderr, /enumerated_tokens/);
  });
});

function runServerExpectingFailureWithConfig(toml, example = 'counting') {
  return runServerWithConfig(BINARY, examplePath(example), toml);
}

const STRATEGY = examplePath('auth_strategy');

describe('custom token verification strategy library', { skip: SKIP || (haveServer('auth_strategy') ? false : 'libauth_strategy.so not built') }, () => {
  let srv;
  before(async () => {
    srv = await startServer({
      example: 'counting',
      server: `authentication_method = "token"\ntoken_verification = "${STRATEGY}"`,
      probe: probeWith(bearer('test_token')),
    });
  });
  after(async () => { assert.equal((await srv.stop()).code, 0); });

  test('accepted token: identity and strategy data reach the plugin', async () => {
    const w = await whoami(srv.address, bearer('test_token_alice'));
    assert.equal(w.identity, '_alice');
    assert.equal(w.data, '_alice');
  });

  test('strategy UNAUTHENTICATED and UNAUTHORIZED (PERMISSION_DENIED), no plugin callback', async () => {
    const before0 = await counts(srv.address, bearer('test_token'));
    await expectAllRejected(srv.address, bearer('nope'), STATUS.UNAUTHENTICATED, MSG_INVALID);
    await expectAllRejected(srv.address, bearer('deny_bob'), STATUS.PERMISSION_DENIED,
      'This token is not allowed to use the service.');
    assert.ok(await srv.waitForLog((s) => s.includes('authorization_failed'), 3000), 'authorization_failed not logged');
    assert.deepEqual(await counts(srv.address, bearer('test_token')), before0);
  });
});

describe('strategy start-up errors (exit code 1, message names the setting and path)', { skip: SKIP }, () => {
  test('missing library', async () => {
    const p = '/nonexistent/gf/libmissing_strategy.so';
    const r = await runServerExpectingFailureWithConfig(
      `[server]\nauthentication_method = "token"\ntoken_verification = "${p}"\n`);
    assert.equal(r.code, 1, `exit ${r.code}; stderr: ${r.stderr.slice(-2000)}`);
    assert.match(r.stderr, /token_verification/);
    assert.ok(r.stderr.includes(p), r.stderr.slice(-2000));
  });

  test('library without the entry point', async () => {
    // The counting plugin is a valid shared library but no token strategy.
    const p = examplePath('counting');
    const r = await runServerExpectingFailureWithConfig(
      `[server]\nauthentication_method = "token"\ntoken_verification = "${p}"\n`);
    assert.equal(r.code, 1, `exit ${r.code}; stderr: ${r.stderr.slice(-2000)}`);
    assert.match(r.stderr, /token_verification/);
    assert.match(r.stderr, /gf_token_strategy_v1/);
  });
});
