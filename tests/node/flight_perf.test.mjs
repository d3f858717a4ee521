// Independent-client tests (grpc-js + apache-arrow) on the `perf` example
// (Arrow's perf protocol): GetFlightInfo endpoints, DoGet row counts across
// batches, DoPut with echoed app_metadata, a client cancel mid-DoGet that the
// server observes (its DEBUG "rpc_finished" log event for the DoGet reports
// status "cancelled"), and a short deadline on an endless stream ending with
// DEADLINE_EXCEEDED. Afterwards DoAction ping still answers.
import test from 'node:test';
import assert from 'node:assert/strict';
import { startServer, haveServer, DEBUG_RPC_LOGGING } from './lib/server.mjs';
import { FlightClient, cmdDescriptor, nextMessage, STATUS } from './lib/flight.mjs';
import { flightDataToTable, tableToFlightGroups } from './lib/arrow_flight.mjs';
import { simpleTable } from './lib/fixtures.mjs';

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
