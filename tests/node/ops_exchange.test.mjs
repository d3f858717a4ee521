// Integration defect check: a DoExchange opened the way Arrow C++ (and
// protobuf encoders that write empty bytes fields) do it — a first FlightData
// carrying the descriptor plus empty data_header/app_metadata/data_body — is
// consumed as the descriptor, not handed to the plugin as an empty
// metadata-only message. Uses the echo test plugin, which echoes every
// metadata-only message it reads. Raw bytes over grpc-js, real server.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FlightClient } from './lib/index.mjs';
import { haveBinaryAnd, startOps, testPlugin } from './lib/ops_harness.mjs';

const PLUGIN = testPlugin('echo');
const SKIP = haveBinaryAnd(PLUGIN) ? false : 'server binary or libecho.so not built';
const PATH = '/arrow.flight.protocol.FlightService/DoExchange';

function field(tag, bytes) {
  return Buffer.concat([Buffer.from(tag), Buffer.from([bytes.length]), bytes]); // lengths < 128
}

// FlightDescriptor {type: CMD (2), cmd: "echo"}
const DESCRIPTOR = Buffer.concat([Buffer.from([0x08, 0x02]), field([0x12], Buffer.from('echo'))]);

describe('DoExchange descriptor-only first message', { skip: SKIP }, () => {
  test('empty fields next to the descriptor are not surfaced as a message', async () => {
    const srv = await startOps(PLUGIN);
    const c = new FlightClient(srv.address);
    try {
      const first = Buffer.concat([
        field([0x0a], DESCRIPTOR), // flight_descriptor
        field([0x12], Buffer.alloc(0)), // data_header (empty)
        field([0x1a], Buffer.alloc(0)), // app_metadata (empty)
        field([0xc2, 0x3e], Buffer.alloc(0)), // data_body (empty)
      ]);
      const meta = field([0x1a], Buffer.from('x')); // metadata-only message
      const r = await c.raw(PATH, 'bidi', [first, meta]);
      assert.equal(r.error, null, r.error && r.error.details);
      assert.equal(r.messages.length, 1, `echoed: ${r.messages.map((m) => m.toString('hex')).join(' ')}`);
      assert.equal(r.messages[0].toString('hex'), meta.toString('hex'));
      // The bare descriptor (what the C client sends) behaves the same.
      const r2 = await c.raw(PATH, 'bidi', [field([0x0a], DESCRIPTOR), meta]);
      assert.equal(r2.error, null);
      assert.equal(r2.messages.length, 1);
    } finally {
      c.close();
      assert.equal((await srv.stop()).code, 0);
    }
  });
});
