// Client half of scripts/fresh-check.sh (not part of the suite): talks to a
// server started by the README's run command (the `store` example) over a
// real socket with grpc-js + apache-arrow.
//   node tests/node/fresh_check.mjs probe HOST:PORT      exit 0 once ListFlights answers
//   node tests/node/fresh_check.mjs roundtrip HOST:PORT  DoPut, GetFlightInfo, DoGet; equal?
//   node tests/node/fresh_check.mjs hello HOST:PORT      the tutorial's service (docs/tutorial.md)
//                                                        serves its 4 greetings
import assert from 'node:assert/strict';
import { FlightClient, pathDescriptor, nextMessage } from './lib/flight.mjs';
import { flightDataToTable, tableRows, tableToFlightGroups } from './lib/arrow_flight.mjs';
import { simpleTable } from './lib/fixtures.mjs';

const [mode, address] = process.argv.slice(2);
if (!['probe', 'roundtrip', 'hello'].includes(mode) || !address) {
  console.error('usage: fresh_check.mjs probe|roundtrip|hello HOST:PORT');
  process.exit(2);
}

async function probe(client) {
  await client.listFlights(Buffer.alloc(0), { deadlineMs: 2000 });
}

async function roundtrip(client) {
  const name = `fresh-check-${process.pid}`;
  const table = simpleTable(2500, 1000);
  const call = client.doPutCall({ deadlineMs: 20000 });
  for (const group of tableToFlightGroups(table, { descriptor: pathDescriptor(name) }))
    for (const m of group) call.write(m);
  call.end();
  while (await nextMessage(call, 10000)) { /* acks */ }
  const info = await client.getFlightInfo(pathDescriptor(name), { deadlineMs: 5000 });
  assert.equal(info.total_records, String(table.numRows), 'GetFlightInfo total_records');
  const port = address.slice(address.lastIndexOf(':') + 1);
  const locs = info.endpoint[0].location.map((l) => l.uri);
  assert.ok(locs.length === 0 || locs.some((u) => u.endsWith(`:${port}`)), `endpoint location ${locs}`);
  const got = flightDataToTable(await client.doGet(info.endpoint[0].ticket.ticket, { deadlineMs: 10000 }));
  assert.deepEqual(tableRows(got.table), tableRows(table), 'DoGet returns what DoPut stored');
  console.log(`fresh-check: DoPut/GetFlightInfo/DoGet of ${table.numRows} rows in ${table.batches.length} batches round-tripped`);
}

async function hello(client) {
  const info = await client.getFlightInfo(pathDescriptor('hello'), { deadlineMs: 5000 });
  const got = flightDataToTable(await client.doGet(info.endpoint[0].ticket.ticket, { deadlineMs: 10000 }));
  assert.deepEqual(got.table.getChild('message').toArray(), ['hi #0', 'hi #1', 'hi #2', 'hi #3']);
  console.log(`fresh-check: the tutorial's service answered at ${info.endpoint[0].location.map((l) => l.uri)}`);
}

const client = new FlightClient(address);
try {
  await ({ probe, roundtrip, hello })[mode](client);
} catch (e) {
  if (mode !== 'probe') console.error(`fresh-check: ${mode} failed: ${e.stack || e}`);
  process.exitCode = 1;
} finally {
  client.close();
}
