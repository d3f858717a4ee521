// Runs the terminal client build/bin/gooddata-flight as a child process
// (stdout as bytes, stderr as text, exit code and signal), with the
// GOODDATA_FLIGHT_* connection variables removed unless given; and a perf
// example command (perf.Perf protobuf) of N rows. Runs in the node test process.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BUILD } from './server.mjs';

export const CLI = path.join(BUILD, 'bin', 'gooddata-flight');
export const haveCli = () => fs.existsSync(CLI);

function cleanEnv(extra) {
  const env = { ...process.env };
  delete env.GOODDATA_FLIGHT_URI;
  delete env.GOODDATA_FLIGHT_TOKEN;
  return { ...env, ...extra };
}

/** Starts the CLI; returns {child, done: Promise<{code, signal, stdout, stderr}>, stderr()}. */
export function startCli(args, { env = {}, input } = {}) {
  const child = spawn(CLI, args, { env: cleanEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
  const out = [];
  let err = '';
  child.stdout.on('data', (d) => out.push(d));
  child.stderr.on('data', (d) => { err += d.toString(); });
  if (input !== undefined) child.stdin.end(input);
  else child.stdin.end();
  const done = new Promise((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout: Buffer.concat(out), stderr: err }));
  });
  return { child, done, stderr: () => err };
}

/** Runs the CLI to the end (killed after timeoutMs). */
export async function runCli(args, opts = {}) {
  const run = startCli(args, opts);
  const t = setTimeout(() => run.child.kill('SIGKILL'), opts.timeoutMs || 60000);
  const r = await run.done;
  clearTimeout(t);
  return r;
}

function varint(n) {
  const out = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return out;
}

/** perf.Perf{stream_count 1, records_per_stream rows, records_per_batch batch} bytes. */
export function perfCommand(rows, batch = 65536, streams = 1) {
  return Buffer.from([0x10, ...varint(streams), 0x18, ...varint(rows), 0x20, ...varint(batch)]);
}
