// Transport receive path (src/transport/h2_call.c, h2_loop.c) driven by a
// raw node:http2 client (Node's own HTTP/2 stack, not grpc-js) against the
// store example: uploads whose bytes arrive in every shape the server's
// in-place reads and payload alignment must handle, each read back with
// grpc-js + apache-arrow and compared row by row:
//   * one large write per message (DATA payload read straight into the
//     message buffer);
//   * padded DATA frames (PADDING_STRATEGY_MAX: never read in place);
//   * the byte stream cut into 1..2999-byte writes with pauses, so frame
//     headers, gRPC prefixes and the FlightData header arrive split;
//   * data_body placed before data_header (valid protobuf field order) and
//     an app_metadata longer than the bytes the server inspects to find the
//     body (it then falls back to an unaligned buffer);
//   * whole and shredded uploads over TLS (SSL_read into the message buffer);
// and clients that lie: a declared 60 MiB message that ends early, or is
// reset midway, gets an error, commits nothing, and the server keeps serving;
// 16 such streams open at once (960 MiB declared) keep the server's RSS under
// 256 MiB (1 GiB for sanitizer builds): only bytes that arrive become resident.
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { describe, test } from 'node:test';
import * as A from 'apache-arrow';

import { FlightClient, codec, pathDescriptor, rowsOf } from './lib/flight.mjs';
import { flightDataToTable, tableRows, tableToFlightGroups } from './lib/arrow_flight.mjs';
import { haveServer, withServer } from './lib/server.mjs';
import grpc from '@grpc/grpc-js';
import { grpcMessage, haveOpenssl, makeCerts, rssBytes, rssLimitBytes } from '../security/helpers.mjs';

const SKIP = haveServer('store') ? false : 'server binary or libstore.so not built';
const RSS_LIMIT = rssLimitBytes(256);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const DOPUT = '/arrow.flight.protocol.FlightService/DoPut';

/** 3 batches of 20,000 rows: int64 + utf8 + float64 (about 500 KB each). */
function bigTable(seed) {
  const batches = [];
  for (let b = 0; b < 3; b++) {
    const n = 20000 - b * 7;
    const ids = Array.from({ length: n }, (_, i) => BigInt(seed * 1000000 + b * 100000 + i));
    batches.push(new A.RecordBatch({
      id: A.vectorFromArray(ids, new A.Int64()).data[0],
      name: A.vectorFromArray(ids.map((i) => `r${i}${'x'.repeat(Number(i % 13n))}`), new A.Utf8()).data[0],
      v: A.vectorFromArray(ids.map((i) => Number(i) / 3), new A.Float64()).data[0],
    }));
  }
  return new A.Table(batches);
}

/** Hand-encoded FlightData with data_body (field 1000) before data_header (2). */
function bodyFirst(fd) {
  const varint = (n) => {
    const out = [];
    for (; n >= 0x80; n = Math.floor(n / 128)) out.push((n & 0x7f) | 0x80);
    out.push(n);
    return Buffer.from(out);
  };
  const field = (tag, b) => Buffer.concat([varint(tag), varint(b.length), Buffer.from(b)]);
  const { serialize } = codec('FlightData');
  const parts = [field((1000 << 3) | 2, fd.data_body || Buffer.alloc(0)), field((2 << 3) | 2, fd.data_header)];
  if (fd.flight_descriptor) parts.push(Buffer.from(serialize({ flight_descriptor: fd.flight_descriptor })));
  if (fd.app_metadata) parts.push(field((3 << 3) | 2, fd.app_metadata));
  return Buffer.concat(parts);
}

/** The DoPut byte stream of `table` stored as `name`. */
function uploadBytes(table, name, { metadata, order } = {}) {
  const { serialize } = codec('FlightData');
  const msgs = tableToFlightGroups(table, { descriptor: pathDescriptor(name), appMetadata: metadata }).flat();
  return Buffer.concat(msgs.map((m, i) => grpcMessage(order === 'body-first' && i > 0 ? bodyFirst(m) : serialize(m))));
}

/** Opens a raw DoPut; resolves {status, message} from the trailers (or the stream's end). */
function rawDoPut(session) {
  const st = session.request({ ':method': 'POST', ':path': DOPUT, 'content-type': 'application/grpc', te: 'trailers' });
  st.on('error', () => {});
  st.on('data', () => {});
  const done = new Promise((resolve) => {
    let headers = {};
    st.on('response', (h) => { headers = h; });
    st.on('trailers', (t) => resolve({ status: Number(t['grpc-status']), message: t['grpc-message'] }));
    st.on('close', () => resolve({ status: headers['grpc-status'] !== undefined ? Number(headers['grpc-status']) : -1,
      message: headers['grpc-message'], rst: st.rstCode }));
  });
  return { st, done };
}

async function writeAll(st, chunks, pauseEvery = 0) {
  for (let i = 0; i < chunks.length; i++) {
    if (!st.write(chunks[i])) await new Promise((r) => st.once('drain', r));
    if (pauseEvery && i % pauseEvery === pauseEvery - 1) await sleep(1);
  }
}

/** Splits `buf` into pseudo-random 1..2999-byte pieces (deterministic). */
function shreds(buf) {
  const out = [];
  let x = 12345;
  for (let off = 0; off < buf.length;) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    const n = Math.min(1 + (x % 2999), buf.length - off);
    out.push(buf.subarray(off, off + n));
    off += n;
  }
  return out;
}

async function readBack(client, name) {
  const info = await client.getFlightInfo(pathDescriptor(name), { deadlineMs: 10000 });
  const msgs = await client.doGet(info.endpoint[0].ticket.ticket, { deadlineMs: 20000 });
  return flightDataToTable(msgs).table;
}

async function uploadAndCompare(srv, client, name, shape) {
  const table = bigTable(name.length);
  const bytes = uploadBytes(table, name, shape.upload);
  const session = http2.connect(`${shape.scheme || 'http'}://127.0.0.1:${srv.port}`, shape.session || {});
  session.on('error', () => {});
  try {
    const { st, done } = rawDoPut(session);
    await writeAll(st, shape.split ? shreds(bytes) : [bytes], shape.split ? 40 : 0);
    st.end();
    const r = await done;
    assert.equal(r.status, 0, `${name}: DoPut status ${r.status} ${r.message}`);
  } finally {
    session.close();
  }
  const got = await readBack(client, name);
  assert.equal(got.numRows, table.numRows, `${name}: rows`);
  assert.deepEqual(tableRows(got), tableRows(table), `${name}: values`);
}

describe('transport receive path: uploads in every shape, read back equal', { skip: SKIP }, () => {
  test('large writes, padded frames, shredded writes, body-first and long app_metadata', { timeout: 120000 }, async () => {
    await withServer({ example: 'store' }, async (srv) => {
      const client = new FlightClient(srv.address);
      try {
        await uploadAndCompare(srv, client, 'whole', {});
        await uploadAndCompare(srv, client, 'padded', { session: { paddingStrategy: http2.constants.PADDING_STRATEGY_MAX } });
        await uploadAndCompare(srv, client, 'shredded', { split: true });
        await uploadAndCompare(srv, client, 'bodyfirst', { upload: { order: 'body-first' }, split: true });
        const md = (i) => Buffer.alloc(5003 + i, 0x61 + i);
        await uploadAndCompare(srv, client, 'longmeta', { upload: { metadata: md } });
      } finally {
        client.close();
      }
    });
  });

  test('over TLS: large writes and shredded writes read back equal', { timeout: 60000, skip: haveOpenssl() ? false : 'openssl CLI not available' }, async () => {
    const certs = makeCerts();
    const creds = grpc.credentials.createSsl(certs.pem('ca.pem'));
    const tls = ['use_tls = true', `tls_certificate = "@${certs.path('server.pem')}"`,
      `tls_private_key = "@${certs.path('server.key')}"`].join('\n');
    const probe = async (address) => {
      const c = new FlightClient(address, { credentials: creds });
      try { await c.listActions({ deadlineMs: 1000 }); return true; } finally { c.close(); }
    };
    try {
      await withServer({ example: 'store', server: tls, probe }, async (srv) => {
        const client = new FlightClient(srv.address, { credentials: creds });
        const session = { ca: certs.pem('ca.pem') };
        try {
          await uploadAndCompare(srv, client, 'tlswhole', { scheme: 'https', session });
          await uploadAndCompare(srv, client, 'tlsshred', { scheme: 'https', session, split: true });
        } finally {
          client.close();
        }
      });
    } finally {
      certs.cleanup();
    }
  });

  test('a declared 60 MiB message that ends early or is reset commits nothing; the server keeps serving', { timeout: 60000 }, async () => {
    await withServer({ example: 'store' }, async (srv) => {
      const client = new FlightClient(srv.address);
      const session = http2.connect(`http://127.0.0.1:${srv.port}`);
      session.on('error', () => {});
      try {
        const table = bigTable(1);
        const good = uploadBytes(table, 'liar');
        const schemaLen = 5 + good.readUInt32BE(1);
        const lie = Buffer.alloc(5);
        lie.writeUInt32BE(60 << 20, 1);
        const body = good.subarray(schemaLen + 5, schemaLen + 5 + 300000);

        const early = rawDoPut(session);
        await writeAll(early.st, [good.subarray(0, schemaLen), lie, body]);
        early.st.end();
        const r = await early.done;
        assert.notEqual(r.status, 0, 'a message cut short by the end of the stream is an error');
        assert.equal(await rowsOf(client, 'liar'), null, 'nothing committed');

        const reset = rawDoPut(session);
        await writeAll(reset.st, [good.subarray(0, schemaLen), lie, body]);
        await sleep(100);
        reset.st.close(http2.constants.NGHTTP2_CANCEL);
        await reset.done;
        await sleep(100);
        assert.equal(await rowsOf(client, 'liar'), null, 'nothing committed after the reset');

        const liars = [];
        for (let i = 0; i < 16; i++) {
          const l = rawDoPut(session);
          await writeAll(l.st, [good.subarray(0, schemaLen), lie, body]);
          liars.push(l);
        }
        await sleep(300);
        const rss = rssBytes(srv.child.pid);
        assert.ok(rss !== null && rss < RSS_LIMIT, `RSS ${rss} with 16 x 60 MiB declared`);
        for (const l of liars) l.st.close(http2.constants.NGHTTP2_CANCEL);
        await Promise.all(liars.map((l) => l.done));

        await uploadAndCompare(srv, client, 'after', {});
      } finally {
        session.destroy();
        client.close();
      }
    });
  });
});
