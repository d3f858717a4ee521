// Listening on a host name that resolves to both ::1 and 127.0.0.1 (Debian's
// standard /etc/hosts maps "localhost" so): the Flight port (gRPC core), the
// health and the metrics endpoints each answer on both addresses. The server
// runs in a private mount namespace whose /etc/hosts is Debian's, whatever the
// machine's own file says (needs root for `unshare -m`; on a machine whose
// "localhost" already resolves to both families it runs without one).
// Real server process (store example), Node gRPC and HTTP clients.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import dns from 'node:dns/promises';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { FlightClient, freePort, haveServer, startServer } from './lib/index.mjs';

const DEBIAN_HOSTS = '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n';

async function localhostHasBoth() {
  const all = await dns.lookup('localhost', { all: true }).catch(() => []);
  return all.some((a) => a.family === 4) && all.some((a) => a.family === 6);
}

function canUnshare() {
  try {
    execFileSync('unshare', ['-m', 'sh', '-c', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const NATIVE = await localhostHasBoth();
const SKIP = !haveServer('store') ? 'server binary or store example not built'
  : !NATIVE && !canUnshare() ? 'localhost resolves to one family and `unshare -m` is not permitted' : false;

function get(host, port, p) {
  return new Promise((resolve) => {
    const req = http.get({ host, port, path: p, timeout: 3000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve(e.code || String(e)));
  });
}

async function listActionsAt(address) {
  const c = new FlightClient(address);
  try {
    return (await c.listActions({ deadlineMs: 3000 })).length > 0;
  } catch (e) {
    return `${e.code}: ${e.details}`;
  } finally {
    c.close();
  }
}

describe('a host name with both address families', { skip: SKIP }, () => {
  test('localhost binds ::1 and 127.0.0.1 for Flight, health and metrics', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gf-dual-'));
    const hosts = path.join(dir, 'hosts');
    fs.writeFileSync(hosts, DEBIAN_HOSTS);
    const [healthPort, metricsPort] = [await freePort(), await freePort()];
    const wrap = NATIVE ? [] : ['unshare', '-m', 'sh', '-c',
      'mount --bind "$0" /etc/hosts && exec "$@"', hosts];
    const srv = await startServer({
      wrap,
      env: {
        GOODDATA_FLIGHT_SERVER__LISTEN_HOST: 'localhost',
        GOODDATA_FLIGHT_SERVER__HEALTH_CHECK_HOST: 'localhost',
        GOODDATA_FLIGHT_SERVER__HEALTH_CHECK_PORT: String(healthPort),
        GOODDATA_FLIGHT_SERVER__METRICS_HOST: 'localhost',
        GOODDATA_FLIGHT_SERVER__METRICS_PORT: String(metricsPort),
      },
    });
    try {
      assert.equal(await listActionsAt(`127.0.0.1:${srv.port}`), true, 'Flight on 127.0.0.1');
      assert.equal(await listActionsAt(`[::1]:${srv.port}`), true, 'Flight on ::1');
      for (const host of ['127.0.0.1', '::1']) {
        assert.equal(await get(host, healthPort, '/ready'), 204, `/ready on ${host}`);
        assert.equal(await get(host, healthPort, '/live'), 204, `/live on ${host}`);
        assert.equal(await get(host, metricsPort, '/metrics'), 200, `/metrics on ${host}`);
      }
    } finally {
      const r = await srv.stop();
      fs.rmSync(dir, { recursive: true, force: true });
      assert.equal(r.code, 0, srv.stderr().slice(-2000));
    }
  });
});
