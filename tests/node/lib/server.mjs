// Test harness: starts the real server binary (build/bin/gooddata-flight-server)
// with an example plugin and a temporary TOML config on a free loopback port,
// waits until it answers gRPC calls, captures its stderr (logs) and stops it
// with SIGTERM, asserting a clean exit. Runs in the node test process.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const BUILD = path.resolve(REPO, process.env.GF_BUILD || 'build');
export const BINARY = path.join(BUILD, 'bin', 'gooddata-flight-server');

export function examplePath(name) {
  return path.join(BUILD, 'examples', `lib${name}.so`);
}

/** Path of a test-only plugin (build/tests/plugins/lib<name>.so). */
export function testPluginPath(name) {
  return path.join(BUILD, 'tests', 'plugins', `lib${name}.so`);
}

/** Returns true when the server binary and the named example exist. */
export function haveServer(example = 'store') {
  return fs.existsSync(BINARY) && fs.existsSync(examplePath(example));
}

/** A free TCP port on 127.0.0.1 (bound to port 0, then released). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** --logging-config text: per-call "rpc_finished" events at DEBUG. */
export const DEBUG_RPC_LOGGING = [
  '[loggers]', 'keys=root,rpc', '', '[logger_root]', 'level=INFO', '',
  '[logger_rpc]', 'level=DEBUG', 'qualname=gooddata_flight_server.rpc', '',
].join('\n');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts the server.
 * opts.example   example plugin name (build/examples/lib<name>.so), default 'store'
 * opts.provider  --methods-provider value instead (e.g. the built-in 'flexconnect')
 * opts.config    extra TOML appended after the [server] section lines
 * opts.server    extra lines inside [server] (string)
 * opts.args      extra CLI args (e.g. ['--dev-log'])
 * opts.loggingConfig  text of a --logging-config INI file (e.g. DEBUG_RPC_LOGGING)
 * opts.env       extra environment
 * opts.readyTimeoutMs  default 15000
 * opts.probe     async (address) => boolean: readiness probe (default: any gRPC answer)
 * opts.wrap      argv prefix that runs the server (e.g. a namespace wrapper that ends in exec "$@")
 */
export async function startServer(opts = {}) {
  const example = opts.example || 'store';
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gf-node-'));
  const configPath = path.join(dir, 'server.toml');
  const toml = [
    '[server]',
    'listen_host = "127.0.0.1"',
    `listen_port = ${port}`,
    'advertise_host = "127.0.0.1"',
    opts.server || '',
    '',
    opts.config || '',
    '',
  ].join('\n');
  fs.writeFileSync(configPath, toml);
  const args = ['start', '--methods-provider', opts.provider || examplePath(example), '--config', configPath];
  if (opts.loggingConfig) {
    const lc = path.join(dir, 'logging.ini');
    fs.writeFileSync(lc, opts.loggingConfig);
    args.push('--logging-config', lc);
  }
  args.push(...(opts.args || []));
  const wrap = opts.wrap || [];
  const child = spawn(wrap.length ? wrap[0] : BINARY, wrap.length ? [...wrap.slice(1), BINARY, ...args] : args, {
    cwd: REPO,
    env: { ...process.env, ...(opts.env || {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stderr.on('data', (d) => { stderr += d.toString(); });
  child.stdout.on('data', (d) => { stdout += d.toString(); });
  let exited = null;
  const exitPromise = new Promise((resolve) => {
    child.on('exit', (code, signal) => { exited = { code, signal }; resolve(exited); });
  });
  const address = `127.0.0.1:${port}`;
  const handle = {
    port,
    address,
    location: `grpc://${address}`,
    dir,
    configPath,
    child,
    stderr: () => stderr,
    stdout: () => stdout,
    exited: () => exited,
    /** Log lines (JSON objects where parseable, else {raw}). */
    logs() {
      return stderr.split('\n').filter((l) => l.trim()).map((l) => {
        try { return JSON.parse(l); } catch { return { raw: l }; }
      });
    },
    /** Waits until `pred(stderr)` holds or the timeout passes; returns the final truth value. */
    async waitForLog(pred, timeoutMs = 5000) {
      const end = Date.now() + timeoutMs;
      while (Date.now() < end) {
        if (pred(stderr)) return true;
        if (exited) break;
        await sleep(50);
      }
      return pred(stderr);
    },
    /** SIGTERM, wait for exit; returns {code, signal}. Kills with SIGKILL after timeoutMs. */
    async stop(timeoutMs = 15000) {
      if (!exited) child.kill('SIGTERM');
      const t = setTimeout(() => { if (!exited) child.kill('SIGKILL'); }, timeoutMs);
      const r = await exitPromise;
      clearTimeout(t);
      fs.rmSync(dir, { recursive: true, force: true });
      return r;
    },
  };
  const probe = opts.probe || defaultProbe;
  const deadline = Date.now() + (opts.readyTimeoutMs || 15000);
  for (;;) {
    if (exited) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw new Error(`server exited early (${JSON.stringify(exited)}): ${stderr.slice(-4000)}`);
    }
    if (await probe(address).catch(() => false)) break;
    if (Date.now() > deadline) {
      await handle.stop(2000);
      throw new Error(`server did not become ready on ${address}: ${stderr.slice(-4000)}`);
    }
    await sleep(100);
  }
  return handle;
}

/** Ready when a ListActions call gets any answer other than UNAVAILABLE / DEADLINE_EXCEEDED. */
async function defaultProbe(address) {
  const { FlightClient } = await import('./flight.mjs');
  const c = new FlightClient(address);
  try {
    await c.listActions({ deadlineMs: 1000 });
    return true;
  } catch (e) {
    return e.code !== 14 && e.code !== 4;
  } finally {
    c.close();
  }
}

/** Runs fn(server) with a started server and always stops it; asserts exit code 0. */
export async function withServer(opts, fn) {
  const srv = await startServer(opts);
  let result;
  let failure = null;
  try {
    result = await fn(srv);
  } catch (e) {
    failure = e;
  }
  const r = await srv.stop();
  if (failure) throw failure;
  if (r.code !== 0) {
    throw new Error(`server exit ${JSON.stringify(r)}; stderr tail: ${srv.stderr().slice(-3000)}`);
  }
  return result;
}
