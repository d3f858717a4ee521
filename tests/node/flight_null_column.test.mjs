// apache-arrow JS writes null_count = -1 ("unknown") in the field node of a
// Null-type column. A table with a Null column (and nullable columns around
// it) must DoPut into the `store` example and DoGet back equal, over a socket.
import test from 'node:test';
import assert from 'node:assert/strict';
import * as A from 'apache-arrow';
import { startServer, haveServer } from './lib/server.mjs';
import { FlightClient, pathDescriptor, nextMessage } from './lib/flight.mjs';
import { tableToFlightGroups, flightDataToTable, splitIpcStream, tableRows } from './lib/arrow_flight.mjs';

const skip = !haveServer('store') && 'server binary or libstore.so not built';

/** Two batches; slicing leaves the columns' null counts unknown (-1), as apache-arrow does. */
function nullColumnTable() {
  const batches = [0, 1].map((b) => {
    const n = 12 + b;
    const ids = Array.from({ length: n }, (_, i) => (i % 3 ? b * 100 + i : null));
    const whole = new A.RecordBatch({
      nothing: A.makeData({ type: new A.Null(), length: n }),
      id: A.vectorFromArray(ids, new A.Int32()).data[0],
    });
    return whole.slice(1, n - 1);
  });
  return new A.Table(batches);
}

/** null_count of field node 0 of the first RecordBatch message, read from the flatbuffer. */
function firstNodeNullCount(table) {
  const buf = splitIpcStream(A.tableToIPC(table, 'stream')).find((m) => m.type === 3).header;
  const field = (tab, i) => {
    const vt = tab - buf.readInt32LE(tab);
    return 4 + 2 * i < buf.readUInt16LE(vt) ? buf.readUInt16LE(vt + 4 + 2 * i) : 0;
  };
  const msg = buf.readUInt32LE(0);
  const hdrAt = msg + field(msg, 2);
  const rb = hdrAt + buf.readUInt32LE(hdrAt);
  const vecAt = rb + field(rb, 1);
  const vec = vecAt + buf.readUInt32LE(vecAt);
  return Number(buf.readBigInt64LE(vec + 4 + 8));
}

test('a Null column (null_count -1 on the wire) round-trips through store', { skip, timeout: 60000 }, async () => {
  const table = nullColumnTable();
  assert.equal(firstNodeNullCount(table), -1, 'apache-arrow writes null_count -1 for the Null column');
  const srv = await startServer({ example: 'store' });
  const client = new FlightClient(srv.address);
  try {
    const call = client.doPutCall({ deadlineMs: 20000 });
    const groups = tableToFlightGroups(table, {
      descriptor: pathDescriptor('nulls'),
      appMetadata: (i) => Buffer.from(String(i)),
    });
    call.write(groups[0][0]);
    for (let b = 1; b < groups.length; b++) {
      for (const m of groups[b]) call.write(m);
      const ack = await nextMessage(call, 10000);
      assert.ok(ack, `ack for batch ${b - 1}`);
      assert.equal(ack.app_metadata.toString(), String(b - 1));
    }
    call.end();
    assert.equal(await nextMessage(call, 10000), null, 'DoPut ends OK');

    const info = await client.getFlightInfo(pathDescriptor('nulls'), { deadlineMs: 5000 });
    const msgs = await client.doGet(info.endpoint[0].ticket.ticket, { deadlineMs: 10000 });
    const got = flightDataToTable(msgs).table;
    assert.equal(String(got.schema.fields[0].type), 'Null');
    assert.equal(got.numRows, table.numRows);
    assert.equal(got.getChild('nothing').nullCount, table.numRows);
    assert.deepEqual(tableRows(got), tableRows(table));
  } finally {
    client.close();
    const r = await srv.stop();
    assert.equal(r.code, 0, srv.stderr().slice(-2000));
  }
});
