// Security: TLS and mutual TLS with certificates generated at test time by
// the openssl CLI (tests/security/gen_certs.sh; nothing is committed), real
// grpc-js clients over loopback against the real server binary with the
// counting plugin: right CA accepted, other CA / plaintext rejected, advertised
// location uses grpc+tls://, mTLS requires a client certificate from the
// configured CA, and TLS configuration mistakes stop the server at start-up
// with exit code 1 and a clear line.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import grpc from '@grpc/grpc-js';
import { Message, tableFromArrays, tableToIPC } from 'apache-arrow';

import { FlightClient, STATUS, expectError, pathDescriptor } from './lib/flight.mjs';
import { BINARY, examplePath, haveServer, startServer } from './lib/server.mjs';
import { haveOpenssl, ipcToFlightData, makeCerts, runServerWithConfig } from '../security/helpers.mjs';

const SKIP = !haveServer('counting') ? 'server binary or libcounting.so not built'
  : !haveOpenssl() ? 'openssl CLI not available' : false;

let certs;
const tlsCreds = (ca, client) => grpc.credentials.createSsl(certs.pem(ca),
  client ? certs.pem(`${client}.key`) : null, client ? certs.pem(`${client}.pem`) : null);

function tlsProbe(ca, client) {
  return async (address) => {
    const c = new FlightClient(address, { credentials: tlsCreds(ca, client) });
    try {
      await c.doAction('counts', Buffer.alloc(0), { deadlineMs: 1000 });
      return true;
    } finally {
      c.close();
    }
  };
}

async function counts(address, credentials) {
  const c = new FlightClient(address, { credentials });
  try {
    const r = await c.doAction('counts', Buffer.alloc(0), { deadlineMs: 5000 });
    return JSON.parse(Buffer.from(r[0].body).toString());
  } finally {
    c.close();
  }
}

async function listActionsWith(address, credentials) {
  const c = new FlightClient(address, { credentials });
  try {
    return await c.listActions({ deadlineMs: 5000 });
  } finally {
    c.close();
  }
}

const tlsServerLines = () => [
  'use_tls = true',
  `tls_certificate = "@${certs.path('server.pem')}"`,
  `tls_private_key = "@${certs.path('server.key')}"`,
].join('\n');

describe('TLS and mTLS', { skip: SKIP }, () => {
  before(() => { certs = makeCerts(); });
  after(() => { if (certs) certs.cleanup(); });

  describe('TLS (server certificate only)', () => {
    let srv;
    before(async () => {
      srv = await startServer({ example: 'counting', server: tlsServerLines(), probe: tlsProbe('ca.pem') });
    });
    after(async () => { assert.equal((await srv.stop()).code, 0); });

    test('client trusting the CA succeeds; location is grpc+tls://', async () => {
      const actions = await listActionsWith(srv.address, tlsCreds('ca.pem'));
      assert.ok(actions.some((a) => a.type === 'counts'));
      const c = new FlightClient(srv.address, { credentials: tlsCreds('ca.pem') });
      try {
        const info = await c.getFlightInfo(pathDescriptor('x'), { deadlineMs: 5000 });
        assert.equal(info.endpoint.length, 1);
        assert.deepEqual(info.endpoint[0].location.map((l) => l.uri), [`grpc+tls://127.0.0.1:${srv.port}`]);
      } finally {
        c.close();
      }
    });

    test('client trusting another CA is rejected (UNAVAILABLE)', async () => {
      const c = new FlightClient(srv.address, { credentials: tlsCreds('other-ca.pem') });
      const e = await expectError(c.listActions({ deadlineMs: 5000 }));
      c.close();
      assert.equal(e.code, STATUS.UNAVAILABLE, e.details);
    });

    test('plaintext client against the TLS port fails', async () => {
      const c = new FlightClient(srv.address);
      const e = await expectError(c.listActions({ deadlineMs: 3000 }));
      c.close();
      assert.ok(e.code === STATUS.UNAVAILABLE || e.code === STATUS.DEADLINE_EXCEEDED, `${e.code} ${e.details}`);
    });

    test('a client certificate is optional without mTLS', async () => {
      const actions = await listActionsWith(srv.address, tlsCreds('ca.pem', 'client'));
      assert.ok(actions.length >= 1);
    });
  });

  describe('TLS: store example advertises grpc+tls:// locations', { skip: haveServer('store') ? false : 'libstore.so not built' }, () => {
    let srv;
    before(async () => {
      srv = await startServer({
        example: 'store',
        server: tlsServerLines(),
        probe: async (address) => {
          const c = new FlightClient(address, { credentials: tlsCreds('ca.pem') });
          try { await c.listActions({ deadlineMs: 1000 }); return true; } finally { c.close(); }
        },
      });
    });
    after(async () => { assert.equal((await srv.stop()).code, 0); });

    test('DoPut a dataset, GetFlightInfo returns endpoint location grpc+tls://host:port', async () => {
      const parts = ipcToFlightData(tableToIPC(tableFromArrays({ n: new BigInt64Array([1n, 2n, 3n]) }), 'stream'),
        (meta) => Message.decode(meta).bodyLength);
      const c = new FlightClient(srv.address, { credentials: tlsCreds('ca.pem') });
      try {
        const call = c.doPutCall({ deadlineMs: 10000 });
        await new Promise((resolve, reject) => {
          call.on('data', () => {});
          call.on('error', reject);
          call.on('end', resolve);
          call.write({ flight_descriptor: pathDescriptor('tls-data'), ...parts[0] });
          for (const p of parts.slice(1)) call.write(p);
          call.end();
        });
        const info = await c.getFlightInfo(pathDescriptor('tls-data'), { deadlineMs: 5000 });
        assert.ok(info.endpoint.length >= 1);
        for (const ep of info.endpoint) {
          assert.deepEqual(ep.location.map((l) => l.uri), [`grpc+tls://127.0.0.1:${srv.port}`]);
        }
      } finally {
        c.close();
      }
    });
  });

  describe('TLS with token authentication', () => {
    let srv;
    const headers = { authorization: 'Bearer tls-token' };
    before(async () => {
      srv = await startServer({
        example: 'counting',
        server: `${tlsServerLines()}\nauthentication_method = "token"`,
        config: '[enumerated_tokens]\ntokens = ["tls-token"]\n',
        probe: async (address) => {
          const c = new FlightClient(address, { credentials: tlsCreds('ca.pem'), headers });
          try { await c.doAction('counts', Buffer.alloc(0), { deadlineMs: 1000 }); return true; } finally { c.close(); }
        },
      });
    });
    after(async () => { assert.equal((await srv.stop()).code, 0); });

    test('token over TLS accepted, missing token rejected', async () => {
      const ok = new FlightClient(srv.address, { credentials: tlsCreds('ca.pem'), headers });
      const bad = new FlightClient(srv.address, { credentials: tlsCreds('ca.pem') });
      try {
        assert.ok((await ok.listActions({ deadlineMs: 5000 })).length >= 1);
        const e = await expectError(bad.listActions({ deadlineMs: 5000 }));
        assert.equal(e.code, STATUS.UNAUTHENTICATED);
      } finally {
        ok.close();
        bad.close();
      }
    });
  });

  describe('mutual TLS', () => {
    let srv;
    before(async () => {
      srv = await startServer({
        example: 'counting',
        server: `${tlsServerLines()}\nuse_mtls = true\ntls_root_certificate = "@${certs.path('ca.pem')}"`,
        probe: tlsProbe('ca.pem', 'client'),
      });
    });
    after(async () => { assert.equal((await srv.stop()).code, 0); });

    test('client without a certificate is rejected', async () => {
      const c = new FlightClient(srv.address, { credentials: tlsCreds('ca.pem') });
      const e = await expectError(c.listActions({ deadlineMs: 5000 }));
      c.close();
      assert.equal(e.code, STATUS.UNAVAILABLE, e.details);
    });

    test('client certificate signed by another CA is rejected', async () => {
      const c = new FlightClient(srv.address, { credentials: tlsCreds('ca.pem', 'other-client') });
      const e = await expectError(c.listActions({ deadlineMs: 5000 }));
      c.close();
      assert.equal(e.code, STATUS.UNAVAILABLE, e.details);
    });

    test('client certificate from the right CA is accepted; rejected ones never reached the plugin', async () => {
      const actions = await listActionsWith(srv.address, tlsCreds('ca.pem', 'client'));
      assert.ok(actions.length >= 1);
      const cnt = await counts(srv.address, tlsCreds('ca.pem', 'client'));
      assert.equal(cnt.ListActions, 1, JSON.stringify(cnt));
    });

    test('the client certificate subject is the call identity', async () => {
      const c = new FlightClient(srv.address, { credentials: tlsCreds('ca.pem', 'client') });
      try {
        const r = await c.doAction('whoami', Buffer.alloc(0), { deadlineMs: 5000 });
        const w = JSON.parse(Buffer.from(r[0].body).toString());
        assert.ok(typeof w.identity === 'string' && w.identity.includes('test-client'),
          `identity ${JSON.stringify(w.identity)}`);
      } finally {
        c.close();
      }
    });
  });

  describe('TLS configuration mistakes stop the server (exit code 1)', () => {
    const run = (lines) => runServerWithConfig(BINARY, examplePath('counting'), `[server]\n${lines}\n`);
    const tail = (r) => `exit ${r.code}/${r.signal}; stderr: ${r.stderr.slice(-1500)}`;

    test('use_tls without tls_private_key', async () => {
      const r = await run(`use_tls = true\ntls_certificate = "@${certs.path('server.pem')}"`);
      assert.equal(r.code, 1, tail(r));
      assert.match(r.stderr, /tls_private_key/, tail(r));
    });

    test('use_tls without tls_certificate', async () => {
      const r = await run(`use_tls = true\ntls_private_key = "@${certs.path('server.key')}"`);
      assert.equal(r.code, 1, tail(r));
      assert.match(r.stderr, /tls_certificate/, tail(r));
    });

    test('private key that does not match the certificate', async () => {
      const r = await run(`use_tls = true\ntls_certificate = "@${certs.path('server.pem')}"\n` +
        `tls_private_key = "@${certs.path('other-server.key')}"`);
      assert.equal(r.code, 1, tail(r));
      assert.match(r.stderr,
        /server\.tls_private_key does not match server\.tls_certificate \(tls_private_key from .*server\.toml:\d+, tls_certificate from .*server\.toml:\d+\)/,
        tail(r));
    });

    test('certificate that is not PEM names the setting', async () => {
      const r = await run(`use_tls = true\ntls_certificate = "not a certificate"\n` +
        `tls_private_key = "@${certs.path('server.key')}"`);
      assert.equal(r.code, 1, tail(r));
      assert.match(r.stderr, /server\.tls_certificate: not a PEM certificate .*\(from .*server\.toml:\d+\)/, tail(r));
    });

    test('unreadable @file names the file', async () => {
      const missing = `${certs.dir}/does-not-exist.pem`;
      const r = await run(`use_tls = true\ntls_certificate = "@${missing}"\n` +
        `tls_private_key = "@${certs.path('server.key')}"`);
      assert.equal(r.code, 1, tail(r));
      assert.ok(r.stderr.includes(missing), tail(r));
    });

    test('use_mtls without tls_root_certificate', async () => {
      const r = await run(`${tlsServerLines()}\nuse_mtls = true`);
      assert.equal(r.code, 1, tail(r));
      assert.match(r.stderr, /tls_root_certificate/, tail(r));
    });
  });
});
