// The FlexConnect example (examples/flexconnect: SampleFlexConnectFunction
// from libflexconnect_sample.so, configured by flexconnect.toml) through the
// Node client: ListFlights, a REPORT invocation returning 6 rows x 6
// columns, the positive attribute filter, the columns hint and the data
// source message; and the example's config files pass `config`.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { schemaFromBytes } from './lib/arrow_flight.mjs';
import { BINARY, REPO, examplePath } from './lib/server.mjs';
import { BASIC, POLL, invocation, readTable, startFlexConnect } from './lib/flexconnect.mjs';

const DIR = path.join(REPO, 'examples', 'flexconnect');
const SKIP = !(fs.existsSync(BINARY) && fs.existsSync(examplePath('flexconnect_sample'))) && 'example not built';
const ctx = (filters = []) => ({
  executionType: 'REPORT', organizationId: 'org', workspaceId: 'ws', userId: 'u',
  attributes: [{ attributeIdentifier: 'attribute1', attributeTitle: 'A1', labelIdentifier: 'attribute1', labelTitle: 'A1' }],
  filters, reportExecutionRequest: { attributes: [], measures: [], filters: [] },
});

test('FlexConnect example function', { skip: SKIP, timeout: 60000 }, async () => {
  const toml = fs.readFileSync(path.join(DIR, 'flexconnect.toml'), 'utf8');
  const srv = await startFlexConnect({ functions: ['flexconnect_sample'] });
  const client = srv.client();
  try {
    assert.match(toml, /functions = \["flexconnect_sample"\]/);
    const flights = await client.listFlights(Buffer.alloc(0), BASIC);
    assert.deepEqual(flights.map((f) => JSON.parse(Buffer.from(f.flight_descriptor.cmd)).functionName),
      ['SampleFlexConnectFunction']);
    assert.deepEqual(schemaFromBytes(flights[0].schema).fields.map((f) => `${f.name}:${f.type}`),
      ['attribute1:Utf8', 'attribute2:Utf8', 'attribute3:Bool', 'fact1:Float64', 'fact2:Float64', 'fact3:Int64']);

    const all = await client.getFlightInfo(invocation('SampleFlexConnectFunction', { executionContext: ctx() }), POLL);
    const t = await readTable(client, all);
    assert.equal(t.numRows, 6);
    assert.equal(t.numCols, 6);
    assert.deepEqual([...t.getChild('fact3')].map(Number), [100, 200, 300, 400, 500, 600]);
    const msgs = JSON.parse(schemaFromBytes(all.schema).metadata.get('x-gdc-data-source-messages'));
    assert.equal(msgs[0].type, 'info');
    assert.equal(msgs[0].source, 'SampleFlexConnectFunction');

    const filtered = await client.getFlightInfo(invocation('SampleFlexConnectFunction', {
      executionContext: ctx([{ filterType: 'positiveAttributeFilter', labelIdentifier: 'attribute1', values: ['b', null] }]),
      columns: ['fact1', 'attribute1'],
    }), BASIC);
    const f = await readTable(client, filtered);
    assert.deepEqual(f.schema.fields.map((x) => x.name), ['attribute1', 'fact1']);
    assert.deepEqual([...f.getChild('attribute1')], ['b', 'b']);
    assert.deepEqual([...f.getChild('fact1')], [3.5, 4.5]);
  } finally {
    client.close();
    assert.equal((await srv.stop()).code, 0, srv.stderr().slice(-2000));
  }
});

test('example config files are valid', { skip: SKIP }, () => {
  const r = spawnSync(BINARY, ['config', '--config', path.join(DIR, 'dev.server.toml'), path.join(DIR, 'flexconnect.toml')],
    { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /functions = \["flexconnect_sample"\]/);
  assert.match(r.stdout, /call_deadline_ms = 180000/);
  const env = spawnSync(BINARY, ['config', '--config', path.join(DIR, 'flexconnect.toml')], {
    encoding: 'utf8', env: { ...process.env, GOODDATA_FLIGHT_FLEXCONNECT__POLLING_INTERVAL_MS: '500' } });
  assert.equal(env.status, 0, env.stderr);
  assert.match(env.stdout, /polling_interval_ms = 500 {2}# env GOODDATA_FLIGHT_FLEXCONNECT__POLLING_INTERVAL_MS/);
  const bad = spawnSync(BINARY, ['config', '--config', path.join(DIR, 'flexconnect.toml')], {
    encoding: 'utf8', env: { ...process.env, GOODDATA_FLIGHT_FLEXCONNECT__CALL_DEADLINE_MS: '-5' } });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /Value of flexconnect\.call_deadline_ms must be a positive number/);
  const prod = fs.readFileSync(path.join(DIR, 'prod.server.toml'), 'utf8');
  assert.match(prod, /use_tls = true/);
  assert.match(prod, /authentication_method = "token"/);
});
