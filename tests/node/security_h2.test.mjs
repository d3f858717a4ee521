// Security: HTTP/2 abuse of a real server over loopback (counting plugin),
// each attack on its own server while a well-behaved grpc-js client calls
// ListActions on another connection: rapid reset, CONTINUATION flood, HPACK
// endless integer and huge string, EMFILE recovery under a low open-files
// limit, stream/SETTINGS/PING floods, oversized metadata, 2,000 idle
// connections and DoGet readers that never read. Each asserts: server RSS
// under 256 MiB (GF_RSS_LIMIT_MB overrides; 1 GiB for sanitizer builds), the
// well-behaved client keeps >= 99 % of its calls succeeding with p99 < 1 s,
// and the server exits within its shutdown grace. The attacks are raw
// frames on node:net sockets, bounded in count and time. They need the
// nghttp2 server transport.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { describe, test } from 'node:test';

import { FlightClient } from './lib/flight.mjs';
import { BUILD, freePort, haveServer, startServer } from './lib/server.mjs';
import {
  H2_PREFACE, grpcMessage, h2FrameSplitter, h2frame, hpackInt, hpackLiteral, openFilesLimit, rssBytes, rssLimitBytes,
} from '../security/helpers.mjs';

const MIB = 1024 * 1024;
const RSS_LIMIT = rssLimitBytes(256);
const GRACE_SEC = 3;
const ATTACK_MS = 3000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));


// ---- raw HTTP/2 ------------------------------------------------------------------

function requestBlock(path, extra = []) {
  return Buffer.concat([[':method', 'POST'], [':scheme', 'http'], [':path', path], [':authority', 'localhost'],
    ['content-type', 'application/grpc'], ['te', 'trailers'], ...extra].map(([k, v]) => hpackLiteral(k, v)));
}

const LIST_ACTIONS = '/arrow.flight.protocol.FlightService/ListActions';
const DO_GET = '/arrow.flight.protocol.FlightService/DoGet';

/**
 * A raw connection: preface + SETTINGS sent; answers SETTINGS/PING unless
 * `read` is false (then the socket is paused: a peer that never reads).
 * Tracks whether the server sent GOAWAY or closed.
 */
function rawConn(port, { read = true, settings = Buffer.alloc(0) } = {}) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    const st = { sock, goaway: false, closed: false, sent: 0 };
    sock.on('error', () => {});
    sock.on('close', () => { st.closed = true; });
    sock.once('connect', () => {
      sock.write(Buffer.concat([H2_PREFACE, h2frame(4, 0, 0, settings)]));
      if (!read) sock.pause();
      resolve(st);
    });
    sock.once('error', reject);
    if (!read) return;
    sock.on('data', h2FrameSplitter((type, flags, stream, payload) => {
      if (type === 4 && !(flags & 1)) send(st, h2frame(4, 1, 0));
      else if (type === 6 && !(flags & 1)) send(st, h2frame(6, 1, 0, payload));
      else if (type === 7) st.goaway = true;
    }));
  });
}

/** Writes (respecting back-pressure) unless the socket is gone; false when it is. */
async function send(st, data) {
  if (st.closed || st.sock.destroyed) return false;
  st.sent += data.length;
  if (!st.sock.write(data)) {
    await Promise.race([new Promise((r) => st.sock.once('drain', r)), new Promise((r) => st.sock.once('close', r)), sleep(1000)]);
  }
  return !st.closed;
}

/** Waits until the server has ended the connection (GOAWAY or close), at most ms. */
async function endedByServer(st, ms = 2000) {
  const end = Date.now() + ms;
  while (Date.now() < end && !st.goaway && !st.closed) await sleep(20);
  return st.goaway || st.closed;
}

// ---- harness ---------------------------------------------------------------------

/** Sequential ListActions calls for ms on their own connection. */
async function wellBehaved(address, ms) {
  const client = new FlightClient(address);
  const lat = [];
  let ok = 0;
  let failed = 0;
  const errors = new Set();
  const end = Date.now() + ms;
  try {
    while (Date.now() < end) {
      const t0 = Date.now();
      try {
        await client.listActions({ deadlineMs: 2000 });
        ok++;
      } catch (e) {
        failed++;
        errors.add(`${e.code} ${e.details}`);
      }
      lat.push(Date.now() - t0);
      await sleep(10);
    }
  } finally {
    client.close();
  }
  lat.sort((a, b) => a - b);
  return { ok, failed, errors: [...errors], p99: lat[Math.min(lat.length - 1, Math.floor(lat.length * 0.99))] };
}

/**
 * Starts a server, runs attack(srv) next to a well-behaved client, checks RSS
 * throughout, the client's success and latency, and the exit within grace.
 */
async function underAttack(name, attack, { server = '', wrap, env, checkClient = true } = {}) {
  const srv = await startServer({ example: 'counting', server: `shutdown_grace_sec = ${GRACE_SEC}\n${server}`, wrap, env });
  let peak = 0;
  const poll = setInterval(() => { peak = Math.max(peak, rssBytes(srv.child.pid) || 0); }, 50);
  let stats;
  let result;
  try {
    [stats, result] = await Promise.all([
      checkClient ? (async () => { await sleep(100); return wellBehaved(srv.address, ATTACK_MS); })() : null,
      attack(srv),
    ]);
    peak = Math.max(peak, rssBytes(srv.child.pid) || 0);
  } finally {
    clearInterval(poll);
    const t0 = Date.now();
    const r = await srv.stop(30000);
    const took = Date.now() - t0;
    assert.equal(r.code, 0, `${name}: server exit ${JSON.stringify(r)}: ${srv.stderr().slice(-2000)}`);
    assert.ok(took < (GRACE_SEC + 2) * 1000, `${name}: server took ${took} ms to exit (grace ${GRACE_SEC} s)`);
  }
  console.log(`# ${name}: peak RSS ${(peak / MIB).toFixed(1)} MiB` +
    (stats ? `, client ${stats.ok} ok / ${stats.failed} failed, p99 ${stats.p99} ms` : ''));
  assert.ok(peak > 0 && peak < RSS_LIMIT, `${name}: server RSS ${(peak / MIB).toFixed(1)} MiB >= ${RSS_LIMIT / MIB} MiB`);
  if (stats) {
    const total = stats.ok + stats.failed;
    assert.ok(total >= 10, `${name}: only ${total} calls by the well-behaved client`);
    assert.ok(stats.ok >= 0.99 * total, `${name}: ${stats.failed}/${total} calls failed: ${stats.errors.join('; ')}`);
    assert.ok(stats.p99 < 1000, `${name}: p99 ${stats.p99} ms`);
  }
  return result;
}

/** Runs fn until ATTACK_MS passed. */
async function forAttack(fn) {
  const end = Date.now() + ATTACK_MS;
  while (Date.now() < end) if ((await fn()) === false) break;
}

/** One keep-alive HTTP/1.1 connection to the health port; get() -> status (-1 on timeout). */
async function healthConn(port) {
  const sock = net.connect(port, '127.0.0.1');
  await new Promise((res, rej) => { sock.once('connect', res); sock.once('error', rej); });
  let buf = '';
  let waiter = null;
  sock.setEncoding('latin1');
  sock.on('data', (d) => {
    buf += d;
    const end = buf.indexOf('\r\n\r\n');
    if (end >= 0 && waiter) {
      const status = Number(buf.slice(9, 12));
      buf = buf.slice(end + 4);
      const w = waiter;
      waiter = null;
      w(status);
    }
  });
  sock.on('error', () => {});
  return {
    get(p, timeoutMs = 1000) {
      return new Promise((resolve) => {
        const t = setTimeout(() => { waiter = null; resolve(-1); }, timeoutMs);
        waiter = (st) => { clearTimeout(t); resolve(st); };
        sock.write(`GET ${p} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
      });
    },
    close() { sock.destroy(); },
  };
}

describe('HTTP/2 abuse (nghttp2 transport)', () => {
  test('the server library is built on libnghttp2', () => {
    assert.ok(haveServer('counting'), 'libcounting.so is built (make all)');
    const undef = execFileSync('nm', ['-D', '--undefined-only', path.join(BUILD, 'lib', 'libgooddata_flight_server.so.0')], { encoding: 'utf8' });
    assert.ok(undef.includes('nghttp2_session_server_new2'));
  });

  test('rapid reset: HEADERS + RST_STREAM as fast as possible', async () => {
    const r = await underAttack('rapid reset', async (srv) => {
      let conns = 0;
      let ended = 0;
      await forAttack(async () => {
        const st = await rawConn(srv.port);
        conns++;
        const block = requestBlock(LIST_ACTIONS);
        for (let id = 1; id < 2 * 20000 && !st.closed && !st.goaway; id += 2 * 200) {
          const batch = [];
          for (let k = 0; k < 200; k++) {
            batch.push(h2frame(1, 0x4, id + 2 * k, block), h2frame(3, 0, id + 2 * k, Buffer.from([0, 0, 0, 8])));
          }
          if (!(await send(st, Buffer.concat(batch)))) break;
        }
        if (await endedByServer(st, 1000)) ended++;
        st.sock.destroy();
        return conns < 20;
      });
      return { conns, ended };
    });
    assert.ok(r.ended >= 1 && r.ended === r.conns, `the server ended ${r.ended} of ${r.conns} resetting connections`);
  });

  test('CONTINUATION flood on 4 connections', async () => {
    const r = await underAttack('CONTINUATION flood', async (srv) => {
      const chunk = Buffer.concat(Array.from({ length: 15 }, (_, i) => hpackLiteral(`x-flood-${i}`, 'a'.repeat(1000))));
      return Promise.all([0, 1, 2, 3].map(async () => {
        const st = await rawConn(srv.port);
        await send(st, h2frame(1, 0, 1, requestBlock(LIST_ACTIONS)));
        while (st.sent < 64 * MIB && (await send(st, h2frame(9, 0, 1, chunk)))) { /* until the server ends it */ }
        const ended = await endedByServer(st, 2000);
        st.sock.destroy();
        return { ended, sent: st.sent };
      }));
    });
    for (const c of r) {
      assert.ok(c.ended, 'the server did not end a CONTINUATION flood');
      assert.ok(c.sent < 16 * MIB, `the server took ${c.sent} bytes of one header block`);
    }
  });

  test('HPACK: an endless integer and a string that declares 1 GiB', async () => {
    const r = await underAttack('HPACK', async (srv) => {
      const endless = await rawConn(srv.port);
      await send(endless, h2frame(1, 0, 1, Buffer.concat([Buffer.from([0x00, 0x7f]), Buffer.alloc(64, 0xff)])));
      for (let i = 0; i < 200 && (await send(endless, h2frame(9, 0, 1, Buffer.alloc(1024, 0xff)))); i++) await sleep(5);
      const huge = await rawConn(srv.port);
      await send(huge, h2frame(1, 0, 1, Buffer.concat([Buffer.from([0x00]), hpackInt(1 << 30, 7, 0)])));
      await forAttack(async () => { // about 1.6 MB/s
        const more = await send(huge, h2frame(9, 0, 1, Buffer.alloc(16384, 0x61)));
        await sleep(10);
        return more;
      });
      const out = { endless: await endedByServer(endless, 1000), huge: await endedByServer(huge, 1000), hugeSent: huge.sent };
      endless.sock.destroy();
      huge.sock.destroy();
      return out;
    });
    assert.ok(r.endless, 'the server kept a connection sending an endless HPACK integer');
    assert.ok(r.huge && r.hugeSent < 4 * MIB, `the server took ${r.hugeSent} bytes of a 1 GiB header string`);
  });

  test('stream, SETTINGS and PING floods', async () => {
    const r = await underAttack('stream/SETTINGS/PING floods', async (srv) => {
      const streams = await rawConn(srv.port);
      const block = requestBlock(LIST_ACTIONS);
      for (let id = 1; id < 2 * 10000 && !streams.closed; id += 2 * 500) {
        const batch = [];
        for (let k = 0; k < 500; k++) batch.push(h2frame(1, 0x4, id + 2 * k, block)); // never ended
        if (!(await send(streams, Buffer.concat(batch)))) break;
      }
      // A peer that never reads the ACKs: the server either ends the
      // connection (nghttp2's max_outbound_ack) or stops reading it (its
      // output buffer is bounded), so the flood's writes block.
      const flood = async (unit) => {
        const st = await rawConn(srv.port, { read: false });
        const batch = Buffer.concat(Array.from({ length: 1000 }, () => unit));
        let blocked = false;
        const end = Date.now() + ATTACK_MS;
        while (Date.now() < end && !st.closed && !st.goaway) {
          if (!st.sock.write(batch)) {
            const drained = await Promise.race([new Promise((r) => st.sock.once('drain', () => r(true))),
              new Promise((r) => st.sock.once('close', () => r(false))), sleep(1000).then(() => false)]);
            if (!drained && !st.closed) { blocked = true; break; }
          }
        }
        const ended = await endedByServer(st, 500);
        st.sock.destroy();
        return { ended, blocked };
      };
      const [settings, pings] = await Promise.all([flood(h2frame(4, 0, 0)), flood(h2frame(6, 0, 0, Buffer.alloc(8)))]);
      streams.sock.destroy();
      return { settings, pings };
    });
    assert.ok(r.settings.ended || r.settings.blocked, 'the server kept reading a SETTINGS flood that never reads its ACKs');
    assert.ok(r.pings.ended || r.pings.blocked, 'the server kept reading a PING flood that never reads its ACKs');
    console.log(`# floods: SETTINGS ${JSON.stringify(r.settings)}, PING ${JSON.stringify(r.pings)}`);
  });

  test('oversized metadata: each refused, others served', async () => {
    const r = await underAttack('oversized metadata', async (srv) => {
      const client = new FlightClient(srv.address);
      let refused = 0;
      let tries = 0;
      try {
        await forAttack(async () => {
          tries++;
          try {
            await client.listActions({ deadlineMs: 2000, headers: { 'x-big': 'b'.repeat(60000) } });
          } catch (e) {
            refused++;
          }
          return tries < 200;
        });
      } finally {
        client.close();
      }
      return { refused, tries };
    }, { server: 'max_metadata_bytes = 16384' });
    assert.equal(r.refused, r.tries, 'a header block over max_metadata_bytes was served');
  });

  test('2,000 idle connections', async () => {
    const limit = openFilesLimit();
    const n = limit === null || limit > 2300 ? 2000 : Math.max(100, limit - 300);
    await underAttack(`${n} idle connections`, async (srv) => {
      const socks = [];
      try {
        for (let i = 0; i < n; i += 200) {
          socks.push(...(await Promise.all(Array.from({ length: Math.min(200, n - i) }, () => rawConn(srv.port)))));
        }
        await sleep(ATTACK_MS / 2);
        assert.ok(socks.filter((s) => !s.closed).length >= n * 0.99, 'idle connections were dropped');
      } finally {
        for (const s of socks) s.sock.destroy();
      }
    });
  });

  test('DoGet readers that never read', async () => {
    await underAttack('readers that never read', async (srv) => {
      const ticket = Buffer.concat([Buffer.from([0x0a, 7]), Buffer.from('big:512')]);
      const msg = grpcMessage(ticket);
      const conns = [];
      try {
        for (let i = 0; i < 8; i++) {
          const st = await rawConn(srv.port, { read: false });
          await send(st, Buffer.concat([h2frame(1, 0x4, 1, requestBlock(DO_GET)), h2frame(0, 0x1, 1, msg)]));
          conns.push(st);
        }
        await sleep(ATTACK_MS);
      } finally {
        for (const c of conns) c.sock.destroy();
      }
    });
  });

  test('EMFILE: the listener accepts again within 1 s of descriptors freeing', async () => {
    const r = await underAttack('EMFILE', async (srv) => {
      const socks = [];
      for (let i = 0; i < 400; i++) {
        socks.push(await rawConn(srv.port).catch(() => null));
      }
      await sleep(300);
      const paused = srv.stderr().includes('flight_accept_paused');
      for (const s of socks) if (s) s.sock.destroy();
      const t0 = Date.now();
      let recovered = null;
      while (Date.now() - t0 < 5000 && recovered === null) {
        const c = new FlightClient(srv.address);
        try {
          await c.listActions({ deadlineMs: 300 });
          recovered = Date.now() - t0;
        } catch {
          /* not yet */
        } finally {
          c.close();
        }
      }
      return { paused, recovered };
    }, {
      wrap: ['sh', '-c', 'ulimit -n 256 && exec "$@"', 'sh'],
      env: { GF_TRANSPORT_MAX_CONNECTIONS: '0' }, // no connection cap: run into EMFILE
      checkClient: false,
    });
    console.log(`# EMFILE: accepting again ${r.recovered} ms after the descriptors were freed`);
    assert.ok(r.paused, 'the server never ran out of descriptors (no flight_accept_paused)');
    assert.ok(r.recovered !== null && r.recovered < 1000, `accepting again took ${r.recovered} ms`);
  });

  test('EMFILE: /ready says not ready while the listener cannot accept, ready again once descriptors free', async () => {
    const healthPort = await freePort();
    const r = await underAttack('EMFILE /ready', async (srv) => {
      const hc = await healthConn(healthPort); // opened before the descriptors run out
      const before = await hc.get('/ready');
      const socks = [];
      for (let i = 0; i < 400; i++) socks.push(await rawConn(srv.port).catch(() => null));
      let notReady = null;
      const t1 = Date.now();
      while (Date.now() - t1 < 3000 && notReady === null) {
        const st = await hc.get('/ready');
        if (st === 500) notReady = Date.now() - t1;
        else await sleep(50);
      }
      const paused = srv.stderr().includes('flight_accept_paused');
      for (const s of socks) if (s) s.sock.destroy();
      const t0 = Date.now();
      let ready = null;
      while (Date.now() - t0 < 5000 && ready === null) {
        if ((await hc.get('/ready')) === 204) ready = Date.now() - t0;
        else await sleep(20);
      }
      hc.close();
      return { before, paused, notReady, ready };
    }, {
      server: `health_check_host = "127.0.0.1"\nhealth_check_port = ${healthPort}`,
      wrap: ['sh', '-c', 'ulimit -n 256 && exec "$@"', 'sh'],
      env: { GF_TRANSPORT_MAX_CONNECTIONS: '0' },
      checkClient: false,
    });
    console.log(`# EMFILE /ready: not ready after ${r.notReady} ms of exhaustion, ready ${r.ready} ms after freeing`);
    assert.equal(r.before, 204, '/ready before the attack');
    assert.ok(r.paused, 'the server never ran out of descriptors (no flight_accept_paused)');
    assert.ok(r.notReady !== null, '/ready never said not ready while the listener could not accept');
    assert.ok(r.ready !== null && r.ready < 2000, `/ready took ${r.ready} ms to say ready again`);
  });
});
