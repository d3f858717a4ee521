// The C client (through the terminal client build/bin/gooddata-flight)
// against a hostile server: a node:http2 server (Node's own HTTP/2, not ours)
// that answers ListActions with what a broken or malicious server sends:
// oversized metadata, a message that declares 1 GiB and ends or stalls, a
// compressed message nobody asked for, bad grpc-status values, HTTP errors,
// refused streams, GOAWAY. Each time the client must end with a clean error
// that says what happened (exit 1; 3 for UNAVAILABLE), within
// its deadline, and a following call on a good server must succeed.
import test from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { haveCli, runCli } from './lib/cli.mjs';

const skip = !haveCli() && 'gooddata-flight not built';
const LIST = '/arrow.flight.protocol.FlightService/ListActions';

// ActionType{type: "ping", description: "p"} as a gRPC message.
function actionMessage() {
  const body = Buffer.from([0x0a, 4, ...Buffer.from('ping'), 0x12, 1, 0x70]);
  const pfx = Buffer.alloc(5);
  pfx.writeUInt32BE(body.length, 1);
  return Buffer.concat([pfx, body]);
}

function prefix(len, flags = 0) {
  const p = Buffer.alloc(5);
  p[0] = flags;
  p.writeUInt32BE(len, 1);
  return p;
}

const OK_HEADERS = { ':status': 200, 'content-type': 'application/grpc' };

// Each behaviour gets the stream of a ListActions call.
const behaviours = {
  good(s) {
    s.respond(OK_HEADERS, { waitForTrailers: true });
    s.on('wantTrailers', () => s.sendTrailers({ 'grpc-status': '0' }));
    s.end(actionMessage());
  },
  huge_metadata(s) {
    const h = { ...OK_HEADERS };
    for (let i = 0; i < 80; i++) h[`x-big-${i}`] = 'v'.repeat(1024);
    s.respond(h, { waitForTrailers: true });
    s.on('wantTrailers', () => s.sendTrailers({ 'grpc-status': '0' }));
    s.end(actionMessage());
  },
  truncated_message(s) {
    s.respond(OK_HEADERS, { waitForTrailers: true });
    s.on('wantTrailers', () => s.sendTrailers({ 'grpc-status': '0' }));
    s.end(Buffer.concat([prefix(1 << 30), Buffer.alloc(1000, 7)]));
  },
  stalled_message(s) {
    s.respond(OK_HEADERS);
    s.write(Buffer.concat([prefix(1 << 30), Buffer.alloc(1000, 7)]));
  },
  compressed(s) {
    s.respond(OK_HEADERS, { waitForTrailers: true });
    s.on('wantTrailers', () => s.sendTrailers({ 'grpc-status': '0' }));
    s.end(Buffer.concat([prefix(3, 1), Buffer.from('abc')]));
  },
  bad_status(s) {
    s.respond({ ...OK_HEADERS, 'grpc-status': 'abc', 'grpc-message': 'x' }, { endStream: true });
  },
  no_status(s) {
    s.respond(OK_HEADERS);
    s.end(actionMessage());
  },
  encoded_message(s) {
    s.respond({ ...OK_HEADERS, 'grpc-status': '5', 'grpc-message': 'caf%C3%A9 100%25 gone' }, { endStream: true });
  },
  http_503(s) {
    s.respond({ ':status': 503 }, { endStream: true });
  },
  refused(s) {
    s.close(http2.constants.NGHTTP2_REFUSED_STREAM);
  },
  goaway(s) {
    s.session.goaway(http2.constants.NGHTTP2_INTERNAL_ERROR);
    s.session.destroy();
  },
};

async function hostileServer(name) {
  const server = http2.createServer({ maxSessionMemory: 64 });
  server.on('stream', (s, headers) => {
    s.on('error', () => {});
    if (headers[':path'] !== LIST) {
      s.respond({ ...OK_HEADERS, 'grpc-status': '12' }, { endStream: true });
      return;
    }
    behaviours[name](s);
  });
  server.on('sessionError', () => {});
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return server;
}

async function actions(server, timeoutSec = 5) {
  const t0 = Date.now();
  const r = await runCli(['actions', '--uri', `grpc://127.0.0.1:${server.address().port}`, '--timeout', String(timeoutSec)], { timeoutMs: 30000 });
  return { ...r, ms: Date.now() - t0 };
}

const cases = [
  ['good', 0, /^$/],
  ['huge_metadata', 1, /INTERNAL: Received RST_STREAM with error code 6|RESOURCE_EXHAUSTED: response metadata/],
  ['truncated_message', 1, /INTERNAL: the response stream ended inside a message/],
  ['stalled_message', 1, /DEADLINE_EXCEEDED/],
  ['compressed', 1, /INTERNAL: compressed message/],
  ['bad_status', 1, /UNKNOWN/],
  ['no_status', 1, /UNKNOWN: the server ended the stream without a grpc-status/],
  ['encoded_message', 1, /NOT_FOUND: café 100% gone/],
  ['http_503', 3, /UNAVAILABLE: Received http2 header with status: 503/],
  ['refused', 3, /UNAVAILABLE: Received RST_STREAM with error code 7/],
  ['goaway', 3, /UNAVAILABLE: connection to 127\.0\.0\.1:\d+ closed/],
];

test('the C client against a hostile HTTP/2 server: clean errors, within the deadline', { skip, timeout: 180000 }, async (t) => {
  for (const [name, code, stderr] of cases) {
    await t.test(name, async () => {
      const server = await hostileServer(name);
      try {
        const r = await actions(server, name === 'stalled_message' ? 1 : 5);
        assert.equal(r.code, code, `${name}: exit ${r.code} ${r.stderr}`);
        assert.match(r.stderr, stderr);
        console.log(`# ${name}: ${r.stderr.trim()}`);
        assert.ok(r.ms < 4500, `${name} took ${r.ms} ms`);
        if (code === 0) assert.match(r.stdout.toString(), /ping/);
      } finally {
        server.close();
      }
    });
  }
  await t.test('a good server answers after all of them', async () => {
    const server = await hostileServer('good');
    try {
      const r = await actions(server);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout.toString(), /ping/);
    } finally {
      server.close();
    }
  });
});
