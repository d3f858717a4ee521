// Every one of the ten Flight methods, called through grpc-js against a real
// server (test plugin liballmethods.so), shows up on the scraped /metrics page
// with sent and received messages and bytes: gdfs_rpc_sent_messages_total,
// gdfs_rpc_sent_bytes_total, gdfs_rpc_received_messages_total and
// gdfs_rpc_received_bytes_total grow by what the client saw for each method.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FlightClient, METHODS, cmdDescriptor, pathDescriptor, settle } from './lib/index.mjs';
import { tableToFlightData } from './lib/arrow_flight.mjs';
import { simpleTable } from './lib/fixtures.mjs';
import { haveBinaryAnd, httpGet, startOps, testPlugin } from './lib/ops_harness.mjs';

const PLUGIN = testPlugin('allmethods');
const SKIP = haveBinaryAnd(PLUGIN) ? false : 'server binary or liballmethods.so not built';

/** Value of `name{method="m"}` (0 when absent). */
function sample(page, name, method) {
  const prefix = `${name}{method="${method}"} `;
  const line = page.split('\n').find((l) => l.startsWith(prefix));
  return line ? Number(line.slice(prefix.length).trim().split(' ')[0]) : 0;
}

/** Writes `requests` on a duplex call, half-closes and collects the answers. */
async function duplex(call, requests) {
  for (const r of requests) call.write(r);
  call.end();
  const r = await settle(call);
  assert.equal(r.error, null, r.error && r.error.message);
  return r.messages;
}

/** Calls every method once; returns {method: number of response messages}. */
async function callAll(c) {
  const data = tableToFlightData(simpleTable(30, 10), {
    descriptor: pathDescriptor('t'), appMetadata: (i) => Buffer.from(String(i)),
  });
  const got = {};
  got.DoPut = (await duplex(c.doPutCall({ deadlineMs: 10000 }), data)).length;
  got.Handshake = (await duplex(c.handshakeCall(),
    [{ protocol_version: 1, payload: Buffer.from('hello') }])).length;
  got.ListFlights = (await c.listFlights()).length;
  await c.getFlightInfo(pathDescriptor('t'));
  got.GetFlightInfo = 1;
  await c.pollFlightInfo(cmdDescriptor('q'));
  got.PollFlightInfo = 1;
  await c.getSchema(pathDescriptor('t'));
  got.GetSchema = 1;
  got.DoGet = (await c.doGet('t')).length;
  got.DoExchange = (await duplex(c.doExchangeCall({ deadlineMs: 10000 }), data)).length;
  const pong = await c.doAction('ping');
  assert.equal(Buffer.from(pong[0].body).toString(), 'pong');
  got.DoAction = pong.length;
  got.ListActions = (await c.listActions()).length;
  return got;
}

describe('per-method RPC metrics', { skip: SKIP }, () => {
  test('all ten methods count sent and received messages and bytes', async () => {
    const srv = await startOps(PLUGIN, { metrics: true });
    const c = new FlightClient(srv.address);
    let stopped = false;
    try {
      const before = (await httpGet(srv.metricsPort, '/metrics')).body;
      const got = await callAll(c);
      const page = (await httpGet(srv.metricsPort, '/metrics')).body;
      const moved = (name, m) => sample(page, `gdfs_rpc_${name}`, m) - sample(before, `gdfs_rpc_${name}`, m);
      for (const m of METHODS) {
        assert.ok(got[m] >= 1, `${m}: the client received ${got[m]} messages`);
        assert.equal(moved('sent_messages_total', m), got[m], `${m}: sent messages`);
        assert.ok(moved('sent_bytes_total', m) > 0, `${m}: sent bytes`);
        assert.ok(moved('received_messages_total', m) >= 1, `${m}: received messages`);
        assert.ok(moved('received_bytes_total', m) >= 0, `${m}: received bytes`);
        assert.equal(moved('started_total', m), 1, `${m}: started`);
      }
      // Requests with a body: every method but ListActions (Empty) and
      // ListFlights (empty Criteria) sends bytes.
      for (const m of METHODS.filter((x) => x !== 'ListActions' && x !== 'ListFlights'))
        assert.ok(moved('received_bytes_total', m) > 0, `${m}: received bytes`);
      assert.equal(moved('received_messages_total', 'DoPut'), 4, 'DoPut: schema + 3 batches');
      assert.equal(moved('received_messages_total', 'DoExchange'), 4, 'DoExchange: schema + 3 batches');
      c.close();
      stopped = true;
      const r = await srv.stop();
      assert.equal(r.code, 0, `server exit ${JSON.stringify(r)}: ${srv.stderr().slice(-3000)}`);
    } finally {
      if (!stopped) {
        c.close();
        await srv.stop();
      }
    }
  });
});
