// Helpers of the security tests (tests/node/security_*.test.mjs), built on
// node built-ins only (no npm packages, so this folder needs no node_modules):
// throw-away certificates via gen_certs.sh and the openssl CLI, a hand-framed
// HTTP/2 gRPC call (exact control over header fields, e.g. duplicates), a
// run of the server binary that is expected to fail at start-up, RSS of a
// process, and splitting an Arrow IPC stream into FlightData parts.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** Generates CA/server/client/other-CA material; returns {dir, pem(name), path(name), cleanup}. */
export function makeCerts() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gf-certs-'));
  execFileSync(path.join(HERE, 'gen_certs.sh'), [dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  return {
    dir,
    path: (name) => path.join(dir, name),
    pem: (name) => fs.readFileSync(path.join(dir, name)),
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/** True when the openssl CLI can be run. */
export function haveOpenssl() {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** HPACK integer with a `prefixBits`-bit prefix (RFC 7541 5.1). */
export function hpackInt(value, prefixBits, firstByteFlags) {
  const max = (1 << prefixBits) - 1;
  if (value < max) return Buffer.from([firstByteFlags | value]);
  const out = [firstByteFlags | max];
  value -= max;
  while (value >= 128) { out.push((value % 128) + 128); value = Math.floor(value / 128); }
  out.push(value);
  return Buffer.from(out);
}

/** Literal header field without indexing, new name, no Huffman. */
export function hpackLiteral(name, value) {
  const n = Buffer.from(name);
  const v = Buffer.from(value);
  return Buffer.concat([Buffer.from([0]), hpackInt(n.length, 7, 0), n, hpackInt(v.length, 7, 0), v]);
}

/** The HTTP/2 client connection preface. */
export const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

/**
 * A socket 'data' handler that splits what arrives into HTTP/2 frames and
 * calls onFrame(type, flags, stream, payload) for each complete one.
 */
export function h2FrameSplitter(onFrame) {
  let buf = Buffer.alloc(0);
  return (d) => {
    buf = Buffer.concat([buf, d]);
    while (buf.length >= 9) {
      const len = buf.readUIntBE(0, 3);
      if (buf.length < 9 + len) break;
      const type = buf.readUInt8(3);
      const flags = buf.readUInt8(4);
      const stream = buf.readUInt32BE(5) & 0x7fffffff;
      const payload = buf.subarray(9, 9 + len);
      buf = buf.subarray(9 + len);
      onFrame(type, flags, stream, payload);
    }
  };
}

/** One HTTP/2 frame: 9-byte header + payload. */
export function h2frame(type, flags, stream, payload = Buffer.alloc(0)) {
  const h = Buffer.alloc(9);
  h.writeUIntBE(payload.length, 0, 3);
  h.writeUInt8(type, 3);
  h.writeUInt8(flags, 4);
  h.writeUInt32BE(stream, 5);
  return Buffer.concat([h, payload]);
}

/**
 * One gRPC call over a hand-framed HTTP/2 connection (plaintext), so header
 * fields can repeat exactly as given (node:http2 and grpc-js refuse or merge a
 * repeated `authorization`). `headerPairs`: array of [name, value]. Resolves
 * to {ended, endedBy ('trailers'|'rst'|'goaway'|'close'), dataBytes,
 * rstCode}; the response header block is not HPACK-decoded, so callers check
 * the effect (server log, counters) rather than the status text.
 */
export function rawH2Call(host, port, methodPath, headerPairs, message = Buffer.alloc(0), timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, host);
    let dataBytes = 0;
    let done = false;
    const finish = (endedBy, extra = {}) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve({ ended: endedBy !== 'close', endedBy, dataBytes, ...extra });
    };
    const timer = setTimeout(() => { if (!done) { done = true; sock.destroy(); reject(new Error('raw h2 call timed out')); } }, timeoutMs);
    sock.on('error', (e) => { if (!done) { done = true; clearTimeout(timer); reject(e); } });
    sock.on('close', () => finish('close'));
    sock.on('connect', () => {
      const block = Buffer.concat([
        [':method', 'POST'], [':scheme', 'http'], [':path', methodPath], [':authority', `${host}:${port}`],
        ['content-type', 'application/grpc'], ['te', 'trailers'], ...headerPairs,
      ].map(([k, v]) => hpackLiteral(k, v)));
      const msg = grpcMessage(message);
      sock.write(Buffer.concat([
        H2_PREFACE,
        h2frame(4, 0, 0),                             // SETTINGS
        h2frame(1, 0x4, 1, block),                    // HEADERS, END_HEADERS
        h2frame(0, 0x1, 1, msg),                      // DATA, END_STREAM
      ]));
    });
    sock.on('data', h2FrameSplitter((type, flags, stream, payload) => {
      if (type === 4 && !(flags & 1)) sock.write(h2frame(4, 1, 0));                  // ACK
      else if (type === 6 && !(flags & 1)) sock.write(h2frame(6, 1, 0, payload));   // PING ACK
      else if (type === 0 && stream === 1) { dataBytes += payload.length; if (flags & 1) finish('data-end'); }
      else if (type === 1 && stream === 1 && (flags & 1)) finish('trailers');
      else if (type === 3 && stream === 1) finish('rst', { rstCode: payload.readUInt32BE(0) });
      else if (type === 7) finish('goaway');
    }));
  });
}

/**
 * Runs the server binary expecting it to fail at start-up. Resolves to
 * {code, signal, stderr, stdout}; kills it after timeoutMs (then code is null).
 */
export function runServerExpectingFailure(binary, args, { env = {}, cwd, timeoutMs = 15000 } = {}) {
  return new Promise((resolve) => {
    const child = spawn(binary, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (d) => { stderr += d.toString(); });
    child.stdout.on('data', (d) => { stdout += d.toString(); });
    const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code, signal) => { clearTimeout(t); resolve({ code, signal, stderr, stdout }); });
  });
}

/** VmRSS of a process in bytes (Linux /proc), or null. */
export function rssBytes(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = s.match(/^VmRSS:\s+(\d+)\s+kB/m);
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Soft limit of open files of this process (from /proc/self/limits), or null. */
export function openFilesLimit() {
  try {
    const s = fs.readFileSync('/proc/self/limits', 'utf8');
    const m = s.match(/^Max open files\s+(\d+)/m);
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/**
 * Splits an Arrow IPC stream (Uint8Array) into FlightData-shaped parts
 * {data_header, data_body}. `decodeBodyLength(metadata)` returns the body
 * length of a flatbuffer Message (e.g. via apache-arrow's Message.decode).
 */
export function ipcToFlightData(bytes, decodeBodyLength) {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = [];
  let off = 0;
  while (off + 8 <= buf.length) {
    let len = buf.readInt32LE(off);
    off += 4;
    if (len === -1) { len = buf.readInt32LE(off); off += 4; }
    if (len === 0) break; // end-of-stream marker
    const header = buf.subarray(off, off + len);
    off += len;
    const bodyLen = Number(decodeBodyLength(header));
    const body = buf.subarray(off, off + bodyLen);
    off += bodyLen;
    out.push({ data_header: Buffer.from(header), data_body: Buffer.from(body) });
  }
  return out;
}

/** RSS bound for abuse tests: GF_RSS_LIMIT_MB, else `mib` (1 GiB for sanitizer builds). */
export function rssLimitBytes(mib = 300) {
  if (process.env.GF_RSS_LIMIT_MB) return Number(process.env.GF_RSS_LIMIT_MB) * 1024 * 1024;
  const b = process.env.GF_BUILD || 'build';
  return (/asan|tsan/.test(b) ? 1024 : mib) * 1024 * 1024;
}

/** A gRPC length-prefixed message (not compressed). */
export function grpcMessage(bytes) {
  const m = Buffer.alloc(5 + bytes.length);
  m.writeUInt32BE(bytes.length, 1);
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).copy(m, 5);
  return m;
}

function freeLoopbackPort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts `binary start --methods-provider plugin --config <tmp toml>` where the
 * TOML is `toml` with listen_host/listen_port (a free loopback port) added
 * after its "[server]" line, and waits for the process to exit (expected:
 * a start-up failure). Resolves to {code, signal, stderr, stdout}.
 */
export async function runServerWithConfig(binary, plugin, toml, opts = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gf-sec-'));
  const cfg = path.join(dir, 'server.toml');
  const port = await freeLoopbackPort();
  const body = toml.includes('[server]\n') ? toml : `[server]\n${toml}`;
  fs.writeFileSync(cfg, body.replace('[server]\n', `[server]\nlisten_host = "127.0.0.1"\nlisten_port = ${port}\n`));
  try {
    return await runServerExpectingFailure(binary, ['start', '--methods-provider', plugin, '--config', cfg], opts);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
