// Independent-client tests (grpc-js + apache-arrow) on the `perf` example
// (Arrow's perf protocol): GetFlightInfo endpoints, DoGet row counts across
// batches, the generated values of concurrent DoGets of two batch sizes, DoPut with echoed app_metadata, a client cancel mid-DoGet that the
// server observes (its DEBUG "rpc_finished" log event for the DoGet reports
// status "cancelled"), and a short deadline on an endless stream ending with
// DEADLINE_EXCEEDED. DoExchange echo: a multi-type table with dictionaries,
// app_metadata and a metadata-only message comes back identical; batches above
// max_batch_bytes come back sliced with the same values; a record batch before
// the schema gets INVALID_ARGUMENT; a client cancel mid-exchange is seen by the
// server as "cancelled". Afterwards DoAction ping still answers.
import test from 'node:test';
import assert from 'node:assert/strict';
import * as A from 'apache-arrow';
import { startServer, haveServer, DEBUG_RPC_LOGGING } from './lib/server.mjs';
import { FlightClient, cmdDescriptor, nextMessage, settle, STATUS } from './lib/flight.mjs';
import { flightDataToTable, tableRows, tableToFlightGroups } from './lib/arrow_flight.mjs';
import { multiTypeTable, simpleTable } from './lib/fixtures.mjs';

const skip = !haveServer('perf') && 'server binary or libperf.so not built';

function varint(v) {
  const out = [];
  let n = BigInt(v);
  while (n >= 0x80n) { out.push(Number((n & 0x7fn) | 0x80n)); n >>= 7n; }
  out.push(Number(n));
  return Buffer.from(out);
}

/** perf.Perf{2 stream_count, 3 records_per_stream, 4 records_per_batch}. */
export function perfCmd(streams, records, perBatch) {
  return Buffer.concat([Buffer.from([0x10]), varint(streams), Buffer.from([0x18]), varint(records),
    Buffer.from([0x20]), varint(perBatch)]);
}

/** Writes `msgs` on a DoExchange, half-closes, resolves {messages, error, status}. */
function exchange(client, msgs, deadlineMs = 30000) {
  const call = client.doExchangeCall({ deadlineMs });
  const done = settle(call);
  for (const m of msgs) call.write(m);
  call.end();
  return done;
}

/** Four int64 columns a..d, `batches` batches of `rows` rows, values from a seeded xorshift. */
function int64Table(batches, rows) {
  let x = 0x2545F4914F6CDD1Dn;
  const next = () => { x ^= (x << 13n) & 0xFFFFFFFFFFFFFFFFn; x ^= x >> 7n; x ^= (x << 17n) & 0xFFFFFFFFFFFFFFFFn; return x; };
  const out = [];
  for (let b = 0; b < batches; b++) {
    const cols = {};
    for (const name of ['a', 'b', 'c', 'd']) {
      const v = new BigInt64Array(rows);
      const seed = next();
      for (let i = 0; i < rows; i++) v[i] = BigInt.asIntN(64, seed + BigInt(i) * 0x9E3779B97F4A7C15n);
      cols[name] = A.makeVector(v);
    }
    out.push(new A.RecordBatch(Object.fromEntries(Object.entries(cols).map(([k, v]) => [k, v.data[0]]))));
  }
  return new A.Table(out);
}

function columnBytes(table, name) {
  const v = table.getChild(name).toArray();
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

function rpcFinished(stderr, method) {
  return stderr.split('\n').filter((l) => l.includes('"rpc_finished"') && l.includes(method))
    .map((l) => { try { return JSON.parse(l); } catch { return null; } }).filter(Boolean);
}

test('perf example: streams, cancel, deadline', { skip, timeout: 120000 }, async (t) => {
  const srv = await startServer({ example: 'perf', loggingConfig: DEBUG_RPC_LOGGING });
  const client = new FlightClient(srv.address);
  try {
    await t.test('GetFlightInfo + DoGet on every endpoint', async () => {
      const info = await client.getFlightInfo(cmdDescriptor(perfCmd(3, 10000, 4096)), { deadlineMs: 5000 });
      assert.equal(info.endpoint.length, 3);
      assert.equal(info.total_records, '30000');
      for (const ep of info.endpoint) {
        const got = flightDataToTable(await client.doGet(ep.ticket.ticket, { deadlineMs: 10000 }));
        assert.equal(got.table.numRows, 10000);
        assert.deepEqual(got.table.schema.fields.map((f) => f.name), ['a', 'b', 'c', 'd']);
        assert.equal(got.table.batches.length, 3, '4096 + 4096 + 1808 rows');
        assert.equal(got.table.batches[2].numRows, 10000 - 2 * 4096);
      }
    });

    await t.test('concurrent DoGets of two batch sizes each get their own values', async () => {
      // The server generates a batch size's columns once (xorshift64 from a fixed
      // seed, column after column, value = state >> 1) and shares them among the
      // DoGets that run at the same time; every batch re-sends them (the last cut short).
      const expected = (rows) => {
        let x = 0x9E3779B97F4A7C15n;
        const cols = [];
        for (let c = 0; c < 4; c++) {
          const v = new BigInt64Array(rows);
          for (let r = 0; r < rows; r++) {
            x ^= (x << 13n) & 0xFFFFFFFFFFFFFFFFn; x ^= x >> 7n; x ^= (x << 17n) & 0xFFFFFFFFFFFFFFFFn;
            v[r] = x >> 1n;
          }
          cols.push(v);
        }
        return cols;
      };
      const sizes = [4096, 1000, 4096, 1000, 4096, 1000];
      const infos = await Promise.all(sizes.map((b) =>
        client.getFlightInfo(cmdDescriptor(perfCmd(1, 10000, b)), { deadlineMs: 5000 })));
      const gots = await Promise.all(infos.map((info) =>
        client.doGet(info.endpoint[0].ticket.ticket, { deadlineMs: 20000 })));
      gots.forEach((msgs, i) => {
        const want = expected(sizes[i]);
        const table = flightDataToTable(msgs).table;
        assert.equal(table.numRows, 10000);
        assert.equal(table.batches.length, Math.ceil(10000 / sizes[i]));
        for (const batch of table.batches) {
          ['a', 'b', 'c', 'd'].forEach((name, c) => {
            const got = batch.getChild(name).toArray();
            assert.deepEqual(got, want[c].subarray(0, got.length), `stream ${i} column ${name}`);
          });
        }
      });
    });

    await t.test('DoPut echoes app_metadata', async () => {
      const call = client.doPutCall({ deadlineMs: 10000 });
      const groups = tableToFlightGroups(simpleTable(300, 100), {
        descriptor: cmdDescriptor(perfCmd(1, 300, 100)),
        appMetadata: (i) => Buffer.from(`m${i}`),
      });
      for (const g of groups) for (const m of g) call.write(m);
      call.end();
      const acks = [];
      for (let m; (m = await nextMessage(call, 10000));) acks.push(m.app_metadata.toString());
      assert.deepEqual(acks, ['m0', 'm1', 'm2']);
    });

    await t.test('client cancel mid-DoGet releases the server-side stream', async () => {
      const info = await client.getFlightInfo(cmdDescriptor(perfCmd(1, 1e12, 65536)), { deadlineMs: 5000 });
      const before = rpcFinished(srv.stderr(), 'DoGet').length;
      const call = client.doGetCall(info.endpoint[0].ticket.ticket, { deadlineMs: 60000 });
      const err = new Promise((resolve) => call.on('error', resolve));
      for (let i = 0; i < 3; i++) assert.ok(await nextMessage(call, 10000));
      call.cancel();
      assert.equal((await err).code, STATUS.CANCELLED);
      const seen = await srv.waitForLog((s) => rpcFinished(s, 'DoGet').length > before, 10000);
      assert.ok(seen, `no rpc_finished event for the cancelled DoGet: ${srv.stderr().slice(-2000)}`);
      const ev = rpcFinished(srv.stderr(), 'DoGet').slice(-1)[0];
      assert.equal(ev.status, 'cancelled', JSON.stringify(ev));
    });

    await t.test('short deadline on an endless DoGet -> DEADLINE_EXCEEDED', async () => {
      const info = await client.getFlightInfo(cmdDescriptor(perfCmd(1, 1e12, 65536)), { deadlineMs: 5000 });
      const before = rpcFinished(srv.stderr(), 'DoGet').length;
      const t0 = Date.now();
      const call = client.doGetCall(info.endpoint[0].ticket.ticket, { deadlineMs: 500 });
      const e = await new Promise((resolve) => {
        call.on('data', () => {});
        call.on('error', resolve);
        call.on('end', () => resolve(null));
      });
      assert.ok(e, 'stream failed');
      assert.equal(e.code, STATUS.DEADLINE_EXCEEDED);
      assert.ok(Date.now() - t0 < 5000, 'ended near the deadline');
      const seen = await srv.waitForLog((s) => rpcFinished(s, 'DoGet').length > before, 10000);
      assert.ok(seen, 'server released the timed-out DoGet');
      const ev = rpcFinished(srv.stderr(), 'DoGet').slice(-1)[0];
      assert.notEqual(ev.status, 'ok', JSON.stringify(ev));
    });

    await t.test('DoExchange echoes schema, batches, app_metadata and metadata-only messages', async () => {
      const table = multiTypeTable(3, 10);
      const groups = tableToFlightGroups(table, {
        descriptor: cmdDescriptor(Buffer.from('echo')),
        appMetadata: (i) => (i === 1 ? null : Buffer.from(`batch-${i}`)),
      });
      const msgs = [...groups[0], ...groups[1], { app_metadata: Buffer.from('between') }, ...groups.slice(2).flat()];
      const r = await exchange(client, msgs);
      assert.equal(r.error, null, r.error && r.error.details);
      const got = flightDataToTable(r.messages);
      assert.equal(got.table.numRows, table.numRows);
      assert.deepEqual(got.table.schema.fields.map((f) => `${f.name}:${f.type}`),
        table.schema.fields.map((f) => `${f.name}:${f.type}`));
      assert.deepEqual(tableRows(got.table), tableRows(table));
      assert.deepEqual(got.appMetadata.map((b) => b && b.toString()), ['batch-0', null, 'batch-2']);
      assert.deepEqual(got.metadataOnly.map((b) => b.toString()), ['between']);
      // The metadata-only message comes back between the first two batches.
      const order = r.messages.map((m) => (m.data_header && m.data_header.length ? 'h' : 'm')).join('');
      assert.match(order, /^h+h+mh+$/, order);
    });

    await t.test('DoExchange echo of batches above max_batch_bytes: same values, sliced', async () => {
      const table = int64Table(2, 150000); // 4.8 MB per batch; the server slices above 4,128,768 bytes
      const r = await exchange(client, tableToFlightGroups(table).flat());
      assert.equal(r.error, null, r.error && r.error.details);
      const got = flightDataToTable(r.messages).table;
      assert.equal(got.numRows, 300000);
      assert.ok(got.batches.length > 2, `${got.batches.length} batches`);
      for (const c of ['a', 'b', 'c', 'd']) assert.ok(columnBytes(got, c).equals(columnBytes(table, c)), c);
    });

    await t.test('DoExchange: a record batch before the schema -> INVALID_ARGUMENT', async () => {
      const groups = tableToFlightGroups(simpleTable(20, 10));
      const before = rpcFinished(srv.stderr(), 'DoExchange').length;
      const r = await exchange(client, [{ flight_descriptor: cmdDescriptor(Buffer.from('x')) }, ...groups[1]]);
      assert.ok(r.error, 'the call failed');
      assert.equal(r.error.code, STATUS.INVALID_ARGUMENT);
      assert.match(r.error.details, /record batch message before the schema/);
      assert.equal(r.messages.length, 0);
      // Log lines trail the calls' ends: look for this call's among the events since `before`.
      const mine = (s) => rpcFinished(s, 'DoExchange').slice(before).find((e) => e.status === 'invalid_argument');
      assert.ok(await srv.waitForLog(mine, 10000), srv.stderr().slice(-2000));
    });

    await t.test('client cancel mid-DoExchange ends the server side as cancelled', async () => {
      const before = rpcFinished(srv.stderr(), 'DoExchange').length;
      const groups = tableToFlightGroups(int64Table(3, 1000));
      const call = client.doExchangeCall({ deadlineMs: 60000 });
      const err = new Promise((resolve) => call.on('error', resolve));
      for (const m of groups.slice(0, 3).flat()) call.write(m);
      const first = await nextMessage(call, 10000); // the schema
      assert.ok(first && first.data_header.length);
      for (let i = 0; i < 2; i++) assert.ok((await nextMessage(call, 10000)).data_body.length, `echo ${i}`);
      call.cancel();
      assert.equal((await err).code, STATUS.CANCELLED);
      const mine = (s) => rpcFinished(s, 'DoExchange').slice(before).find((e) => e.status !== 'ok');
      const seen = await srv.waitForLog(mine, 10000);
      assert.ok(seen, `no rpc_finished event for the cancelled DoExchange: ${srv.stderr().slice(-2000)}`);
      const ev = mine(srv.stderr());
      assert.equal(ev.status, 'cancelled', JSON.stringify(ev));
      // The next exchange on the same connection is echoed in full.
      const r = await exchange(client, groups.flat());
      assert.equal(r.error, null, r.error && r.error.details);
      assert.equal(flightDataToTable(r.messages).table.numRows, 3000);
    });

    await t.test('server still answers after cancels', async () => {
      const r = await client.doAction('ping', Buffer.alloc(0), { deadlineMs: 5000 });
      assert.deepEqual(r.map((x) => x.body.toString()), ['ok']);
    });
  } finally {
    client.close();
    const r = await srv.stop();
    assert.equal(r.code, 0, `server exit ${JSON.stringify(r)}: ${srv.stderr().slice(-2000)}`);
  }
});
