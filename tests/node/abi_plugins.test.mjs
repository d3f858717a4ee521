// The ABI line seen from outside: plugins compiled against the frozen v1
// headers (tests/abi/v1/include) run on the current server binary and
// library, driven over a socket by @grpc/grpc-js. libabi_v1 uses every
// sized struct of v1 (methods table, gf_data_source, gf_task_spec,
// gf_task_data); libabi_short returns a first-release-sized methods table
// with a trap past its end, which must never run, and its unset methods
// answer UNIMPLEMENTED. The plugins resolve gf_ symbols from the library.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { BINARY, BUILD, startServer } from './lib/server.mjs';
import { FlightClient, pathDescriptor } from './lib/flight.mjs';
import { flightDataToTable } from './lib/arrow_flight.mjs';

const plugin = (n) => path.join(BUILD, 'tests', 'plugins', `lib${n}.so`);
const skip = !(fs.existsSync(BINARY) && fs.existsSync(plugin('abi_v1')) && fs.existsSync(plugin('abi_short')))
  && 'server binary or abi test plugins not built';
const UNIMPLEMENTED = 12;

async function withPlugin(name, fn) {
  const srv = await startServer({ provider: plugin(name) });
  const c = new FlightClient(srv.address);
  try {
    await fn(c, srv);
  } finally {
    c.close();
    const r = await srv.stop();
    assert.equal(r.code, 0, srv.stderr().slice(-2000));
  }
}

const column = (messages, name) => Array.from(flightDataToTable(messages).table.getChild(name).toArray(), Number);

test('abi: a plugin built against the frozen v1 headers loads and serves', { skip }, async () => {
  await withPlugin('abi_v1', async (c) => {
    const types = (await c.listActions()).map((a) => a.type);
    assert.deepEqual(types, ['version', 'task']);
    const [v] = await c.doAction('version');
    const text = Buffer.from(v.body).toString();
    const m = /^(\d+)\.(\d+)\.(\d+) ([0-9a-f]{6})$/.exec(text);
    assert.ok(m, text);
    assert.equal(parseInt(m[4], 16), (Number(m[1]) << 16) | (Number(m[2]) << 8) | Number(m[3]));
    assert.deepEqual(column(await c.doGet('rows'), 'n'), [0, 10, 20]);
    // gf_task_spec and gf_task_data of v1 through the task executor.
    const [id] = await c.doAction('task');
    const ticket = `task:${Buffer.from(id.body).toString()}`;
    assert.deepEqual(column(await c.doGet(ticket), 'n'), [0, 10, 20, 30, 40]);
  });
});

test('abi: a gf_data_source without struct_size fails the call, the server keeps serving', { skip }, async () => {
  await withPlugin('abi_v1', async (c) => {
    await assert.rejects(c.doGet('zero-size'), (e) => {
      assert.equal(e.code, 13);
      assert.match(e.details, /gf_data_source\.struct_size 0, expected \d+\.\.\d+/);
      return true;
    });
    assert.deepEqual(column(await c.doGet('rows'), 'n'), [0, 10, 20]);
  });
});

test('abi: a first-release methods table loads; fields past it are ignored, unset methods are UNIMPLEMENTED', { skip }, async () => {
  await withPlugin('abi_short', async (c) => {
    // The trap `authenticate` hook past struct_size would refuse these.
    const [r] = await c.doAction('ping');
    assert.equal(Buffer.from(r.body).toString(), 'ping');
    assert.deepEqual((await c.listActions()).map((a) => a.type), ['echo']);
    const d = pathDescriptor('x');
    const calls = {
      ListFlights: () => c.listFlights(),
      GetFlightInfo: () => c.getFlightInfo(d),
      PollFlightInfo: () => c.pollFlightInfo(d),
      GetSchema: () => c.getSchema(d),
      DoGet: () => c.doGet('t'),
    };
    for (const [name, call] of Object.entries(calls)) {
      await assert.rejects(call(), (e) => {
        assert.equal(e.code, UNIMPLEMENTED, `${name}: ${e.message}`);
        return true;
      }, name);
    }
  });
});
