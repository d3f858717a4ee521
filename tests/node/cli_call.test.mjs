// `gooddata-flight call` against the FlexConnect host (--methods-provider
// flexconnect) with the test functions library fc_test_functions
// (SimpleFun1 returns at once, PollableFun takes 0.7 s, LongRunningFun 2 s;
// each returns col1 int64 [1,2,3], col2 string [a,b,c], col3 bool
// [true,false,true]); call_deadline_ms 1200, polling_interval_ms 500 as in the
// upstream tests. Basic mode, the polling protocol with its progress line,
// TIMEOUT, an unknown function, and Ctrl-C cancelling the invocation through
// the cancel descriptor. Skipped until the host and the library are built.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, haveServer, BUILD } from './lib/server.mjs';
import { haveCli, runCli, startCli } from './lib/cli.mjs';

// `make all` builds both; a missing one fails the test rather than skipping it.
const LIB = path.join(BUILD, 'tests', 'plugins', 'libfc_test_functions.so');
const CSV = 'col1,col2,col3\r\n1,a,true\r\n2,b,false\r\n3,c,true\r\n';
const PARAMS = ['--params', '{"test1":1,"test2":2,"test3":3}'];

test('gooddata-flight call (FlexConnect)', { timeout: 120000 }, async (t) => {
  assert.ok(fs.existsSync(LIB) && haveServer('store') && haveCli(), `${LIB} and gooddata-flight must be built (make all)`);
  const srv = await startServer({
    provider: 'flexconnect',
    config: `[flexconnect]\nfunctions = ["${LIB}"]\ncall_deadline_ms = 1200\npolling_interval_ms = 500\n`,
  });
  const uri = ['--uri', srv.location];
  try {
    await t.test('basic mode: GetFlightInfo, then the result', async () => {
      const r = await runCli(['call', 'SimpleFun1', ...PARAMS, '--format', 'csv', ...uri]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.toString(), CSV);
      assert.equal(r.stderr, '');
    });

    await t.test('--poll: a fast function answers on the first poll', async () => {
      const r = await runCli(['call', 'SimpleFun1', '--poll', '--format', 'csv', ...uri]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.toString(), CSV);
    });

    await t.test('--poll: PollableFun needs a retry, then returns its rows', async () => {
      const r = await runCli(['call', 'PollableFun', '--poll', ...PARAMS, '--format', 'jsonl', ...uri]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.toString(), '{"col1":1,"col2":"a","col3":true}\n{"col1":2,"col2":"b","col3":false}\n{"col1":3,"col2":"c","col3":true}\n');
    });

    await t.test('basic mode past the call deadline: TIMEOUT line, exit 1', async () => {
      const r = await runCli(['call', 'LongRunningFun', ...uri]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^gooddata-flight: GetFlightInfo: DEADLINE_EXCEEDED: TIMEOUT \(100\): GetFlightInfo timed out while waiting for task [0-9a-f]{32}\.\n$/);
    });

    await t.test('--poll past the call deadline: progress while polling, then TIMEOUT', async () => {
      const r = await runCli(['call', 'LongRunningFun', '--poll', '--progress', ...uri]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /\rLongRunningFun: running \(poll \d\) {2}\d+\.\d s\x1b\[K/);
      assert.match(r.stderr, /gooddata-flight: GetFlightInfo: DEADLINE_EXCEEDED: TIMEOUT \(100\): GetFlightInfo timed out while waiting for task [0-9a-f]{32}\.\n$/);
    });

    await t.test('unknown function: BAD_ARGUMENT', async () => {
      const r = await runCli(['call', 'NoSuchFun', ...uri]);
      assert.equal(r.code, 1);
      assert.equal(r.stderr, "gooddata-flight: GetFlightInfo: UNKNOWN: BAD_ARGUMENT (1): Unsupported FlexConnect function 'NoSuchFun'.\n");
    });

    await t.test('Ctrl-C while polling cancels the invocation with the cancel descriptor', async () => {
      const run = startCli(['call', 'LongRunningFun', '--poll', '--progress', ...uri]);
      const t0 = Date.now();
      while (!/poll \d/.test(run.stderr()) && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 20));
      assert.match(run.stderr(), /poll \d/, "a POLL answer seen");
      run.child.kill('SIGINT');
      const r = await run.done;
      assert.equal(r.code, 130);
      assert.match(r.stderr, /gooddata-flight: interrupted \(Interrupt\)\ngooddata-flight: cancel: CANCELLED: COMMAND_CANCELLED \(6\): FlexConnect function invocation was cancelled\.\n$/);
    });
  } finally {
    assert.equal((await srv.stop()).code, 0);
  }
});
