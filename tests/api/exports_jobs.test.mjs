// Case ledgers too long for one response run as background jobs: 202 and a
// job URL (Prefer: respond-async, or a ledger that passes export_max_rows),
// progress while running, the file when done - the same bytes as the inline
// answer - only for its owner, removed by the sweeper when it expires, and a
// plain problem when it failed.
//
// Months of cases, each test its own:
//   2025-01  2,500 cases (more than a page), awkward descriptions
//   2025-02  4,500 cases, for an instance whose export_max_rows is 100
//   2025-03  30 cases, for shutdown and failures
//   2024-01  1,048,576 cases: one more than an XLSX sheet holds
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import ExcelJS from 'exceljs';
import { createDatabase, migrate, startGridd, psql, sleep, waitFor, testExportDir } from './lib/harness.mjs';
import { assertProblem, assertMatchesContract } from './lib/contract.mjs';
import { login, useradd } from './lib/session.mjs';

const PASSWORD = 'demo-city-tests-2026';
let g, small, dbUrl;

const sql = async (q) => (await psql(dbUrl, q)).trim();
const parseCsv = (text) => text.split('\r\n').filter((l) => l).map((l) => l.split(','));
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

// n cases reported in a month, copied from a demo case; several share a
// time, so pages break inside equal times. The descriptions need quoting,
// a formula guard, line breaks.
async function addCases(month, n, { state } = {}) {
  await sql(`INSERT INTO cases (state, category_kind, category_code, cell_code, unit_id, location, description,
      created_at, updated_at, reporter_id)
    SELECT ${state ? `'${state}'` : 'state'}, category_kind, category_code, cell_code, unit_id, location,
      CASE n % 5 WHEN 0 THEN '后台导出 ' || n WHEN 1 THEN '逗号, 引号 "' || n || '"'
        WHEN 2 THEN '=HYPERLINK("x") ' || n WHEN 3 THEN E'换行\\n第二行 ' || n ELSE 'plain ' || n END,
      '${month}-05 10:00+08'::timestamptz + (n / 3) * interval '1 minute', now(), reporter_id
    FROM cases, generate_series(1, ${n}) n
    WHERE id = (SELECT min(id) FROM cases WHERE state NOT IN ('merged'))`);
}

before(async () => {
  dbUrl = await createDatabase('exports_jobs');
  await migrate(dbUrl);
  execFileSync(process.env.GRIDD_BIN, ['demo'], { env: { ...process.env, GRIDD_DB_URL: dbUrl, GRIDD_DEMO_PASSWORD: PASSWORD } });
  await useradd(dbUrl, { login: 'other_sup', role: 'supervisor', area: '110101' }, PASSWORD);
  g = await startGridd({ dbUrl });
  small = await startGridd({ dbUrl, env: { GRIDD_EXPORT_MAX_ROWS: 100 } });
  await addCases('2025-01', 2500);
  await addCases('2025-02', 4500);
  await addCases('2025-03', 30);
});
after(async () => { await g?.stop(); await small?.stop(); });

const ASYNC = { prefer: 'respond-async' };
const tokens = new Map();
/** GET as who (logged in once per instance), on g unless told another base. */
async function get(who, path, headers = {}, base = g.base) {
  const key = `${base} ${who}`;
  if (!tokens.has(key)) tokens.set(key, (await login(base, who, PASSWORD)).access_token);
  return fetch(`${base}${path}`, { headers: { authorization: `Bearer ${tokens.get(key)}`, ...headers } });
}

/** A 202 that starts a job: its headers, body and contract. */
async function started(res, { preferred }) {
  const text = await res.text();
  assert.equal(res.status, 202, text);
  await assertMatchesContract('GET', '/v1/exports/{name}', res, text);
  const job = JSON.parse(text);
  assert.equal(res.headers.get('location'), `/v1/exports/jobs/${job.id}`);
  assert.equal(job.url, res.headers.get('location'));
  assert.equal(res.headers.get('preference-applied'), preferred ? 'respond-async' : null);
  assert.match(res.headers.get('retry-after'), /^\d+$/);
  assert.equal(job.state, 'running');
  return job;
}

/** Polls a job until it is no longer running; returns the last answer and every status seen. */
async function follow(who, url, base = g.base) {
  const seen = [];
  for (let i = 0; i < 600; i++) {
    const res = await get(who, url, {}, base);
    seen.push(res.status);
    if (res.status !== 202) return { res, seen };
    const text = await res.text();
    await assertMatchesContract('GET', '/v1/exports/jobs/{id}', res, text);
    assert.equal(res.headers.get('retry-after'), '2');
    const job = JSON.parse(text);
    assert.equal(job.state, 'running');
    assert.ok(job.rows_done <= job.rows_total, JSON.stringify(job));
    await sleep(50); // faster than Retry-After asks: the test has no time to lose
  }
  throw new Error(`job ${url} still running`);
}

async function fileOf(res, name, type) {
  assert.equal(res.status, 200, res.status === 200 ? '' : await res.clone().text());
  await assertMatchesContract('GET', '/v1/exports/jobs/{id}', res, '');
  assert.equal(res.headers.get('content-disposition'), `attachment; filename="${name}"`);
  assert.equal(res.headers.get('content-type'), type);
  assert.equal(res.headers.get('cache-control'), 'no-store');
  return Buffer.from(await res.arrayBuffer());
}

async function inline(who, path) {
  const res = await get(who, path);
  assert.equal(res.status, 200, await res.clone().text());
  return Buffer.from(await res.arrayBuffer());
}

async function cellsOf(bytes) {
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(bytes);
  assert.equal(book.worksheets.length, 1);
  const sheet = book.worksheets[0];
  const rows = [];
  sheet.eachRow({ includeEmpty: true }, (row) => rows.push(JSON.stringify(row.values)));
  return { name: sheet.name, rowCount: sheet.rowCount, rows, sheet };
}

const csvIds = (bytes) => parseCsv(bytes.subarray(3).toString('utf8')).slice(1).map((l) => l[0]);
const monthIds = async (month) => (await sql(`SELECT string_agg(id::text, ',' ORDER BY id) FROM cases
  WHERE created_at >= '${month}-01 00:00+08' AND created_at < ('${month}-01'::date + interval '1 month')::timestamp AT TIME ZONE 'Asia/Shanghai'`)).split(',');

test('Prefer: respond-async gives 202 and a job whose CSV is byte for byte the inline answer', async () => {
  const path = '/v1/exports/cases.csv?month=2025-01';
  const direct = await inline('supervisor1', path);
  const job = await started(await get('supervisor1', path, ASYNC), { preferred: true });
  assert.equal(job.name, 'cases.csv');
  assert.equal(job.format, 'csv');
  assert.equal(job.rows_total, 2500);
  assert.deepEqual(job.params, { from: '2025-01-01', to: '2025-01-31', area: null, unit: null, include_subunits: false, category: null });
  const { res, seen } = await follow('supervisor1', job.url);
  assert.ok(seen.slice(0, -1).every((s) => s === 202) && seen.at(-1) === 200, `polled ${seen}`);
  const bytes = await fileOf(res, 'cases.csv', 'text/csv; charset=utf-8');
  assert.equal(csvIds(direct).length, 2500);
  assert.ok(bytes.equals(direct), 'the job wrote exactly the bytes of the inline answer');
  const row = JSON.parse(await sql(`SELECT row_to_json(j) FROM export_jobs j WHERE id = ${job.id}`));
  assert.deepEqual([row.state, row.rows_done, row.rows_total, row.bytes, row.file_name],
    ['done', 2500, 2500, bytes.length, `${job.id}.csv`]);
  assert.ok(new Date(row.expires_at) - new Date(row.finished_at) >= 86399_000, 'kept export_job_ttl_s');
  assert.deepEqual(readdirSync(testExportDir()).filter((f) => f.startsWith(`${job.id}.`)), [`${job.id}.csv`]);
  // Downloaded as often as the owner likes until it expires.
  assert.ok((await fileOf(await get('supervisor1', job.url), 'cases.csv', 'text/csv; charset=utf-8')).equals(direct));
});

test('the job\'s XLSX has the cells of the inline XLSX', async () => {
  const path = '/v1/exports/cases.xlsx?month=2025-01';
  const direct = await cellsOf(await inline('supervisor1', path));
  const job = await started(await get('supervisor1', path, { prefer: 'wait=10, respond-async' }), { preferred: true });
  assert.equal(job.format, 'xlsx');
  const { res } = await follow('supervisor1', job.url);
  const made = await cellsOf(await fileOf(res, 'cases.xlsx', XLSX));
  assert.equal(made.name, '案件台账');
  assert.equal(made.rowCount, 2501);
  assert.equal(made.sheet.views[0].state, 'frozen');
  assert.deepEqual(made.rows, direct.rows);
});

test('a ledger that passes export_max_rows answers 202 and the finished file has every case once', async () => {
  for (const [name, type] of [['cases.csv', 'text/csv; charset=utf-8'], ['cases.xlsx', XLSX]]) {
    const res = await get('supervisor1', `/v1/exports/${name}?month=2025-02`, {}, small.base);
    const job = await started(res, { preferred: false });
    assert.equal(job.rows_total, 4500);
    const { res: done } = await follow('supervisor1', job.url, small.base);
    const bytes = await fileOf(done, name, type);
    let ids;
    if (name.endsWith('.csv')) {
      ids = csvIds(bytes);
    } else {
      const { sheet, rowCount } = await cellsOf(bytes);
      assert.equal(rowCount, 4501);
      ids = [];
      for (let r = 2; r <= rowCount; r++) ids.push(String(sheet.getRow(r).getCell(1).value));
    }
    assert.equal(ids.length, 4500, name);
    assert.equal(new Set(ids).size, 4500, `${name}: no case twice`);
    assert.deepEqual([...ids].sort(), [...(await monthIds('2025-02'))].sort(), `${name}: every case of the month`);
    // The same job is visible through the other instance: the state is in the database.
    assert.equal((await get('supervisor1', job.url)).status, 200);
  }
  // A short ledger stays inline on the same instance.
  const shortOne = await get('supervisor1', '/v1/exports/cases.csv?month=2025-03', {}, small.base);
  assert.equal(shortOne.status, 200);
  assert.equal(csvIds(Buffer.from(await shortOne.arrayBuffer())).length, 30);
  // The closure table ignores the preference: it is small.
  const closure = await get('supervisor1', '/v1/exports/closure.csv?month=2025-01', ASYNC);
  assert.equal(closure.status, 200);
  assert.equal(closure.headers.get('preference-applied'), null);
});

test('a job is its owner\'s: anyone else gets the 404 of an unknown job', async () => {
  const job = await started(await get('supervisor1', '/v1/exports/cases.csv?month=2025-03', ASYNC), { preferred: true });
  await follow('supervisor1', job.url);
  for (const who of ['other_sup', 'unit1', 'worker1'])
    await assertProblem(await get(who, job.url), 404, 'not-found');
  await assertProblem(await get('supervisor1', '/v1/exports/jobs/999999999'), 404, 'not-found');
  await assertProblem(await get('supervisor1', '/v1/exports/jobs/abc'), 404, 'not-found');
  // A grid worker exports the ledger of their own cells, as a job too.
  const mine = await started(await get('worker1', '/v1/exports/cases.csv?month=2025-03', ASYNC), { preferred: true });
  const { res } = await follow('worker1', mine.url);
  const ids = csvIds(await fileOf(res, 'cases.csv', 'text/csv; charset=utf-8'));
  const inCells = await sql(`SELECT count(*) FROM cases c WHERE c.created_at >= '2025-03-01 00:00+08'
    AND c.created_at < '2025-04-01 00:00+08' AND c.cell_code IN (SELECT cell_code FROM user_cells uc
    JOIN users u ON u.id = uc.user_id WHERE u.login = 'worker1')`);
  assert.equal(ids.length, Number(inCells));
});

test('GET /v1/exports/jobs lists the caller\'s jobs, newest first, page by page', async () => {
  const res = await get('supervisor1', '/v1/exports/jobs?limit=100');
  const text = await res.text();
  assert.equal(res.status, 200, text);
  await assertMatchesContract('GET', '/v1/exports/jobs', res, text);
  const { items, next } = JSON.parse(text);
  const mine = (await sql(`SELECT string_agg(j.id::text, ',' ORDER BY j.id DESC) FROM export_jobs j
    JOIN users u ON u.id = j.user_id WHERE u.login = 'supervisor1'`)).split(',').map(Number);
  assert.ok(mine.length >= 5);
  assert.deepEqual(items.map((j) => j.id), mine);
  assert.equal(next, null);
  assert.ok(items.every((j) => j.state === 'done' && j.url === `/v1/exports/jobs/${j.id}`));
  const first = await (await get('supervisor1', '/v1/exports/jobs?limit=2')).json();
  assert.deepEqual(first.items.map((j) => j.id), mine.slice(0, 2));
  const second = await (await get('supervisor1', `/v1/exports/jobs?limit=2&after=${first.next}`)).json();
  assert.deepEqual(second.items.map((j) => j.id), mine.slice(2, 4));
  // Another account sees none of them.
  const theirs = await (await get('other_sup', '/v1/exports/jobs')).json();
  assert.ok(theirs.items.every((j) => !mine.includes(j.id)));
  await assertProblem(await get('supervisor1', '/v1/exports/jobs?limit=0'), 400);
});

test('a running job answers 202 with its progress; a silent one is reported interrupted', async () => {
  const uid = await sql(`SELECT id FROM users WHERE login = 'other_sup'`);
  const insert = (updated) => sql(`INSERT INTO export_jobs (user_id, name, format, params, rows_done, rows_total,
      updated_at, expires_at) VALUES (${uid}, 'cases.csv', 'csv', '{}', 4000, 10000, ${updated}, now() + interval '1 day')
    RETURNING id`);
  const live = await insert('now()');
  const res = await get('other_sup', `/v1/exports/jobs/${live}`);
  const text = await res.text();
  assert.equal(res.status, 202, text);
  await assertMatchesContract('GET', '/v1/exports/jobs/{id}', res, text);
  assert.equal(res.headers.get('retry-after'), '2');
  const body = JSON.parse(text);
  assert.deepEqual([body.state, body.rows_done, body.rows_total, body.error], ['running', 4000, 10000, null]);
  // Its instance died: the heartbeat stopped three minutes ago.
  const dead = await insert(`now() - interval '4 minutes'`);
  const p = await assertProblem(await get('other_sup', `/v1/exports/jobs/${dead}`), 500, 'export-failed');
  assert.match(p.detail, /请重新导出/);
  assert.match(p.detail, /request it again/);
  const listed = (await (await get('other_sup', '/v1/exports/jobs')).json()).items.find((j) => j.id === Number(dead));
  assert.deepEqual([listed.state, listed.error], ['failed', 'interrupted']);
  // Three running exports are the most one account may have.
  await insert('now()');
  await insert('now()');
  const busy = await assertProblem(await get('other_sup', '/v1/exports/cases.csv?month=2025-03', ASYNC), 429, 'too-many-requests');
  assert.match(busy.detail, /3/);
  await sql(`DELETE FROM export_jobs WHERE user_id = ${uid}`);
});

test('a job that cannot write its file fails, says so plainly, and leaves nothing behind', async () => {
  // export_dir is a regular file: no directory can be made there, even as root.
  const dir = mkdtempSync(join(tmpdir(), 'gridd-export-blocked-'));
  const blocked = join(dir, 'not-a-directory');
  writeFileSync(blocked, 'x');
  const broken = await startGridd({ dbUrl, env: { GRIDD_EXPORT_DIR: blocked } });
  try {
    const token = (await login(broken.base, 'supervisor1', PASSWORD)).access_token;
    const call = (path, headers = {}) => fetch(`${broken.base}${path}`, { headers: { authorization: `Bearer ${token}`, ...headers } });
    const res = await call('/v1/exports/cases.xlsx?month=2025-03', ASYNC);
    const job = await started(res, { preferred: true });
    let last;
    await waitFor(async () => (last = await call(job.url)).status !== 202, { what: 'the job to end' });
    const p = await assertProblem(last, 500, 'export-failed');
    assert.match(p.detail, /请重新导出/);
    assert.deepEqual(await sql(`SELECT state || ' ' || error_code FROM export_jobs WHERE id = ${job.id}`), 'failed file');
    assert.match(await sql(`SELECT error FROM export_jobs WHERE id = ${job.id}`), /Not a directory|File exists/);
    assert.deepEqual(readdirSync(dir), ['not-a-directory']);
  } finally {
    await broken.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the sweeper deletes expired jobs and their files, finished or not', async () => {
  const job = await started(await get('supervisor1', '/v1/exports/cases.csv?month=2025-03', ASYNC), { preferred: true });
  await follow('supervisor1', job.url);
  const file = join(testExportDir(), `${job.id}.csv`);
  assert.ok(existsSync(file));
  // A job whose instance died mid-way: its row still running, its .part left.
  const uid = await sql(`SELECT id FROM users WHERE login = 'supervisor1'`);
  const orphan = await sql(`INSERT INTO export_jobs (user_id, name, format, params, updated_at, expires_at)
    VALUES (${uid}, 'cases.xlsx', 'xlsx', '{}', now() - interval '2 days', now() - interval '1 hour') RETURNING id`);
  const part = join(testExportDir(), `${orphan}.part`);
  writeFileSync(part, 'half a workbook');
  await sql(`UPDATE export_jobs SET expires_at = now() - interval '1 second' WHERE id = ${job.id}`);
  // Expired: gone for its owner at once, before any sweep.
  await assertProblem(await get('supervisor1', job.url), 404);
  const sweeper = await startGridd({ dbUrl, env: { GRIDD_SWEEPER_INTERVAL_S: 1 } });
  try {
    await waitFor(async () => (await sql(`SELECT count(*) FROM export_jobs WHERE id IN (${job.id}, ${orphan})`)) === '0',
      { what: 'the expired rows to go' });
    await waitFor(() => !existsSync(file) && !existsSync(part), { what: 'their files to go' });
  } finally {
    await sweeper.stop();
  }
  // A job that has not expired stays.
  assert.ok(Number(await sql(`SELECT count(*) FROM export_jobs WHERE user_id = ${uid}`)) >= 4);
});

test('stopping gridd in the middle of a job records it interrupted and leaves no .part behind', async () => {
  const victim = await startGridd({ dbUrl, env: { GRIDD_EXPORT_MAX_ROWS: 100 } });
  let job;
  try {
    const token = (await login(victim.base, 'supervisor1', PASSWORD)).access_token;
    const res = await fetch(`${victim.base}/v1/exports/cases.csv?month=2025-02`, { headers: { authorization: `Bearer ${token}` } });
    job = await started(res, { preferred: false });
  } finally {
    assert.equal(await victim.stop(), 0, 'exit code');
  }
  assert.ok(!victim.logs.some((l) => /AddressSanitizer|LeakSanitizer|runtime error/.test(l)), victim.logs.join('\n'));
  assert.ok(!existsSync(join(testExportDir(), `${job.id}.part`)), 'no half-written file');
  // The drain waits for the job to stop at its next step and say so (unless
  // it was done already); a harder stop leaves it to the heartbeat rule.
  const state = await sql(`SELECT state || ' ' || coalesce(error_code, '-') FROM export_jobs WHERE id = ${job.id}`);
  assert.match(state, /^(done -|failed interrupted)$/);
  if (state.startsWith('failed')) {
    const p = await assertProblem(await get('supervisor1', job.url), 500, 'export-failed');
    assert.match(p.detail, /中断/);
  }
});

test('an XLSX ledger longer than a sheet holds is refused at once: export CSV', async () => {
  // 1,048,576 cases: one more than fit under the header. Rejected cases keep
  // the insert cheap (no open-case index); the triggers are skipped.
  await sql(`SET session_replication_role = replica;
    INSERT INTO cases (state, category_kind, category_code, cell_code, unit_id, location, description, created_at, reporter_id)
    SELECT 'rejected', category_kind, category_code, cell_code, unit_id, location, '超长台账',
      '2024-01-10 10:00+08', reporter_id
    FROM cases, generate_series(1, 1048576) n WHERE id = (SELECT min(id) FROM cases)`);
  const before = await sql('SELECT count(*) FROM export_jobs');
  // Asked for as a job, or passing export_max_rows on the way.
  for (const [headers, base] of [[ASYNC, g.base], [{}, small.base]]) {
    const p = await assertProblem(await get('supervisor1', '/v1/exports/cases.xlsx?month=2024-01', headers, base), 422, 'unprocessable');
    assert.match(p.detail, /1,048,575/);
    assert.match(p.detail, /CSV/);
  }
  assert.equal(await sql('SELECT count(*) FROM export_jobs'), before, 'no job was started');
  // CSV has no such limit: the job starts.
  const job = await started(await get('supervisor1', '/v1/exports/cases.csv?month=2024-01', ASYNC), { preferred: true });
  assert.equal(job.rows_total, 1048576);
  await sql(`UPDATE export_jobs SET state = 'failed', error_code = 'interrupted' WHERE id = ${job.id}`); // stop it early
});

test('gridd_app, the serving role, may use export_jobs', async () => {
  assert.equal(await sql(`SELECT has_table_privilege('gridd_app', 'export_jobs', 'SELECT, INSERT, UPDATE, DELETE')`), 't');
});
