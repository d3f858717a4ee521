// Security: bounded abuse of a real server over loopback (counting plugin):
// many idle TCP connections, DoGet readers that never read, a DoPut that
// sends faster than the plugin consumes, oversized messages and headers.
// While each runs, a normal client's ListFlights/ListActions must succeed and
// the server's RSS (/proc/<pid>/status VmRSS) must stay under a bound
// (300 MiB; 1 GiB for sanitizer builds; GF_RSS_LIMIT_MB overrides).
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Message, tableFromArrays, tableToIPC } from 'apache-arrow';

import { FlightClient, STATUS, expectError } from './lib/flight.mjs';
import { haveServer, startServer } from './lib/server.mjs';
import { ipcToFlightData, openFilesLimit, rssBytes, rssLimitBytes } from '../security/helpers.mjs';

const SKIP = haveServer('counting') ? false : 'server binary or libcounting.so not built';
const MIB = 1024 * 1024;
const MAX_RECV = 4 * MIB;
const RSS_LIMIT = rssLimitBytes();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Waits for 'drain' on a writable call, at most ms. */
function drainOrTimeout(call, ms) {
  return new Promise((resolve) => {
    const done = () => { clearTimeout(t); call.off('drain', done); resolve(); };
    const t = setTimeout(done, ms);
    call.on('drain', done);
  });
}

/** FlightData parts of a one-column int64 table of `rows` rows: [schema, batch]. */
function flightDataParts(rows) {
  const ipc = tableToIPC(tableFromArrays({ n: new BigInt64Array(rows) }), 'stream');
  return ipcToFlightData(ipc, (meta) => Message.decode(meta).bodyLength);
}

describe('abuse: resource bounds', { skip: SKIP }, () => {
  let srv;
  let normal;
  let peakRss = 0;

  function checkRss(what) {
    const rss = rssBytes(srv.child.pid);
    assert.ok(rss !== null, 'cannot read server RSS');
    peakRss = Math.max(peakRss, rss);
    assert.ok(rss < RSS_LIMIT, `${what}: server RSS ${(rss / MIB).toFixed(1)} MiB >= ${RSS_LIMIT / MIB} MiB`);
  }

  async function normalCallsWork(what) {
    const flights = await normal.listFlights(Buffer.alloc(0), { deadlineMs: 5000 });
    assert.ok(Array.isArray(flights), what);
    const actions = await normal.listActions({ deadlineMs: 5000 });
    assert.ok(actions.some((a) => a.type === 'counts'), what);
  }

  async function counts() {
    const r = await normal.doAction('counts', Buffer.alloc(0), { deadlineMs: 5000 });
    return JSON.parse(Buffer.from(r[0].body).toString());
  }

  before(async () => {
    srv = await startServer({ example: 'counting', server: `max_receive_message_bytes = ${MAX_RECV}` });
    normal = new FlightClient(srv.address);
  });
  after(async () => {
    normal.close();
    const r = await srv.stop();
    assert.equal(r.code, 0, `server exit ${JSON.stringify(r)}`);
    console.log(`# abuse: peak server RSS ${(peakRss / MIB).toFixed(1)} MiB (limit ${RSS_LIMIT / MIB} MiB)`);
  });

  test('1,000 idle TCP connections that never send anything', async () => {
    const limit = openFilesLimit();
    const n = limit === null || limit > 1200 ? 1000 : Math.max(50, limit - 200);
    if (n < 1000) console.log(`# abuse: RLIMIT_NOFILE ${limit}: using ${n} idle connections`);
    const sockets = [];
    try {
      await Promise.all(Array.from({ length: n }, () => new Promise((resolve, reject) => {
        const s = net.connect(srv.port, '127.0.0.1');
        s.on('error', () => {});
        s.once('connect', resolve);
        s.once('error', reject);
        sockets.push(s);
      })));
      await sleep(300);
      await normalCallsWork('with idle connections open');
      checkRss('idle connections');
    } finally {
      for (const s of sockets) s.destroy();
    }
    await normalCallsWork('after closing idle connections');
  });

  test('DoGet of large streams whose clients never read', async () => {
    const clients = [];
    const calls = [];
    try {
      for (let i = 0; i < 8; i++) {
        const c = new FlightClient(srv.address);
        clients.push(c);
        const call = c.doGetCall('big:512', { deadlineMs: 60000 }); // 512 MiB each, never read
        call.on('error', () => {});
        calls.push(call);
      }
      await sleep(1500);
      await normalCallsWork('with stalled DoGet readers');
      checkRss('stalled DoGet readers');
      await sleep(1000);
      checkRss('stalled DoGet readers (later)');
    } finally {
      for (const call of calls) call.cancel();
      for (const c of clients) c.close();
    }
    await sleep(200);
    await normalCallsWork('after cancelling DoGet readers');
  });

  test('DoPut sending faster than the plugin consumes is held back by flow control', async () => {
    const [schema, batch] = flightDataParts(131072); // 1 MiB body per batch
    const before0 = (await counts()).PutMessages;
    const c = new FlightClient(srv.address);
    const call = c.doPutCall({ deadlineMs: 60000 });
    let failed = null;
    call.on('error', (e) => { failed = e; });
    call.on('data', () => {});
    const start = Date.now();
    let sent = 0;
    try {
      call.write({ flight_descriptor: { type: 'PATH', path: ['slow'], cmd: Buffer.alloc(0) }, ...schema });
      let lastCheck = Date.now();
      while (Date.now() - start < 3000 && !failed) {
        if (!call.write(batch)) {
          await drainOrTimeout(call, 200);
        }
        sent++;
        if (Date.now() - lastCheck > 500) {
          checkRss('fast DoPut');
          lastCheck = Date.now();
        }
      }
      assert.equal(failed, null, `DoPut failed: ${failed && failed.details}`);
      await normalCallsWork('during a fast DoPut');
      checkRss('fast DoPut (end)');
      // The plugin consumes one 1 MiB message per 20 ms (<= ~150 in 3 s); the
      // rest must be buffered within bounds, not taken in without limit.
      assert.ok(sent < 600, `client could push ${sent} MiB in 3 s into a 50 MiB/s consumer`);
    } finally {
      call.cancel();
      c.close();
    }
    const consumed = (await counts()).PutMessages - before0;
    assert.ok(consumed > 0, 'the plugin consumed no message (was the data rejected?)');
    console.log(`# abuse: fast DoPut: sent ${sent} MiB, plugin consumed ${consumed} messages`);
  });

  test('message over max_receive_message_bytes: RESOURCE_EXHAUSTED', async () => {
    const e = await expectError(normal.doAction('noop', Buffer.alloc(MAX_RECV + MIB), { deadlineMs: 10000 }));
    assert.equal(e.code, STATUS.RESOURCE_EXHAUSTED, e.details);
    const [schema, batch] = flightDataParts((MAX_RECV + MIB) / 8);
    const c = new FlightClient(srv.address);
    try {
      const call = c.doPutCall({ deadlineMs: 10000 });
      const err = await new Promise((resolve) => {
        call.on('error', resolve);
        call.on('data', () => {});
        call.on('end', () => resolve(null));
        call.write({ flight_descriptor: { type: 'PATH', path: ['big'], cmd: Buffer.alloc(0) }, ...schema });
        call.write(batch);
        call.end();
      });
      assert.ok(err, 'oversized DoPut message was accepted');
      assert.equal(err.code, STATUS.RESOURCE_EXHAUSTED, err.details);
    } finally {
      c.close();
    }
    await normalCallsWork('after oversized messages');
    checkRss('oversized messages');
  });

  test('oversized request headers are refused and the server stays healthy', async () => {
    const c = new FlightClient(srv.address);
    try {
      const e = await expectError(c.listActions({ deadlineMs: 5000, headers: { 'x-big': 'a'.repeat(40000) } }));
      assert.notEqual(e.code, STATUS.OK);
      const many = {};
      for (let i = 0; i < 400; i++) many[`x-h${i}`] = 'v'.repeat(100);
      const e2 = await expectError(c.listActions({ deadlineMs: 5000, headers: many }));
      assert.notEqual(e2.code, STATUS.OK);
    } finally {
      c.close();
    }
    await normalCallsWork('after oversized headers');
    checkRss('oversized headers');
  });
});
