// Security: data integrity and capacity under hostile DoPut clients (store
// example, grpc-js client over loopback): 20,000 one-row batches decode into
// data the stored table owns; a DoPut that is cancelled, passes its deadline
// or loses its TCP connection before ending its stream is never committed
// (and an existing dataset of the same name stays); silent uploads cannot
// take the workers of unary calls, are cancelled after
// server.stream_idle_timeout_sec, and a client cancel wakes the plugin's
// blocked read with an error; concurrent large uploads beyond
// server.max_receive_buffer_bytes fail with RESOURCE_EXHAUSTED naming it.
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import { describe, test } from 'node:test';
import * as A from 'apache-arrow';

import { FlightClient, STATUS, codec, nextMessage, pathDescriptor, rowsOf, settle } from './lib/flight.mjs';
import { flightDataToTable, tableToFlightGroups } from './lib/arrow_flight.mjs';
import { DEBUG_RPC_LOGGING, haveServer, withServer } from './lib/server.mjs';
import { grpcMessage } from '../security/helpers.mjs';

const SKIP = haveServer('store') ? false : 'server binary or libstore.so not built';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** FlightData of a one-column int64 table: {schema, batch(value) -> FlightData}. */
function tinyBatches(name) {
  const groups = tableToFlightGroups(A.tableFromArrays({ n: new BigInt64Array([0n]) }), {
    descriptor: pathDescriptor(name),
  });
  const schema = groups[0][0];
  const proto = groups[1][0];
  return {
    schema,
    batch(v) {
      const body = Buffer.from(proto.data_body);
      body.writeBigInt64LE(BigInt(v), 0);
      return { data_header: proto.data_header, data_body: body };
    },
  };
}

/** Writes honouring back-pressure. */
async function write(call, msg) {
  if (!call.write(msg)) await new Promise((r) => call.once('drain', r));
}

/** Complete DoPut of `rows` one-row batches (values 0..rows-1). */
async function putRows(client, name, rows) {
  const { schema, batch } = tinyBatches(name);
  const call = client.doPutCall({ deadlineMs: 60000 });
  const done = settle(call);
  await write(call, schema);
  for (let i = 0; i < rows; i++) await write(call, batch(i));
  call.end();
  const r = await done;
  assert.equal(r.error, null, `DoPut ${name}: ${r.error && r.error.details}`);
  return r.messages.length;
}

/** Opens a DoPut, sends the schema and `n` batches and waits for their acks. */
async function startUpload(client, name, n, opts = {}) {
  const { schema, batch } = tinyBatches(name);
  const call = client.doPutCall({ deadlineMs: opts.deadlineMs || 60000 });
  const err = new Promise((resolve) => call.on('error', resolve));
  call.write(schema);
  for (let i = 0; i < n; i++) {
    call.write(batch(1000 + i));
    assert.ok(await nextMessage(call, 10000), `ack ${i}`);
  }
  return { call, err };
}

function doPutsFinished(srv) {
  return srv.stderr().split('\n').filter((l) => l.includes('"rpc_finished"') && l.includes('DoPut'))
    .map((l) => { try { return JSON.parse(l); } catch { return null; } }).filter(Boolean);
}

/** Waits until the server finalised `count` DoPuts; returns their events. */
async function waitDoPuts(srv, count) {
  const ok = await srv.waitForLog(() => doPutsFinished(srv).length >= count, 15000);
  assert.ok(ok, `expected ${count} finished DoPuts: ${srv.stderr().slice(-2000)}`);
  return doPutsFinished(srv);
}

/** A TCP proxy to `port` whose connections the test can cut. */
function tcpProxy(port) {
  const sockets = new Set();
  const server = net.createServer((inbound) => {
    const outbound = net.connect(port, '127.0.0.1');
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => sockets.delete(s));
    }
    inbound.pipe(outbound);
    outbound.pipe(inbound);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    address: `127.0.0.1:${server.address().port}`,
    cut() { for (const s of sockets) s.destroy(); },
    close() { this.cut(); server.close(); },
  })));
}

describe('integrity: DoPut decode and aborted uploads', { skip: SKIP }, () => {
  test('20,000 one-row batches are stored and read back equal', { timeout: 240000 }, async () => {
    await withServer({ example: 'store' }, async (srv) => {
      const client = new FlightClient(srv.address);
      try {
        const rows = 20000;
        const acks = await putRows(client, 'tiny', rows);
        assert.equal(acks, rows, 'one ack per batch');
        const got = flightDataToTable(await client.doGet('tiny', { deadlineMs: 60000 })).table;
        assert.equal(got.numRows, rows);
        const col = got.getChild('n');
        for (let i = 0; i < rows; i++) assert.equal(col.get(i), BigInt(i), `row ${i}`);
      } finally {
        client.close();
      }
    });
  });

  test('cancel, deadline and TCP drop before the end of the stream commit nothing', { timeout: 120000 }, async () => {
    await withServer({ example: 'store', loggingConfig: DEBUG_RPC_LOGGING }, async (srv) => {
      const client = new FlightClient(srv.address);
      const proxy = await tcpProxy(srv.port);
      const viaProxy = new FlightClient(proxy.address);
      try {
        for (const name of ['c-keep', 'd-keep', 't-keep']) await putRows(client, name, 3);
        let finished = (await waitDoPuts(srv, 3)).length;

        // Cancel (RST_STREAM) after 5 batches and 5 acks.
        for (const name of ['c-new', 'c-keep']) {
          const up = await startUpload(client, name, 5);
          up.call.cancel();
          assert.equal((await up.err).code, STATUS.CANCELLED);
          const ev = (await waitDoPuts(srv, ++finished)).at(-1);
          assert.equal(ev.status, 'cancelled', JSON.stringify(ev));
        }
        // The deadline passes mid-upload.
        for (const name of ['d-new', 'd-keep']) {
          const up = await startUpload(client, name, 5, { deadlineMs: 1500 });
          assert.equal((await up.err).code, STATUS.DEADLINE_EXCEEDED);
          await waitDoPuts(srv, ++finished);
        }
        // The TCP connection drops without END_STREAM.
        for (const name of ['t-new', 't-keep']) {
          const up = await startUpload(viaProxy, name, 5);
          proxy.cut();
          assert.equal((await up.err).code, STATUS.UNAVAILABLE);
          await waitDoPuts(srv, ++finished);
        }
        for (const p of ['c', 'd', 't']) {
          assert.equal(await rowsOf(client, `${p}-new`), null, `${p}-new must not exist`);
          assert.equal(await rowsOf(client, `${p}-keep`), 3, `${p}-keep must keep its 3 rows`);
        }
        // A complete upload still commits.
        await putRows(client, 'c-keep', 7);
        assert.equal(await rowsOf(client, 'c-keep'), 7);
      } finally {
        viaProxy.close();
        proxy.close();
        client.close();
      }
    });
  });
});

describe('integrity: DoExchange reader', { skip: haveServer('counting') ? false : 'libcounting.so not built' }, () => {
  test('a cancelled DoExchange reads as an error, not as the end of the stream', { timeout: 60000 }, async () => {
    await withServer({ example: 'counting', loggingConfig: DEBUG_RPC_LOGGING }, async (srv) => {
      const client = new FlightClient(srv.address);
      const putMessages = async () => JSON.parse(Buffer.from(
        (await client.doAction('counts', Buffer.alloc(0), { deadlineMs: 5000 }))[0].body).toString()).PutMessages;
      try {
        const { schema, batch } = tinyBatches('x');
        const call = client.doExchangeCall({ deadlineMs: 60000 });
        const err = new Promise((resolve) => call.on('error', resolve));
        call.write(schema);
        for (let i = 0; i < 3; i++) call.write(batch(i));
        for (let i = 0; i < 100 && (await putMessages()) < 3; i++) await sleep(50);
        assert.equal(await putMessages(), 3, 'the plugin read the 3 batches');
        call.cancel();
        assert.equal((await err).code, STATUS.CANCELLED);
        const finished = () => srv.stderr().split('\n').filter((l) => l.includes('"rpc_finished"') && l.includes('DoExchange'));
        assert.ok(await srv.waitForLog(() => finished().length > 0, 15000), srv.stderr().slice(-2000));
        const ev = JSON.parse(finished()[0]);
        assert.equal(ev.status, 'cancelled', JSON.stringify(ev));
        assert.match(ev.error, /before the client ended its stream/, JSON.stringify(ev));
      } finally {
        client.close();
      }
    });
  });
});

describe('capacity: silent uploads', { skip: SKIP }, () => {
  test('silent DoPuts beyond rpc_threads leave unary calls served', { timeout: 60000 }, async () => {
    await withServer({ example: 'store', server: 'rpc_threads = 2\nstream_idle_timeout_sec = 0' }, async (srv) => {
      const hog = new FlightClient(srv.address);
      const client = new FlightClient(srv.address);
      const calls = [];
      try {
        await putRows(client, 'ds', 2);
        for (let i = 0; i < 6; i++) {
          const call = hog.doPutCall({ deadlineMs: 60000 });
          call.on('error', () => {});
          call.write(tinyBatches(`silent${i}`).schema);
          calls.push(call);
        }
        await sleep(500);
        const t0 = Date.now();
        const actions = await client.listActions({ deadlineMs: 3000 });
        assert.ok(actions.some((a) => a.type === 'drop'));
        assert.equal(await rowsOf(client, 'ds'), 2);
        const got = flightDataToTable(await client.doGet('ds', { deadlineMs: 3000 })).table;
        assert.equal(got.numRows, 2);
        assert.ok(Date.now() - t0 < 3000, `unary calls took ${Date.now() - t0} ms`);
      } finally {
        for (const c of calls) c.cancel();
        hog.close();
        client.close();
      }
    });
  });

  test('a silent stream is cancelled after stream_idle_timeout_sec', { timeout: 60000 }, async () => {
    await withServer({ example: 'store', server: 'stream_idle_timeout_sec = 1' }, async (srv) => {
      const client = new FlightClient(srv.address);
      try {
        const up = await startUpload(client, 'idle', 2);
        const t0 = Date.now();
        const e = await up.err;
        const waited = Date.now() - t0;
        assert.equal(e.code, STATUS.DEADLINE_EXCEEDED, `${e.code} ${e.details}`);
        assert.match(e.details, /stream_idle_timeout_sec/);
        assert.ok(waited >= 800 && waited < 6000, `cancelled after ${waited} ms`);
        assert.ok(await srv.waitForLog((s) => s.includes('"stream_idle_timeout"')), 'a stream_idle_timeout warning is logged');
        assert.equal(await rowsOf(client, 'idle'), null, 'the idle upload is not committed');
        // A client that keeps sending within the limit is not cut off.
        const { schema, batch } = tinyBatches('slow');
        const call = client.doPutCall({ deadlineMs: 30000 });
        const done = settle(call);
        call.write(schema);
        for (let i = 0; i < 4; i++) {
          await sleep(400);
          call.write(batch(i));
        }
        call.end();
        const r = await done;
        assert.equal(r.error, null, r.error && r.error.details);
        assert.equal(await rowsOf(client, 'slow'), 4);
      } finally {
        client.close();
      }
    });
  });

  test('a client that stops reading its acks is cancelled after stream_idle_timeout_sec', { timeout: 60000 }, async () => {
    await withServer({ example: 'store', server: 'stream_idle_timeout_sec = 1\nrpc_threads = 1' }, async (srv) => {
      const client = new FlightClient(srv.address);
      try {
        // Every ack echoes 64 KiB of app_metadata; the client never reads them.
        const { schema, batch } = tinyBatches('deaf');
        const md = Buffer.alloc(65536, 7);
        const call = client.doPutCall({ deadlineMs: 30000 });
        const err = new Promise((resolve) => call.on('error', resolve));
        call.write(schema);
        for (let i = 0; i < 400; i++) call.write({ ...batch(i), app_metadata: md });
        const t0 = Date.now();
        const e = await err;
        assert.equal(e.code, STATUS.DEADLINE_EXCEEDED, `${e.code} ${e.details}`);
        assert.match(e.details, /stream_idle_timeout_sec/);
        assert.ok(Date.now() - t0 < 10000);
        await putRows(client, 'after', 2); // the only upload worker is free again
        assert.equal(await rowsOf(client, 'deaf'), null);
      } finally {
        client.close();
      }
    });
  });

  test('a raw HTTP/2 client that sends but never reads its acks is cancelled after stream_idle_timeout_sec', { timeout: 60000 }, async () => {
    const opts = { example: 'store', server: 'stream_idle_timeout_sec = 1\nrpc_threads = 1', loggingConfig: DEBUG_RPC_LOGGING };
    await withServer(opts, async (srv) => {
      const session = http2.connect(`http://127.0.0.1:${srv.port}`);
      session.on('error', () => {});
      const client = new FlightClient(srv.address);
      try {
        const st = session.request({
          ':method': 'POST', ':path': '/arrow.flight.protocol.FlightService/DoPut',
          'content-type': 'application/grpc', te: 'trailers',
        });
        st.on('error', () => {});
        st.pause(); // never reads: the server's acks fill the stream window
        const { serialize } = codec('FlightData');
        const frame = (m) => grpcMessage(serialize(m));
        const { schema, batch } = tinyBatches('deaf');
        const md = Buffer.alloc(65536, 7); // each ack echoes 64 KiB
        st.write(frame(schema));
        for (let i = 0; i < 64; i++) st.write(frame({ ...batch(i), app_metadata: md }));
        const ev = (await waitDoPuts(srv, 1))[0];
        assert.equal(ev.status, 'timed_out', JSON.stringify(ev));
        assert.match(ev.error, /read nothing .*stream_idle_timeout_sec/, JSON.stringify(ev));
        await putRows(client, 'after', 2); // the only upload worker is free again
        assert.equal(await rowsOf(client, 'deaf'), null);
      } finally {
        client.close();
        session.destroy();
      }
    });
  });

  test('a cancelled client wakes the blocked read with an error and frees the worker', { timeout: 60000 }, async () => {
    const opts = { example: 'store', server: 'rpc_threads = 1\nstream_idle_timeout_sec = 0', loggingConfig: DEBUG_RPC_LOGGING };
    await withServer(opts, async (srv) => {
      const client = new FlightClient(srv.address);
      try {
        const call = client.doPutCall({ deadlineMs: 60000 });
        const err = new Promise((resolve) => call.on('error', resolve));
        call.write(tinyBatches('blocked').schema);
        await sleep(300); // the plugin now waits in gf_data_reader_next
        call.cancel();
        assert.equal((await err).code, STATUS.CANCELLED);
        const ev = (await waitDoPuts(srv, 1))[0];
        assert.equal(ev.status, 'cancelled', JSON.stringify(ev));
        assert.match(ev.error, /cancelled/, JSON.stringify(ev));
        const t0 = Date.now();
        await putRows(client, 'next', 3); // needs the only upload worker
        assert.ok(Date.now() - t0 < 5000);
        assert.equal(await rowsOf(client, 'blocked'), null);
        assert.equal(await rowsOf(client, 'next'), 3);
      } finally {
        client.close();
      }
    });
  });
});

describe('memory: server-wide receive budget', { skip: haveServer('counting') ? false : 'libcounting.so not built' }, () => {
  test('concurrent large DoPuts beyond max_receive_buffer_bytes fail cleanly, the server keeps serving', { timeout: 60000 }, async () => {
    const budget = 5 * 1024 * 1024;
    await withServer({ example: 'counting', server: `max_receive_buffer_bytes = ${budget}` }, async (srv) => {
      // 2 MiB batches; the "slow" DoPut holds each one for 20 ms.
      const groups = tableToFlightGroups(A.tableFromArrays({ n: new BigInt64Array(262144) }), {
        descriptor: pathDescriptor('slow'),
      });
      const upload = async () => {
        const c = new FlightClient(srv.address);
        try {
          const call = c.doPutCall({ deadlineMs: 30000 });
          const done = settle(call);
          call.write(groups[0][0]);
          for (let i = 0; i < 10; i++) call.write(groups[1][0]);
          call.end();
          return (await done).error;
        } finally {
          c.close();
        }
      };
      const errors = await Promise.all(Array.from({ length: 6 }, upload));
      const refused = errors.filter(Boolean);
      assert.ok(refused.length > 0, 'six concurrent 2 MiB uploads held together stayed under a 5 MiB budget');
      for (const e of refused) {
        assert.equal(e.code, STATUS.RESOURCE_EXHAUSTED, e.details);
        assert.match(e.details, new RegExp(`server\\.max_receive_buffer_bytes is ${budget}`), e.details);
      }
      assert.ok(srv.stderr().includes('"receive_budget_exceeded"'), 'a receive_budget_exceeded warning is logged');
      // The budget is given back: the server keeps serving, uploads included.
      const client = new FlightClient(srv.address);
      try {
        const actions = await client.listActions({ deadlineMs: 5000 });
        assert.ok(actions.length > 0);
        assert.equal(await upload(), null, 'one upload alone fits the budget');
      } finally {
        client.close();
      }
    });
  });
});
