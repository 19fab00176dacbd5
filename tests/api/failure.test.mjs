// PostgreSQL stops under a running gridd and comes back: gridd stays up, says
// it is not ready while the database is gone, and recovers by itself.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createCluster, migrate, startGridd, waitFor, get, expectProblem } from './lib/harness.mjs';

let cluster;
let g;

before(async () => {
  cluster = await createCluster();
  await migrate(cluster.dbUrl);
  g = await startGridd({ dbUrl: cluster.dbUrl });
});
after(async () => {
  await g?.stop();
  await cluster?.destroy();
});

async function status(path) {
  const res = await get(`${g.base}${path}`);
  await res.arrayBuffer();
  return res.status;
}

test('ready while PostgreSQL runs', async () => {
  await waitFor(async () => (await status('/readyz')) === 200, { tries: 40, intervalMs: 250, what: '/readyz 200' });
});

test('PostgreSQL stopped: /readyz 503 with Retry-After, /healthz 200, gridd alive', async () => {
  const pid = g.proc.pid;
  await cluster.stop();
  await waitFor(async () => (await status('/readyz')) === 503,
    { tries: 60, intervalMs: 250, what: '/readyz 503 once PostgreSQL is down' });

  const res = await get(`${g.base}/readyz`);
  const problem = await expectProblem(res, 503, assert);
  assert.match(res.headers.get('retry-after') ?? '', /^\d+$/, 'Retry-After on 503');
  assert.match(problem.type, /\S/);

  // Several more requests while it is down: each answered, none hangs, nothing crashes.
  for (let i = 0; i < 5; i++) assert.equal(await status('/readyz'), 503);
  assert.equal(await status('/healthz'), 200);
  assert.ok(g.alive, 'gridd exited while PostgreSQL was down');
  assert.equal(g.proc.pid, pid);
  process.kill(pid, 0);   // throws if the process is gone
});

test('PostgreSQL back: /readyz 200 again without restarting gridd', async () => {
  const pid = g.proc.pid;
  await cluster.start();
  await waitFor(async () => (await status('/readyz')) === 200,
    { tries: 60, intervalMs: 250, what: '/readyz 200 after PostgreSQL restarted' });
  assert.ok(g.alive);
  assert.equal(g.proc.pid, pid);
  // Every I/O thread's connections come back, not only the first one: soon
  // ten requests in a row (spread over the threads) all succeed.
  await waitFor(async () => {
    for (let i = 0; i < 10; i++) if ((await status('/readyz')) !== 200) return false;
    return true;
  }, { tries: 60, intervalMs: 250, what: 'ten /readyz 200 in a row' });
});

test('SIGTERM: gridd exits with code 0', async () => {
  const code = await g.stop();
  assert.equal(code, 0, `exit ${code}\n${g.logs.slice(-20).join('\n')}`);
  await assert.rejects(fetch(`${g.base}/healthz`), 'still listening after exit');
});

test('a gridd started while PostgreSQL is down serves /healthz, is not ready, then becomes ready', async () => {
  await cluster.stop();
  const g2 = await startGridd({ dbUrl: cluster.dbUrl });
  try {
    assert.equal((await get(`${g2.base}/healthz`)).status, 200);
    await expectProblem(await get(`${g2.base}/readyz`), 503, assert);
    await cluster.start();
    await waitFor(async () => {
      const res = await get(`${g2.base}/readyz`);
      await res.arrayBuffer();
      return res.status === 200;
    }, { tries: 60, intervalMs: 250, what: 'second gridd ready after PostgreSQL started' });

    // SIGTERM while the database is gone again still ends cleanly.
    await cluster.stop();
    await waitFor(async () => {
      const res = await get(`${g2.base}/readyz`);
      await res.arrayBuffer();
      return res.status === 503;
    }, { tries: 60, intervalMs: 250, what: 'not ready once PostgreSQL stopped again' });
    assert.equal(await g2.stop(), 0);
  } finally {
    await g2.stop();
  }
});
