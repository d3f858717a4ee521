// Security: slowloris against the health and metrics endpoints of a real
// server. 200 connections per endpoint each send one byte of a never-ending
// request head per second and reconnect as soon as the server closes them.
// Meanwhile 16 rounds of fresh-connection probes (GET /ready, GET /metrics)
// must all be answered within 2 s each, and no slow connection may outlive
// the 5 s head deadline (+ slack); tests/admin/test_http_server.c times the
// deadline itself.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import test from 'node:test';

import { freePort, haveServer, startServer } from './lib/server.mjs';

const SKIP = haveServer('hello') ? false : 'server binary or libhello.so not built';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const SLOW = 200;
const PROBES = 16;
const PROBE_TIMEOUT_MS = 2000;
const HEAD = 'GET /ready HTTP/1.1\r\nHost: x\r\nX-Slow: ';

/** GET on a fresh connection: {status, ms}; status -1 on timeout or error. */
function probe(port, path) {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false, timeout: PROBE_TIMEOUT_MS }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, ms: Date.now() - t0 }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: -1, ms: Date.now() - t0 }));
  });
}

/** n slow clients on port; stop() ends them and returns {opened, closedByServer, maxLifeMs}. */
function slowloris(port, n) {
  const live = new Set();
  let stopped = false;
  let opened = 0;
  let closedByServer = 0;
  let maxLifeMs = 0;
  const open = () => {
    if (stopped) return;
    const s = net.connect(port, '127.0.0.1');
    const c = { s, pos: 0, born: Date.now() };
    opened++;
    live.add(c);
    s.on('connect', () => drip(c));
    s.on('error', () => {});
    s.on('close', () => {
      live.delete(c);
      if (stopped) return;
      closedByServer++;
      maxLifeMs = Math.max(maxLifeMs, Date.now() - c.born);
      setTimeout(open, 20);
    });
  };
  const drip = (c) => {
    if (!c.s.writable || c.s.connecting) return;
    c.s.write(c.pos < HEAD.length ? HEAD[c.pos] : 'a');
    c.pos++;
  };
  for (let i = 0; i < n; i++) open();
  const timer = setInterval(() => { for (const c of live) drip(c); }, 1000);
  return {
    /** Oldest connection still open, in ms. */
    oldestOpenMs: () => Math.max(0, ...[...live].filter((c) => !c.s.connecting).map((c) => Date.now() - c.born)),
    stop() {
      stopped = true;
      clearInterval(timer);
      for (const c of live) c.s.destroy();
      return { opened, closedByServer, maxLifeMs };
    },
  };
}

test('slowloris on health and metrics: probes served, slow heads closed', { skip: SKIP, timeout: 60000 }, async () => {
  const healthPort = await freePort();
  const metricsPort = await freePort();
  const srv = await startServer({
    example: 'hello',
    server: [
      'health_check_host = "127.0.0.1"', `health_check_port = ${healthPort}`,
      'metrics_host = "127.0.0.1"', `metrics_port = ${metricsPort}`,
    ].join('\n'),
  });
  const attacks = [slowloris(healthPort, SLOW), slowloris(metricsPort, SLOW)];
  try {
    await sleep(1500); // every connection slot is taken by a slow head now
    const results = [];
    for (let i = 0; i < PROBES; i++) {
      const [ready, metrics] = await Promise.all([probe(healthPort, '/ready'), probe(metricsPort, '/metrics')]);
      results.push({ ready, metrics });
      await sleep(100);
    }
    if (process.env.GF_TEST_VERBOSE) console.log(JSON.stringify(results));
    const readyOk = results.filter((r) => r.ready.status === 204).length;
    const metricsOk = results.filter((r) => r.metrics.status === 200).length;
    assert.equal(readyOk, PROBES, `/ready: ${JSON.stringify(results.map((r) => r.ready))}`);
    assert.equal(metricsOk, PROBES, `/metrics: ${JSON.stringify(results.map((r) => r.metrics))}`);
    for (const a of attacks) {
      // nothing lives past the 5 s head deadline (+ slack for a loaded machine)
      assert.ok(a.oldestOpenMs() < 7000, `a slow connection open for ${a.oldestOpenMs()} ms`);
    }
  } finally {
    const stats = attacks.map((a) => a.stop());
    if (process.env.GF_TEST_VERBOSE) console.log(JSON.stringify(stats));
    for (const st of stats) {
      assert.ok(st.closedByServer > 0, `the server closed slow connections: ${JSON.stringify(st)}`);
      assert.ok(st.maxLifeMs < 7000, `slow connection lived ${st.maxLifeMs} ms`);
    }
    const r = await srv.stop();
    assert.equal(r.code, 0, srv.stderr().slice(-2000));
  }
});
