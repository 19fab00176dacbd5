// Liveness and readiness: /healthz never needs the database; /readyz says
// whether this gridd can serve, schema included.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createDatabase, migrate, startGridd, expectProblem, waitFor, get } from './lib/harness.mjs';

let migrated;     // gridd on a migrated database
let unmigrated;   // gridd on a database that never saw `gridd migrate`
let emptyDbUrl;

before(async () => {
  const dbUrl = await createDatabase('health');
  await migrate(dbUrl);
  migrated = await startGridd({ dbUrl });
  emptyDbUrl = await createDatabase('health_empty');
  unmigrated = await startGridd({ dbUrl: emptyDbUrl });
});
after(async () => {
  await migrated?.stop();
  await unmigrated?.stop();
});

function assertJson(res) {
  assert.equal((res.headers.get('content-type') ?? '').split(';')[0].trim(), 'application/json');
}

test('/healthz answers 200 {"status":"ok"}', async () => {
  const res = await fetch(`${migrated.base}/healthz`);
  assert.equal(res.status, 200);
  assertJson(res);
  assert.ok(res.headers.get('x-request-id'), 'X-Request-Id missing');
  assert.deepEqual(await res.json(), { status: 'ok' });
});

test('/readyz answers 200 {"status":"ready"} on a migrated database', async () => {
  const res = await fetch(`${migrated.base}/readyz`);
  const text = await res.text();
  assert.equal(res.status, 200, text);
  assertJson(res);
  const body = JSON.parse(text);
  assert.equal(body.status, 'ready');
});

test('/readyz is 503 problem+json on a database that was not migrated', async () => {
  const res = await fetch(`${unmigrated.base}/readyz`);
  const body = await expectProblem(res, 503, assert);
  assert.match(res.headers.get('retry-after') ?? '', /^\d+$/, 'Retry-After on a 503');
  assert.notEqual(body.type, 'about:blank', 'a specific problem type');
});

test('/healthz is 200 even when the database is not migrated', async () => {
  const res = await fetch(`${unmigrated.base}/healthz`);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { status: 'ok' });
});

test('after `gridd migrate` the same gridd becomes ready, without a restart', async () => {
  // Runs last: it gives the second gridd's database its schema.
  await migrate(emptyDbUrl);
  await waitFor(async () => (await get(`${unmigrated.base}/readyz`)).status === 200,
    { tries: 100, intervalMs: 100, what: '/readyz 200 after migrate' });
  const body = await (await fetch(`${unmigrated.base}/readyz`)).json();
  assert.equal(body.status, 'ready');
  assert.ok(unmigrated.alive);
});
