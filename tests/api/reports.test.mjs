// Reports from the field: intake, validation, idempotent retries, duplicates,
// scope, single reads, lists with keyset pagination and sync.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createDatabase, migrate, startGridd, psql, sleep } from './lib/harness.mjs';
import { assertProblem, assertMatchesContract } from './lib/contract.mjs';
import { login, client, useradd } from './lib/session.mjs';
import { wgs84ToGcj02 } from './lib/coords.mjs';

const PASSWORD = 'demo-city-tests-2026';
let g, dbUrl;
const as = {};

before(async () => {
  dbUrl = await createDatabase('reports');
  await migrate(dbUrl);
  execFileSync(process.env.GRIDD_BIN, ['demo'], { env: { ...process.env, GRIDD_DB_URL: dbUrl, GRIDD_DEMO_PASSWORD: PASSWORD } });
  // A dispatcher of street 002 only, to check the reporting area.
  await useradd(dbUrl, { login: 'dispatcher_jingshan', role: 'dispatcher', area: '110101002' }, PASSWORD);
  g = await startGridd({ dbUrl });
  for (const name of ['worker1', 'worker2', 'worker3', 'dispatcher1', 'dispatcher_jingshan', 'supervisor1', 'unit1', 'admin']) {
    const token = (await login(g.base, name, PASSWORD)).access_token;
    as[name] = client(g.base, token);
    as[name].auth = `Bearer ${token}`;
  }
});
after(async () => { await g?.stop(); });

// Cell centres of the demo grid (cells of 0.0012° x 0.0009° from 116.4000 E, 39.9100 N).
const CELL_1_1 = [116.4006, 39.91045];      // 110101001001001, worker1's
const CELL_1_2 = [116.4018, 39.91045];      // 110101001001002, worker1's
const CELL_W3 = [116.4042, 39.91045];       // 110101002001001, worker3's (street 002)
const OUTSIDE = [116.3000, 39.8000];
const iso = (offsetMs = 0) => new Date(Date.now() + offsetMs).toISOString().replace(/\.\d+Z$/, '+00:00');

const report = (over = {}) => ({
  category: 'event:0102',
  location: { type: 'Point', coordinates: CELL_1_1 },
  description: '路边垃圾桶满溢,垃圾散落',
  observed_at: iso(-60_000),
  ...over,
});
const post = (who, body, key) => fetch(`${g.base}/v1/reports`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}), authorization: as[who].auth },
  body: JSON.stringify(body),
});
const count = async (sql) => Number((await psql(dbUrl, sql)).trim());

test('a grid worker reports in their cell: 201 with cell, routed unit, case and audit event', async () => {
  const res = await post('worker1', report({ address: '东华门大街12号', accuracy_m: 8 }));
  const text = await res.text();
  await assertMatchesContract('POST', '/v1/reports', res, text);
  assert.equal(res.status, 201, text);
  const r = JSON.parse(text);
  assert.equal(res.headers.get('location'), `/v1/reports/${r.id}`);
  assert.match(r.id, /^[0-9a-f-]{36}$/);
  assert.equal(r.cell.code, '110101001001001');
  assert.equal(r.category, 'event:0102');
  assert.equal(r.status, 'reported');
  assert.ok(r.unit && r.unit.id > 0, 'routed to a unit');
  const routed = await (await as.worker1('GET', '/v1/routing/resolve?category=event:0102&cell=110101001001001')).json();
  assert.equal(r.unit.id, routed.unit.id);
  assert.deepEqual(r.flags, []);
  assert.deepEqual(r.location.coordinates, CELL_1_1);
  assert.equal(r.reporter.login, 'worker1');
  assert.ok(Array.isArray(r.possible_duplicates));
  // The case and the first link of its audit chain, hash recomputable.
  const row = (await psql(dbUrl, `SELECT c.state || '|' || e.kind || '|' || (e.hash = case_event_hash(NULL, e.case_id, 1, e.kind, e.actor_id, e.at, e.data))::text || '|' || (c.last_hash = e.hash)::text
    FROM cases c JOIN case_events e ON e.case_id = c.id WHERE c.id = ${r.case_id}`)).trim();
  assert.equal(row, 'reported|reported|true|true');
  await assert.rejects(psql(dbUrl, `UPDATE case_events SET kind = 'closed' WHERE case_id = ${r.case_id}`), /append-only/);
});

test('a second report of the same thing nearby lists the first case as a possible duplicate', async () => {
  const first = await (await post('worker1', report({ location: { type: 'Point', coordinates: [116.40062, 39.91047] } }))).json();
  const second = await (await post('worker1', report({ location: { type: 'Point', coordinates: [116.40070, 39.91050] } }))).json();
  const dup = second.possible_duplicates.find((d) => d.case_id === first.case_id);
  assert.ok(dup, JSON.stringify(second.possible_duplicates));
  assert.ok(dup.distance_m > 0 && dup.distance_m < 50, `distance ${dup.distance_m}`);
  assert.equal(dup.state, 'reported');
  // Another category at the same spot is not a duplicate.
  const other = await (await post('worker1', report({ category: 'event:0101', location: { type: 'Point', coordinates: [116.40070, 39.91050] } }))).json();
  assert.ok(!other.possible_duplicates.some((d) => d.case_id === first.case_id));
});

test('retries: same key and body replay the 201; another body is 409; nothing is stored twice', async () => {
  const key = randomUUID();
  const body = report({ description: '井盖周边积水' });
  const a = await post('worker1', body, key);
  const first = await a.json();
  const before = await count('SELECT count(*) FROM reports');
  const b = await post('worker1', { ...body }, key);
  assert.equal(b.status, 201);
  assert.equal(b.headers.get('idempotent-replayed'), 'true');
  assert.deepEqual(await b.json(), first);
  assert.equal(await count('SELECT count(*) FROM reports'), before);
  await assertProblem(await post('worker1', { ...body, description: '别的内容' }, key), 409, 'conflict');
  // Keys belong to an account: another worker's same key is a new report.
  const other = await post('worker3', report({ location: { type: 'Point', coordinates: CELL_W3 } }), key);
  assert.equal(other.status, 201);
});

test('a phone-made report id works as the key', async () => {
  const id = randomUUID();
  const body = report({ id, description: '人行道破损' });
  const a = await (await post('worker1', body)).json();
  assert.equal(a.id, id);
  const b = await post('worker1', body);
  assert.equal(b.status, 201);
  assert.deepEqual(await b.json(), a);
  await assertProblem(await post('worker1', { ...body, description: '改了' }), 409, 'conflict');
  // The same id from another account cannot make a second report.
  await assertProblem(await post('worker3', report({ id, location: { type: 'Point', coordinates: CELL_W3 } })), 409, 'conflict');
  assert.equal(await count(`SELECT count(*) FROM reports WHERE id = '${id}'`), 1);
});

test('concurrent identical retries make exactly one report', async () => {
  const key = randomUUID();
  const body = report({ description: '并发重试测试' });
  const answers = await Promise.all(Array.from({ length: 8 }, () => post('worker1', body, key)));
  const bodies = await Promise.all(answers.map((r) => r.json()));
  assert.deepEqual(answers.map((r) => r.status), Array(8).fill(201));
  assert.equal(new Set(bodies.map((b) => b.id)).size, 1);
  assert.equal(await count(`SELECT count(*) FROM reports WHERE description = '并发重试测试'`), 1);
});

test('every validation error names its field', async () => {
  const bad = async (body, pointer, status = 400) => {
    const p = await assertProblem(await post('worker1', body), status);
    assert.ok(p.errors?.some((e) => e.pointer === pointer), `${pointer}: ${JSON.stringify(p.errors)}`);
  };
  await bad(report({ category: 'event:0199' }), '/category');
  await bad(report({ category: 'event:01' }), '/category');
  await bad(report({ category: 'parking' }), '/category');
  await bad(report({ description: '' }), '/description');
  await bad(report({ description: '   ' }), '/description');
  await bad(report({ description: '字'.repeat(2001) }), '/description');
  await bad(report({ location: { type: 'Point', coordinates: [190, 39.9] } }), '/location/coordinates/0');
  await bad(report({ location: { type: 'Point', coordinates: [116.4, 95] } }), '/location/coordinates/1');
  await bad(report({ location: { type: 'LineString', coordinates: [[116.4, 39.9], [116.5, 39.9]] } }), '/location');
  await bad(report({ crs: 'mercator' }), '/crs');
  await bad(report({ observed_at: iso(10 * 60_000) }), '/observed_at');
  await bad(report({ observed_at: iso(-8 * 86400_000) }), '/observed_at');
  await bad(report({ observed_at: '2026-11-23 09:00' }), '/observed_at');
  await bad(report({ accuracy_m: -1 }), '/accuracy_m');
  await bad(report({ urgent: 'yes' }), '/urgent');
  await bad(report({ id: 'not-a-uuid' }), '/id');
  await bad(report({ colour: 'red' }), '/colour');
  await bad(report({ address: '址'.repeat(201) }), '/address');
  await bad(report({ location: { type: 'Point', coordinates: OUTSIDE } }), '/location', 422);
  const p = await assertProblem(await fetch(`${g.base}/v1/reports`, { method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': 'a b', authorization: as.worker1.auth },
    body: JSON.stringify(report()) }), 400);
  assert.equal(p.errors[0].pointer, '/header/Idempotency-Key');
});

test('poor GPS accuracy is flagged, not refused; a 5-minute clock skew is allowed', async () => {
  const r = await (await post('worker1', report({ accuracy_m: 350, observed_at: iso(4 * 60_000) }))).json();
  assert.deepEqual(r.flags, ['low_accuracy']);
});

test('GCJ-02 input is stored as WGS-84', async () => {
  // What AMap would give for the centre of cell 1-2.
  const wgs = CELL_1_2;
  const gcj = wgs84ToGcj02(wgs);
  const r = await (await post('worker1', report({ crs: 'gcj02', location: { type: 'Point', coordinates: gcj } }))).json();
  assert.equal(r.crs, 'gcj02');
  assert.equal(r.cell.code, '110101001001002');
  assert.ok(Math.abs(r.location.coordinates[0] - wgs[0]) < 2e-6 && Math.abs(r.location.coordinates[1] - wgs[1]) < 2e-6, JSON.stringify(r.location));
});

test('where one may report: districts of one\'s cells for workers, the area for dispatchers', async () => {
  const away = await (await post('worker1', report({ location: { type: 'Point', coordinates: CELL_W3 } }))).json();
  assert.deepEqual(away.flags, ['outside_own_cells']);
  assert.equal(away.cell.code, '110101002001001');
  const hotline = await post('dispatcher1', report({ location: { type: 'Point', coordinates: CELL_1_1 } }));
  assert.equal(hotline.status, 201);
  const p = await assertProblem(await post('dispatcher_jingshan', report({ location: { type: 'Point', coordinates: CELL_1_1 } })), 422);
  assert.equal(p.errors[0].pointer, '/location');
  await assertProblem(await post('unit1', report()), 403, 'forbidden');
  await assertProblem(await post('supervisor1', report()), 403, 'forbidden');
});

test('a report is visible to its reporter, its cell\'s workers, the area\'s dispatchers and supervisors; 404 to others', async () => {
  const r = await (await post('worker1', report({ description: '看得见吗' }))).json();
  for (const who of ['worker1', 'dispatcher1', 'supervisor1', 'admin']) {
    const res = await as[who]('GET', `/v1/reports/${r.id}`);
    const text = await res.text();
    assert.equal(res.status, 200, `${who}: ${text}`);
    await assertMatchesContract('GET', '/v1/reports/{id}', res, text);
    assert.equal(JSON.parse(text).id, r.id);
  }
  for (const who of ['worker2', 'worker3', 'dispatcher_jingshan', 'unit1'])
    await assertProblem(await as[who]('GET', `/v1/reports/${r.id}`), 404, 'not-found');
  // worker1's report in worker3's cell: both see it.
  const away = await (await post('worker1', report({ location: { type: 'Point', coordinates: CELL_W3 } }))).json();
  assert.equal((await as.worker3('GET', `/v1/reports/${away.id}`)).status, 200);
  assert.equal((await as.worker1('GET', `/v1/reports/${away.id}`)).status, 200);
  await assertProblem(await as.worker1('GET', '/v1/reports/not-a-uuid'), 404);
  await assertProblem(await as.worker1('GET', `/v1/reports/${randomUUID()}`), 404);
});

// All pages of a list, following next.
async function pages(who, query) {
  const out = [];
  let next = null;
  let n = 0;
  do {
    const res = await as[who]('GET', `/v1/reports?${query}${next ? `&after=${encodeURIComponent(next)}` : ''}`);
    const text = await res.text();
    assert.equal(res.status, 200, text);
    if (n === 0) await assertMatchesContract('GET', '/v1/reports', res, text);
    const page = JSON.parse(text);
    out.push(page.items);
    next = page.next;
    n++;
  } while (next && n < 100);
  return out;
}

test('lists are scoped and filtered', async () => {
  const mine = (await pages('worker2', 'reporter=me&limit=200')).flat();
  assert.ok(mine.every((r) => r.reporter.login === 'worker2'), 'reporter=me: only their own');
  const w1 = (await pages('worker1', 'limit=200')).flat();
  assert.ok(w1.length >= 10);
  const seen2 = (await pages('worker2', 'limit=200')).flat();
  assert.ok(seen2.every((r) => ['110101001002001', '110101001002002'].includes(r.cell.code)), 'worker2 sees only their cells');
  const inCell = (await pages('dispatcher1', 'cell=110101002001001&limit=200')).flat();
  assert.ok(inCell.length >= 2 && inCell.every((r) => r.cell.code === '110101002001001'));
  const major = (await pages('dispatcher1', 'category=event:01&status=reported')).flat();
  const w1Reported = w1.filter((r) => r.category.startsWith('event:01') && r.status === 'reported');
  assert.ok(major.length >= w1Reported.length && w1Reported.length >= 5);
  assert.ok(major.every((r) => r.category.startsWith('event:01') && r.status === 'reported'));
  const minor = (await pages('dispatcher1', 'category=event:0101')).flat();
  assert.ok(minor.length >= 1 && minor.every((r) => r.category === 'event:0101'));
  const unitSees = (await pages('unit1', 'limit=200')).flat();
  assert.ok(unitSees.every((r) => !['reported', 'registered', 'rejected'].includes(r.status)), 'unit staff see nothing before dispatch');
  assert.ok(!unitSees.some((r) => w1.some((x) => x.id === r.id && x.status === 'reported')));
  for (const q of ['limit=0', 'limit=201', 'cell=12', 'category=event', 'status=open', 'reporter=you', 'updated_after=yesterday', 'after=zzz'])
    assert.equal((await as.worker1('GET', `/v1/reports?${q}`)).status, 400, q);
});

test('paging newest first is stable while reports keep arriving', async () => {
  const ids = [];
  for (let i = 0; i < 5; i++) ids.push((await (await post('worker2', report({ description: `翻页 ${i}`, location: { type: 'Point', coordinates: [116.4006, 39.91225] } }))).json()).id);
  const first = await (await as.worker2('GET', '/v1/reports?reporter=me&limit=2')).json();
  assert.deepEqual(first.items.map((r) => r.id), [ids[4], ids[3]]);
  // A report filed between pages goes before the first page, not into the rest.
  await post('worker2', report({ description: '翻页 新', location: { type: 'Point', coordinates: [116.4006, 39.91225] } }));
  const second = await (await as.worker2('GET', `/v1/reports?reporter=me&limit=2&after=${first.next}`)).json();
  assert.deepEqual(second.items.map((r) => r.id), [ids[2], ids[1]]);
  const third = await (await as.worker2('GET', `/v1/reports?reporter=me&limit=2&after=${second.next}`)).json();
  assert.equal(third.items[0].id, ids[0]);
  // Anything after it is older than the five (the demo's own reports).
  assert.ok(third.items.slice(1).every((r) => !ids.includes(r.id) && !r.description.startsWith('翻页')));
});

test('updated_after syncs oldest change first, holding back rows younger than the settle time', async () => {
  const since = new Date().toISOString();
  const a = await (await post('worker3', report({ description: '同步 1', location: { type: 'Point', coordinates: CELL_W3 } }))).json();
  const b = await (await post('worker3', report({ description: '同步 2', location: { type: 'Point', coordinates: CELL_W3 } }))).json();
  const q = `reporter=me&updated_after=${encodeURIComponent(since)}&limit=1`;
  // Just written: not yet handed out (report_sync_settle_ms, 2 s by default).
  assert.deepEqual((await (await as.worker3('GET', `/v1/reports?${q}`)).json()).items, []);
  await sleep(2200);
  const got = (await pages('worker3', q)).flat().map((r) => r.id);
  assert.deepEqual(got, [a.id, b.id]);
});
