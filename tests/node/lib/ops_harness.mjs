// Harness of the operations Node tests (tests/node/ops_*.test.mjs): starts
// the real server binary with any plugin .so (the test plugins under
// <build>/tests/plugins), free loopback ports for Flight, health and metrics,
// plain HTTP GETs, a tiny HTTP receiver for trace exports, and helpers to
// read the JSON log lines. Runs in the node test process.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { BUILD, BINARY, REPO, freePort } from './server.mjs';

export { BUILD, BINARY, REPO, freePort };
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Path of a test plugin built from tests/<dir>/plugins/<name>.c. */
export function testPlugin(name) {
  return path.join(BUILD, 'tests', 'plugins', `lib${name}.so`);
}

export function haveBinaryAnd(plugin) {
  return fs.existsSync(BINARY) && fs.existsSync(plugin);
}

/** GET http://127.0.0.1:port/path -> {status, headers, body} ({status: -1} when refused). */
export function httpGet(port, p, timeoutMs = 3000) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: p, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: -1, headers: {}, body: '' }));
  });
}

/**
 * HTTP receiver on a free port collecting POSTed bodies: {port, url, posts:
 * [{path, headers, body}], waitFor(pred, ms), close()}.
 */
export async function startReceiver() {
  const posts = [];
  const srv = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      posts.push({ path: req.url, headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address();
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    posts,
    async waitFor(pred, timeoutMs = 10000) {
      const end = Date.now() + timeoutMs;
      while (Date.now() < end) {
        if (pred(posts)) return true;
        await sleep(50);
      }
      return pred(posts);
    },
    close: () => new Promise((r) => srv.close(r)),
  };
}

/**
 * Starts the server with `plugin` (a .so path).
 * opts.server: extra [server] lines; opts.env; opts.args;
 * opts.health / opts.metrics: true to enable on a free port (handle.healthPort / metricsPort);
 * opts.waitReady: false to return right after spawn (default: wait for "rpc_enabled").
 */
export async function startOps(plugin, opts = {}) {
  const port = await freePort();
  const healthPort = opts.health ? await freePort() : 0;
  const metricsPort = opts.metrics ? await freePort() : 0;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gf-ops-'));
  const configPath = path.join(dir, 'server.toml');
  const lines = ['[server]', 'listen_host = "127.0.0.1"', `listen_port = ${port}`,
    'advertise_host = "127.0.0.1"'];
  if (healthPort) lines.push('health_check_host = "127.0.0.1"', `health_check_port = ${healthPort}`);
  if (metricsPort) lines.push('metrics_host = "127.0.0.1"', `metrics_port = ${metricsPort}`);
  lines.push(opts.server || '', '');
  fs.writeFileSync(configPath, lines.join('\n'));
  const args = ['start', '--methods-provider', plugin, '--config', configPath, ...(opts.args || [])];
  const started = Date.now();
  const child = spawn(BINARY, args, {
    cwd: REPO, env: { ...process.env, ...(opts.env || {}) }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stderr.on('data', (d) => { stderr += d.toString(); });
  child.stdout.on('data', (d) => { stdout += d.toString(); });
  let exited = null;
  const exitPromise = new Promise((resolve) => {
    child.on('exit', (code, signal) => { exited = { code, signal, at: Date.now() }; resolve(exited); });
  });
  const h = {
    port, healthPort, metricsPort, address: `127.0.0.1:${port}`, dir, child, started,
    stderr: () => stderr,
    stdout: () => stdout,
    exited: () => exited,
    exitPromise,
    /** Every non-empty stderr line parsed as JSON (throws on a line that is not JSON). */
    logLines() {
      return stderr.split('\n').filter((l) => l.length).map((l) => {
        try { return JSON.parse(l); } catch { throw new Error(`log line is not JSON: ${l}`); }
      });
    },
    async waitForLog(pred, timeoutMs = 10000) {
      const end = Date.now() + timeoutMs;
      while (Date.now() < end && !exited) {
        if (pred(stderr)) return true;
        await sleep(20);
      }
      return pred(stderr);
    },
    signal(sig = 'SIGTERM') { if (!exited) child.kill(sig); },
    async stop(timeoutMs = 20000) {
      if (!exited) child.kill('SIGTERM');
      const t = setTimeout(() => { if (!exited) child.kill('SIGKILL'); }, timeoutMs);
      const r = await exitPromise;
      clearTimeout(t);
      fs.rmSync(dir, { recursive: true, force: true });
      return r;
    },
  };
  if (opts.waitReady !== false) {
    const ok = await h.waitForLog((s) => s.includes('rpc_enabled'), opts.readyTimeoutMs || 15000);
    if (!ok) {
      await h.stop(2000);
      throw new Error(`server did not start: ${JSON.stringify(exited)} ${stderr.slice(-3000)}`);
    }
  }
  return h;
}
