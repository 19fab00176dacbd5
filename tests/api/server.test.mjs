// The daemon's own behaviour: database timeouts and overload, transactions,
// graceful drain, connection limit, migrations, configuration errors.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { createDatabase, migrate, startGridd, psql, waitFor } from './lib/harness.mjs';
import { assertProblem } from './lib/contract.mjs';

const started = [];
async function gridd(opts) {
  const g = await startGridd(opts);
  started.push(g);
  return g;
}
after(async () => { for (const g of started) await g.stop().catch(() => {}); });

async function freshDb(prefix) {
  const dbUrl = await createDatabase(prefix);
  await migrate(dbUrl);
  return dbUrl;
}

function runGridd(args, env = {}) {
  return new Promise((resolve) => {
    const p = spawn(process.env.GRIDD_BIN, args, { env: { ...process.env, ...env } });
    let out = '', err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    p.on('exit', (code) => resolve({ code, out, err }));
  });
}

test('a slow query times out with 504 and is cancelled in the database', async () => {
  const dbUrl = await freshDb('timeout');
  const g = await gridd({ dbUrl, env: { GRIDD_TEST_ROUTES: '1', GRIDD_DB_QUERY_TIMEOUT_MS: '300' } });
  const res = await fetch(`${g.base}/v1/test/sleep?ms=60000`);
  await assertProblem(res, 504, 'database-timeout');
  // Without the cancel the query would sleep for a minute; it must vanish long before.
  await waitFor(async () => (await psql(dbUrl,
    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%pg_sleep%' AND pid <> pg_backend_pid()")).trim() === '0',
  { tries: 100, intervalMs: 100 });
  const again = await fetch(`${g.base}/v1/test/sleep?ms=1`);
  assert.equal(again.status, 200, 'the pool recovers after the reset');
});

test('a full wait queue answers 503 overloaded at once; waiting requests still succeed', async () => {
  const dbUrl = await freshDb('queue');
  const g = await gridd({ dbUrl, threads: 1,
    env: { GRIDD_TEST_ROUTES: '1', GRIDD_DB_POOL_SIZE: '1', GRIDD_DB_QUEUE_MAX: '1', GRIDD_DB_QUERY_TIMEOUT_MS: '30000' } });
  await waitFor(async () => (await fetch(`${g.base}/readyz`)).status === 200);
  const first = fetch(`${g.base}/v1/test/sleep?ms=1500`);
  await waitFor(async () => (await (await fetch(`${g.base}/metrics`)).text()).includes('gridd_db_pool_connections{state="busy"} 1'));
  const second = fetch(`${g.base}/v1/test/sleep?ms=10`);
  await waitFor(async () => (await (await fetch(`${g.base}/metrics`)).text()).includes('gridd_db_pool_waiting 1'));
  const third = await fetch(`${g.base}/v1/test/sleep?ms=10`);
  await assertProblem(third, 503, 'overloaded');
  assert.equal((await first).status, 200);
  assert.equal((await second).status, 200);
  const metrics = await (await fetch(`${g.base}/metrics`)).text();
  assert.match(metrics, /^gridd_db_queue_rejections_total 1$/m);
});

test('a failed step rolls the whole transaction back; a good one commits', async () => {
  const dbUrl = await freshDb('txn');
  const g = await gridd({ dbUrl, env: { GRIDD_TEST_ROUTES: '1' } });
  const post = (body) => fetch(`${g.base}/v1/test/transaction`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const failed = await (await post({ key: 'rolled_back', fail: true })).json();
  assert.deepEqual(failed, { committed: false, sqlstate: '22012' });
  const ok = await (await post({ key: 'kept' })).json();
  assert.equal(ok.committed, true);
  const keys = (await psql(dbUrl, "SELECT key FROM gridd_settings WHERE key LIKE 'test.%' ORDER BY key")).trim();
  assert.equal(keys, 'test.kept');
  // The connection that saw the failure is clean again: many more work.
  for (let i = 0; i < 6; i++) assert.equal((await post({ key: `again_${i}` })).status, 200);
});

test('a pipelined batch is all-or-nothing and re-prepares on fresh connections', async () => {
  const dbUrl = await freshDb('batch');
  const g = await gridd({ dbUrl, env: { GRIDD_TEST_ROUTES: '1' } });
  const post = async (body) => (await fetch(`${g.base}/v1/test/batch`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json();
  assert.deepEqual(await post({ keys: ['a1', 'a2', 'a3'] }), { committed: true, results: 3, failed_step: -1, sqlstate: '' });
  assert.deepEqual(await post({ keys: ['b1', 'b2', 'b3'], fail_at: 2 }), { committed: false, results: 0, failed_step: 2, sqlstate: '22012' });
  assert.deepEqual(await post({ keys: ['c1', 'a1'] }), { committed: false, results: 0, failed_step: 1, sqlstate: '23505' });
  const keys = (await psql(dbUrl, "SELECT string_agg(key, ',' ORDER BY key) FROM gridd_settings WHERE key LIKE 'test.%'")).trim();
  assert.equal(keys, 'test.a1,test.a2,test.a3');
  // Kill every server connection: the pool reconnects and prepares again.
  await psql(dbUrl, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()");
  await waitFor(async () => (await post({ keys: ['d1'] }).catch(() => ({}))).committed === true);
});

test('SIGTERM lets an in-flight request finish, then exits 0 and stops listening', async () => {
  const dbUrl = await freshDb('drain');
  const g = await startGridd({ dbUrl, env: { GRIDD_TEST_ROUTES: '1' } });
  const slow = fetch(`${g.base}/v1/test/sleep?ms=1500`);
  await waitFor(async () => (await psql(dbUrl,
    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%pg_sleep%' AND pid <> pg_backend_pid()")).trim() === '1');
  const code = g.stop();
  const res = await slow;
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { slept: true });
  assert.equal(await code, 0);
  await assert.rejects(fetch(`${g.base}/healthz`));
});

function openKeptConnection(port) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => {
      s.write('GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n');
    });
    let data = '';
    s.on('data', (d) => {
      data += d;
      if (data.includes('\r\n\r\n') && data.includes('{')) resolve({ socket: s, response: data });
    });
    s.on('error', reject);
  });
}

test('beyond http_max_connections a new connection gets 503 and closes; capacity returns', async () => {
  const dbUrl = await freshDb('conns');
  const g = await gridd({ dbUrl, threads: 1, env: { GRIDD_HTTP_MAX_CONNECTIONS: '2' } });
  // Other clients (the harness's own keep-alive probe) may hold a slot too,
  // so open kept connections until gridd refuses one; that must happen soon.
  const kept = [];
  let refused = null;
  for (let i = 0; i < 5 && !refused; i++) {
    const c = await openKeptConnection(g.port);
    if (/^HTTP\/1.1 503/.test(c.response)) refused = c; else kept.push(c);
  }
  assert.ok(refused, 'no connection was refused');
  assert.ok(kept.length <= 2);
  assert.match(refused.response, /too-many-connections/);
  assert.match(refused.response, /Connection: close/i);
  assert.match(refused.response, /Retry-After: \d+/);
  refused.socket.destroy();
  for (const c of kept) c.socket.destroy();
  await waitFor(async () => {
    const c = await openKeptConnection(g.port);
    c.socket.destroy();
    return /^HTTP\/1.1 200/.test(c.response);
  });
  const metrics = await (await fetch(`${g.base}/metrics`)).text();
  assert.match(metrics, /^gridd_http_connections_rejected_total [1-9]/m);
});

test('OPTIONS lists the allowed methods and HEAD answers without a body', async () => {
  const dbUrl = await freshDb('methods');
  const g = await gridd({ dbUrl });
  const opt = await fetch(`${g.base}/healthz`, { method: 'OPTIONS' });
  assert.equal(opt.status, 204);
  assert.equal(opt.headers.get('allow'), 'GET, HEAD, OPTIONS');
  const head = await fetch(`${g.base}/healthz`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(await head.text(), '');
});

test('two migrations at once apply each file exactly once', async () => {
  const dbUrl = await createDatabase('migrate_race');
  const env = { GRIDD_DB_URL: dbUrl };
  const [a, b] = await Promise.all([runGridd(['migrate'], env), runGridd(['migrate'], env)]);
  assert.equal(a.code, 0, a.err);
  assert.equal(b.code, 0, b.err);
  const [count, distinct] = (await psql(dbUrl, 'SELECT count(*), count(DISTINCT version) FROM schema_migrations')).trim().split('|');
  assert.equal(count, distinct);
  assert.ok(Number(count) >= 2);
  const applied = (a.out + b.out).match(/^applied \S+/gm);
  assert.equal(applied.length, Number(count), 'each file applied by exactly one of the two');
  assert.equal(new Set(applied).size, applied.length);
});

test('migrate refuses to run when an applied file has changed', async () => {
  const dbUrl = await freshDb('checksum');
  await psql(dbUrl, "UPDATE schema_migrations SET checksum = repeat('0', 64) WHERE version = 1");
  const r = await runGridd(['migrate'], { GRIDD_DB_URL: dbUrl });
  assert.equal(r.code, 1);
  assert.match(r.err, /0001_base\.sql was changed after it was applied/);
});

test('readyz is 503 until the schema has every migration this gridd carries', async () => {
  const empty = await createDatabase('unmigrated');
  const g = await gridd({ dbUrl: empty });
  // database-unavailable until the pool has connected, then not-ready.
  let none;
  await waitFor(async () => {
    const res = await fetch(`${g.base}/readyz`);
    none = await res.clone().json();
    return none.type === 'urn:gridd:problem:not-ready' && res;
  });
  await assertProblem(await fetch(`${g.base}/readyz`), 503, 'not-ready');
  assert.match(none.detail, /gridd migrate/);
  await migrate(empty);
  await waitFor(async () => (await fetch(`${g.base}/readyz`)).status === 200);
  // One migration short of what the binary carries: not ready again.
  const saved = (await psql(empty, 'SELECT version, name, checksum FROM schema_migrations ORDER BY version DESC LIMIT 1')).trim().split('|');
  await psql(empty, `DELETE FROM schema_migrations WHERE version = ${saved[0]}`);
  const behind = await assertProblem(await fetch(`${g.base}/readyz`), 503, 'not-ready');
  assert.match(behind.detail, new RegExp(`at version ${saved[0] - 1}; this gridd needs ${saved[0]}`));
  await psql(empty, `INSERT INTO schema_migrations (version, name, checksum) VALUES (${saved[0]}, '${saved[1]}', '${saved[2]}')`);
  assert.equal((await fetch(`${g.base}/readyz`)).status, 200);
});

test('SIGHUP reopens the log file, so a rotated log keeps receiving lines', async () => {
  const { mkdtempSync, readFileSync, renameSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'gridd-log-'));
  try {
    const file = join(dir, 'gridd.log');
    const dbUrl = await freshDb('sighup');
    const g = await gridd({ dbUrl, env: { GRIDD_LOG_FILE: file } });
    await (await fetch(`${g.base}/before-rotation`)).arrayBuffer();
    await waitFor(() => readFileSync(file, 'utf8').includes('/before-rotation'));
    renameSync(file, `${file}.1`);                 // what logrotate does
    g.proc.kill('SIGHUP');
    await waitFor(() => { try { return readFileSync(file, 'utf8').includes('log reopened'); } catch { return false; } });
    await (await fetch(`${g.base}/after-rotation`)).arrayBuffer();
    await waitFor(() => readFileSync(file, 'utf8').includes('/after-rotation'));
    assert.ok(!readFileSync(`${file}.1`, 'utf8').includes('/after-rotation'), 'a line went to the rotated file');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a bad setting stops gridd with exit code 2 and names the key', async () => {
  const r = await runGridd(['serve'], { GRIDD_DB_POOL_SIZE: '0' });
  assert.equal(r.code, 2);
  assert.match(r.err, /GRIDD_DB_POOL_SIZE: db_pool_size: 0 is out of range/);
  const u = await runGridd(['serve', '--bogus']);
  assert.equal(u.code, 2);
  const f = await runGridd(['serve', '--config', '/nonexistent/gridd.conf']);
  assert.equal(f.code, 2);
  assert.match(f.err, /\/nonexistent\/gridd.conf/);
});
