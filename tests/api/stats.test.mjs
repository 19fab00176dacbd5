// Supervision statistics against a month worked out by hand: March 2025 in
// Asia/Shanghai, built through the real workflow and then placed in time.
//
// Unit 1 (东城区环卫中心):
//   A1 closed on time     due 03-10 12:00, resolved 03-10 10:00, 2 h handling
//   A2 closed late        due 03-12 12:00, resolved 03-13 09:00, 10 h
//   A3 reworked once, then closed on time (due 03-14 17:00), 1.5 h
//   A4 extended, in progress, due 03-20
//   A5 suspended (挂账), due 03-25
//   A6 closed on time, deadline 03-31 23:59:59 (the last second of March), 0.5 h
//   A7 deadline 04-01 00:00:00: April's, not March's
//   A8 in progress, overdue since 03-15
// Unit 2 (城管执法队, a team of unit 3): B1, B2 closed on time (03-05).
// Everything reported, registered and dispatched on 03-01.
//
// March, suspended cases excluded, minimum sample 5:
//   unit 1: due 7, due' 6, closed 4 (A1 A2 A3 A6), on time 3 (A1 A3 A6)
//     closure 4/6 = 66.67 %, on time 3/6 = 50.00 %, rework 1/6 = 16.67 %,
//     extension 1/6 = 16.67 %, overdue 1, handling mean 50400/4 s = 3.50 h,
//     p90 = top of the [8 h, 16 h) bucket = 16.00 h
//     score 40·3/6 + 30·4/6 + 15·5/6 + 10·5/6 + 5·6/6 = 65.83
//   unit 2: due 2, all closed on time: 100 %, sample too small, not ranked
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createDatabase, migrate, startGridd, psql } from './lib/harness.mjs';
import { assertProblem, assertMatchesContract } from './lib/contract.mjs';
import { login, client, useradd } from './lib/session.mjs';
import ExcelJS from 'exceljs';

const PASSWORD = 'demo-city-tests-2026';
let g, dbUrl;
const as = {};
const ids = {};

const CENTRE = [116.4006, 39.91045];   // cell 110101001001001, worker1's
const sql = async (q) => (await psql(dbUrl, q)).trim();

async function newCase() {
  const res = await as.worker1('POST', '/v1/reports', { category: 'event:0108', description: '统计测试',
    location: { type: 'Point', coordinates: CENTRE }, observed_at: new Date(Date.now() - 60_000).toISOString() });
  assert.equal(res.status, 201, await res.clone().text());
  return (await res.json()).case_id;
}
async function step(who, id, action, body = {}) {
  const res = await as[who]('POST', `/v1/cases/${id}/${action}`, body);
  assert.equal(res.status, 200, `${who} ${action}: ${await res.clone().text()}`);
  return res.json();
}
const later = () => new Date(Date.now() + 5 * 86400_000).toISOString();
const SCRIPTS = {
  closed: [['unit1', 'accept'], ['unit1', 'resolve'], ['worker1', 'check', { result: 'passed' }]],
  reworked: [['unit1', 'accept'], ['unit1', 'resolve'], ['worker1', 'check', { result: 'failed', note: '仍有垃圾' }],
    ['unit1', 'resolve'], ['worker1', 'check', { result: 'passed' }]],
  extended: [['unit1', 'accept'], ['unit1', 'request-extension', { reason: '需调配机械', proposed_due_at: later() }],
    ['supervisor1', 'approve-extension']],
  suspended: [['unit1', 'accept'], ['supervisor1', 'suspend', { reason: '待规划意见' }]],
  open: [['unit1', 'accept']],
  dispatched: [],
};
async function build(unit, script) {
  const id = await newCase();
  await step('dispatcher1', id, 'verify');
  await step('dispatcher1', id, 'dispatch', { unit_id: unit });
  for (const [who0, action, body] of SCRIPTS[script]) {
    const who = who0 === 'unit1' && unit === 2 ? 'unit2' : who0;
    await step(who, id, action, body);
  }
  return id;
}
// Moves a case into the past: the statistics trigger moves its counts along.
async function place(id, { due, resolved, closed, handling, overdue }) {
  const t = (s) => (s ? `'${s}+08'` : 'NULL');
  await sql(`UPDATE cases SET created_at = '2025-03-01 09:00+08', registered_at = '2025-03-01 09:10+08',
      dispatched_at = '2025-03-01 09:20+08', due_at = ${t(due)},
      resolved_at = coalesce(${t(resolved)}, resolved_at), closed_at = coalesce(${t(closed)}, closed_at),
      handling_s = ${handling ?? 'handling_s'}, overdue_at = ${overdue ? `'${overdue}+08'` : 'overdue_at'}
    WHERE id = ${id}`);
}

before(async () => {
  dbUrl = await createDatabase('stats');
  await migrate(dbUrl);
  execFileSync(process.env.GRIDD_BIN, ['demo'], { env: { ...process.env, GRIDD_DB_URL: dbUrl, GRIDD_DEMO_PASSWORD: PASSWORD } });
  await useradd(dbUrl, { login: 'jingshan_sup', role: 'supervisor', area: '110101002' }, PASSWORD);
  await useradd(dbUrl, { login: 'cgw_staff', role: 'unit_staff', unit: 3 }, PASSWORD);
  g = await startGridd({ dbUrl });
  for (const who of ['worker1', 'dispatcher1', 'supervisor1', 'unit1', 'unit2', 'admin', 'jingshan_sup', 'cgw_staff'])
    as[who] = client(g.base, (await login(g.base, who, PASSWORD)).access_token);

  ids.A1 = await build(1, 'closed');
  ids.A2 = await build(1, 'closed');
  ids.A3 = await build(1, 'reworked');
  ids.A4 = await build(1, 'extended');
  ids.A5 = await build(1, 'suspended');
  ids.A6 = await build(1, 'closed');
  ids.A7 = await build(1, 'dispatched');
  ids.A8 = await build(1, 'open');
  ids.B1 = await build(2, 'closed');
  ids.B2 = await build(2, 'closed');
  await place(ids.A1, { due: '2025-03-10 12:00', resolved: '2025-03-10 10:00', closed: '2025-03-10 11:00', handling: 7200 });
  await place(ids.A2, { due: '2025-03-12 12:00', resolved: '2025-03-13 09:00', closed: '2025-03-13 10:00', handling: 36000 });
  await place(ids.A3, { due: '2025-03-14 17:00', resolved: '2025-03-14 16:00', closed: '2025-03-14 16:30', handling: 5400 });
  await place(ids.A4, { due: '2025-03-20 17:00' });
  await place(ids.A5, { due: '2025-03-25 17:00' });
  await place(ids.A6, { due: '2025-03-31 23:59:59', resolved: '2025-03-31 20:00', closed: '2025-03-31 21:00', handling: 1800 });
  await place(ids.A7, { due: '2025-04-01 00:00:00' });
  await place(ids.A8, { due: '2025-03-15 12:00', overdue: '2025-03-15 12:01' });
  await place(ids.B1, { due: '2025-03-05 12:00', resolved: '2025-03-05 10:00', closed: '2025-03-05 10:30', handling: 3600 });
  await place(ids.B2, { due: '2025-03-05 12:00', resolved: '2025-03-05 11:00', closed: '2025-03-05 11:30', handling: 3600 });
});
after(async () => { await g?.stop(); });

async function closure(who, query) {
  const res = await as[who]('GET', `/v1/stats/closure?${query}`);
  const text = await res.text();
  assert.equal(res.status, 200, text);
  await assertMatchesContract('GET', '/v1/stats/closure', res, text);
  return JSON.parse(text);
}
const row = (body, key) => body.rows.find((r) => r.key === String(key));

test('resolve records the working time since dispatch', async () => {
  const id = await build(1, 'closed');
  assert.match(await sql(`SELECT handling_s FROM cases WHERE id = ${id}`), /^\d+$/);
});

test('March by unit: every measure as computed by hand', async () => {
  const body = await closure('supervisor1', 'month=2025-03&group_by=unit');
  assert.equal(body.from, '2025-03-01');
  assert.equal(body.to, '2025-03-31');
  const u1 = row(body, 1);
  assert.equal(u1.name, '东城区环卫中心');
  assert.deepEqual(
    [u1.reported, u1.registered, u1.dispatched, u1.due, u1.due_suspended, u1.closed, u1.closed_on_time,
      u1.overdue, u1.reworked, u1.reworks, u1.extended, u1.extensions, u1.handled],
    [8, 8, 8, 6, 1, 4, 3, 1, 1, 1, 1, 1, 4]);
  assert.equal(u1.closure_rate, 66.67);
  assert.equal(u1.on_time_closure_rate, 50);
  assert.equal(u1.rework_rate, 16.67);
  assert.equal(u1.extension_rate, 16.67);
  assert.equal(u1.mean_handling_hours, 3.5);
  assert.equal(u1.p90_handling_hours, 16);
  assert.equal(u1.sample_too_small, false);
  assert.equal(u1.rank, 1);
  const u2 = row(body, 2);
  assert.deepEqual([u2.due, u2.closed, u2.closed_on_time, u2.closure_rate], [2, 2, 2, 100]);
  assert.equal(u2.sample_too_small, true);
  assert.equal(u2.rank, null);
  assert.equal(body.rows[0].key, '1', 'ranked groups come first');
  assert.equal(body.total.due, 8);
  assert.equal(body.total.closed, 6);
  assert.equal(body.total.on_time_closure_rate, 62.5);
});

test('a deadline on the month boundary counts in its own month', async () => {
  const april = await closure('supervisor1', 'month=2025-04&group_by=unit');
  assert.deepEqual(april.rows.map((r) => [r.key, r.due]), [['1', 1]]);
  // A custom range across the boundary: whole March from the monthly rows, 1 April from the daily ones.
  const range = await closure('supervisor1', 'from=2025-03-31&to=2025-04-01&group_by=unit');
  assert.equal(row(range, 1).due, 2);  // A6 and A7
  const lastDay = await closure('supervisor1', 'from=2025-03-31&to=2025-03-31&group_by=unit');
  assert.equal(row(lastDay, 1).due, 1);
  assert.equal(row(lastDay, 1).closed_on_time, 1);
  const both = await closure('supervisor1', 'from=2025-02-15&to=2025-04-15&group_by=unit');
  assert.equal(row(both, 1).due, 7);
  assert.equal(row(both, 1).reported, 8);
});

test('the same cases grouped by area, cell, category, reporter and with sub-units', async () => {
  const district = await closure('supervisor1', 'month=2025-03&group_by=area&area_level=district');
  assert.deepEqual(district.rows.map((r) => [r.key, r.name, r.due]), [['110101', '东城区', 8]]);
  const street = await closure('supervisor1', 'month=2025-03&group_by=area');
  assert.deepEqual(street.rows.map((r) => [r.key, r.due, r.closed]), [['110101001', 8, 6]]);
  const community = await closure('supervisor1', 'month=2025-03&group_by=area&area_level=community');
  assert.deepEqual(community.rows.map((r) => [r.key, r.name, r.due]), [['110101001001', '韶九社区', 8]]);
  const cells = await closure('supervisor1', 'month=2025-03&group_by=cell');
  assert.deepEqual(cells.rows.map((r) => [r.key, r.due]), [['110101001001001', 8]]);
  const category = await closure('supervisor1', 'month=2025-03&group_by=category');
  assert.deepEqual(category.rows.map((r) => [r.key, r.due, r.closed_on_time]), [['event:0108', 8, 5]]);
  const major = await closure('supervisor1', 'month=2025-03&group_by=category&category_level=major');
  assert.deepEqual(major.rows.map((r) => r.key), ['event:01']);
  const reporter = await closure('supervisor1', 'month=2025-03&group_by=reporter');
  const worker1 = await sql(`SELECT id FROM users WHERE login = 'worker1'`);
  assert.deepEqual(reporter.rows.map((r) => [r.key, r.reported, r.due]), [[worker1, 10, 8]]);
  // 城市管理委员会 (3) with its team 城管执法队 (2).
  const tree = await closure('supervisor1', 'month=2025-03&group_by=unit&include_subunits=true');
  assert.equal(row(tree, 3).due, 2);
  assert.equal(row(tree, 2).due, 2);
  // Filters.
  const only3 = await closure('supervisor1', 'month=2025-03&group_by=unit&unit=3&include_subunits=true');
  assert.deepEqual(only3.rows.map((r) => [r.key, r.due]).sort(), [['2', 2], ['3', 2]]);
  const only2 = await closure('supervisor1', 'month=2025-03&group_by=unit&unit=3');
  assert.deepEqual(only2.rows, [], 'without its sub-units unit 3 has no cases of its own');
  const none = await closure('supervisor1', 'month=2025-03&group_by=unit&category=component:01');
  assert.deepEqual(none.rows, []);
  const inArea = await closure('supervisor1', 'month=2025-03&group_by=unit&area=110101001001');
  assert.equal(row(inArea, 1).due, 6);
});

test('a day-by-day series lists every day, with the counts on the right ones', async () => {
  const res = await as.supervisor1('GET', '/v1/stats/timeseries?month=2025-03&interval=day');
  const text = await res.text();
  assert.equal(res.status, 200, text);
  await assertMatchesContract('GET', '/v1/stats/timeseries', res, text);
  const body = JSON.parse(text);
  assert.equal(body.rows.length, 31);
  const on = (d) => body.rows.find((r) => r.period === d);
  assert.equal(on('2025-03-01').reported, 10);
  assert.equal(on('2025-03-05').due, 2);
  assert.equal(on('2025-03-31').due, 1);
  assert.equal(on('2025-03-02').reported, 0);
  assert.equal(on('2025-03-02').closure_rate, null);
  const weeks = await (await as.supervisor1('GET', '/v1/stats/timeseries?from=2025-03-01&to=2025-03-31&interval=week')).json();
  assert.equal(weeks.rows[0].period, '2025-02-24');   // the Monday of the week of 1 March
  assert.equal(weeks.rows.reduce((n, r) => n + r.due, 0), 8);
  const months = await (await as.supervisor1('GET', '/v1/stats/timeseries?from=2025-01-01&to=2025-04-30&interval=month')).json();
  assert.deepEqual(months.rows.map((r) => [r.period, r.due]),
    [['2025-01-01', 0], ['2025-02-01', 0], ['2025-03-01', 8], ['2025-04-01', 1]]);
});

test('scope: unit staff see their unit (and its teams), supervisors their area', async () => {
  const u1 = await closure('unit1', 'month=2025-03&group_by=unit');
  assert.deepEqual(u1.rows.map((r) => r.key), ['1']);
  const u2 = await closure('unit2', 'month=2025-03&group_by=unit');
  assert.deepEqual(u2.rows.map((r) => r.key), ['2']);
  const cgw = await closure('cgw_staff', 'month=2025-03&group_by=unit');
  assert.deepEqual(cgw.rows.map((r) => r.key), ['2']);
  const byReporter = await closure('unit1', 'month=2025-03&group_by=reporter');
  assert.deepEqual(byReporter.rows, []);
  const elsewhere = await closure('jingshan_sup', 'month=2025-03&group_by=unit');
  assert.deepEqual(elsewhere.rows, []);
  const district = await closure('dispatcher1', 'month=2025-03&group_by=unit');
  assert.equal(district.total.due, 8);
  await assertProblem(await as.worker1('GET', '/v1/stats/closure?month=2025-03'), 403);
});

test('bad queries are refused with the parameter named', async () => {
  const cases = [
    ['group_by=unit', '/query/from'],
    ['month=2025-13', '/query/month'],
    ['month=2025-03&from=2025-03-01', '/query/month'],
    ['from=2025-03-10&to=2025-03-01', '/query/to'],
    ['from=2020-01-01&to=2025-01-01', '/query/to'],
    ['month=2025-03&group_by=street', '/query/group_by'],
    ['month=2025-03&area=1101', '/query/area'],
    ['month=2025-03&unit=abc', '/query/unit'],
    ['month=2025-03&category=event:1', '/query/category'],
    ['month=2025-03&group_by=reporter&unit=1', '/query/unit'],
    ['month=2025-03&include_subunits=yes', '/query/include_subunits'],
  ];
  for (const [q, pointer] of cases) {
    const p = await assertProblem(await as.supervisor1('GET', `/v1/stats/closure?${q}`), 400);
    assert.ok(p.errors.some((e) => e.pointer === pointer), `${q}: ${JSON.stringify(p.errors)}`);
  }
  const p = await assertProblem(await as.supervisor1('GET', '/v1/stats/timeseries?from=2024-01-01&to=2025-03-01'), 400);
  assert.ok(p.errors.some((e) => e.pointer === '/query/to'));
});

test('the rules are data: suspended cases counted, a smaller minimum sample', async () => {
  const before = await (await as.supervisor1('GET', '/v1/stats/settings')).json();
  assert.deepEqual(before, { exclude_suspended: true, min_sample: 5,
    weights: { on_time_closure: 40, closure: 30, rework: 15, extension: 10, urges: 5 } });
  await assertProblem(await as.supervisor1('PUT', '/v1/stats/settings', before), 403);
  const bad = await assertProblem(await as.admin('PUT', '/v1/stats/settings',
    { ...before, weights: { ...before.weights, urges: 6 } }), 400);
  assert.equal(bad.errors[0].pointer, '/weights');
  const put = await as.admin('PUT', '/v1/stats/settings', { ...before, exclude_suspended: false, min_sample: 2 });
  assert.equal(put.status, 200, await put.clone().text());
  try {
    const body = await closure('supervisor1', 'month=2025-03&group_by=unit');
    assert.equal(row(body, 1).due, 7);
    assert.equal(row(body, 1).closure_rate, 57.14);   // 4/7
    assert.equal(row(body, 2).rank, 1);
    assert.equal(row(body, 1).rank, 2);
  } finally {
    assert.equal((await as.admin('PUT', '/v1/stats/settings', before)).status, 200);
  }
});

async function assessment(who, month) {
  const res = await as[who]('GET', `/v1/assessments/${month}`);
  const text = await res.text();
  assert.equal(res.status, 200, text);
  await assertMatchesContract('GET', '/v1/assessments/{month}', res, text);
  return JSON.parse(text);
}

test('the monthly assessment: weighted scores, ranks, and a published month that never changes', async () => {
  const draft = await assessment('supervisor1', '2025-03');
  assert.equal(draft.status, 'draft');
  const u1 = draft.rows.find((r) => r.unit_id === 1), u2 = draft.rows.find((r) => r.unit_id === 2);
  assert.equal(draft.rows[0].unit_id, 1);
  assert.deepEqual([u1.rank, u1.score, u1.due, u1.closed, u1.on_time_closure_rate], [1, 65.83, 6, 4, 50]);
  assert.equal(u1.previous_rank, null);
  assert.deepEqual([u2.rank, u2.score, u2.sample_too_small], [null, 100, true]);
  // Every active unit is listed; those with nothing due are not ranked.
  assert.equal(draft.rows.length, Number(await sql('SELECT count(*) FROM units WHERE active')));
  // Unit staff see their own row, ranked city-wide.
  const mine = await assessment('unit2', '2025-03');
  assert.deepEqual(mine.rows.map((r) => r.unit_id), [2]);

  // Who may publish, and what.
  await assertProblem(await as.dispatcher1('POST', '/v1/assessments/2025-03/publish'), 403);
  await assertProblem(await as.jingshan_sup('POST', '/v1/assessments/2025-03/publish'), 403);
  await assertProblem(await as.supervisor1('POST', '/v1/assessments/2025-13/publish'), 400);
  const now = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 7);   // this month in Shanghai
  await assertProblem(await as.supervisor1('POST', `/v1/assessments/${now}/publish`), 409);
  const res = await as.supervisor1('POST', '/v1/assessments/2025-03/publish');
  const text = await res.text();
  assert.equal(res.status, 201, text);
  await assertMatchesContract('POST', '/v1/assessments/{month}/publish', res, text);
  const published = JSON.parse(text);
  assert.equal(published.status, 'published');
  assert.equal(published.published_by.login, 'supervisor1');
  assert.deepEqual(published.rows, draft.rows);
  await assertProblem(await as.admin('POST', '/v1/assessments/2025-03/publish'), 409);

  // A late event: A4 (extended, in progress, due in March) is closed today.
  await step('unit1', ids.A4, 'resolve');
  await step('worker1', ids.A4, 'check', { result: 'passed' });
  const frozen = await assessment('supervisor1', '2025-03');
  assert.equal(frozen.status, 'published');
  assert.deepEqual(frozen.rows, published.rows, 'a published month never changes');
  assert.equal(frozen.changed_after_publication.length, 1);
  const late = frozen.changed_after_publication[0];
  assert.deepEqual([late.case_id, late.month, late.counted_in, late.unit_id, late.closed, late.due],
    [ids.A4, '2025-03', now, 1, 1, 0]);
  // The statistics themselves tell the truth of March...
  assert.equal(row(await closure('supervisor1', 'month=2025-03&group_by=unit'), 1).closed, 5);
  // ...and the late close counts in this month's assessment, where it is listed.
  const current = await assessment('supervisor1', now);
  assert.ok(current.late_changes.some((l) => l.case_id === ids.A4 && l.month === '2025-03'));
  assert.ok(current.rows.find((r) => r.unit_id === 1).closed >= 1);
  // April's draft shows March's published rank.
  const april = await assessment('supervisor1', '2025-04');
  assert.equal(april.rows.find((r) => r.unit_id === 1).previous_rank, 1);
  assert.equal(await sql('SELECT count(*) FROM stats_check()'), '0');
});

test('a return counts against the unit that returned the case, an urge against the unit urged', async () => {
  const now = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 7);
  const units = async () => {
    const body = await closure('supervisor1', `month=${now}&group_by=unit`);
    const of = (k) => row(body, k) ?? { returns: 0, urges: 0, dispatched: 0 };
    return { u1: of(1), u2: of(2) };
  };
  const before = await units();
  const id = await build(1, 'open');
  await step('supervisor1', id, 'urge', { note: '请今日完成' });
  // Still in progress: unit 1 says it is not theirs only before accepting, so use a fresh one.
  const other = await newCase();
  await step('dispatcher1', other, 'verify');
  await step('dispatcher1', other, 'dispatch', { unit_id: 1 });
  await step('unit1', other, 'return', { reason: '不属于本单位职责' });
  await step('dispatcher1', other, 'dispatch', { unit_id: 2 });
  const after = await units();
  assert.equal(after.u1.urges - before.u1.urges, 1);
  assert.equal(after.u1.returns - before.u1.returns, 1);
  assert.equal(after.u2.returns - before.u2.returns, 0);
  // The returned case itself now counts as unit 2's.
  assert.equal(after.u2.dispatched - before.u2.dispatched, 1);
  assert.equal(await sql('SELECT count(*) FROM stats_check()'), '0');
});

async function download(who, name, query = '') {
  const res = await as[who]('GET', `/v1/exports/${name}${query ? `?${query}` : ''}`);
  assert.equal(res.status, 200, await res.clone().text());
  assert.match(res.headers.get('content-disposition'), new RegExp(`attachment; filename="${name.replace('.', '\\.')}"`));
  return { type: res.headers.get('content-type'), bytes: Buffer.from(await res.arrayBuffer()) };
}
async function sheetOf(bytes) {
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(bytes);
  return book.worksheets[0];
}
const parseCsv = (text) => text.split('\r\n').filter((l) => l).map((l) => l.split(','));

test('the case ledger as CSV (with a BOM) and as XLSX that parses back cell by cell', async () => {
  const csv = await download('supervisor1', 'cases.csv', 'month=2025-03');
  assert.equal(csv.type, 'text/csv; charset=utf-8');
  assert.deepEqual([...csv.bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 BOM for Excel and WPS');
  const lines = parseCsv(csv.bytes.subarray(3).toString('utf8'));
  assert.equal(lines[0][0], '案卷号');
  assert.equal(lines[0][8], '状态');
  assert.equal(lines.length, 1 + 10, 'the ten cases reported in March');
  const a2 = lines.find((l) => l[0] === String(ids.A2));
  assert.equal(a2[1], '2025-03-01 09:00:00');
  assert.equal(a2[8], '已结案');
  assert.equal(a2[12], '2025-03-12 12:00:00');
  assert.equal(a2[15], '否', 'closed late');
  assert.equal(a2[21], '10.00', 'handling hours');
  assert.equal(lines.find((l) => l[0] === String(ids.A5))[8], '处置中（挂账）');

  const xlsx = await download('supervisor1', 'cases.xlsx', 'month=2025-03');
  assert.equal(xlsx.type, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  const sheet = await sheetOf(xlsx.bytes);
  assert.equal(sheet.name, '案件台账');
  assert.equal(sheet.getRow(1).getCell(1).value, '案卷号');
  assert.equal(sheet.views[0].state, 'frozen');
  assert.equal(sheet.rowCount, 11);
  const r = [...Array(11).keys()].map((i) => sheet.getRow(i + 1)).find((x) => x.getCell(1).value === ids.A2);
  assert.ok(r, 'A2 is in the sheet with its id as a number');
  const created = r.getCell(2).value;
  assert.ok(created instanceof Date, 'times are real dates');
  assert.equal(created.toISOString(), '2025-03-01T09:00:00.000Z', 'the city time, as Excel keeps it (no zone)');
  assert.equal(r.getCell(22).value, 10);
  assert.equal(r.getCell(9).value, '已结案');

  // Scope: unit 2's staff get their two cases only; another district's supervisor none.
  const u2 = parseCsv((await download('unit2', 'cases.csv', 'month=2025-03')).bytes.subarray(3).toString('utf8'));
  assert.deepEqual(u2.slice(1).map((l) => Number(l[0])).sort(), [ids.B1, ids.B2].sort());
  const none = parseCsv((await download('jingshan_sup', 'cases.csv', 'month=2025-03')).bytes.subarray(3).toString('utf8'));
  assert.equal(none.length, 1);
});

test('a long ledger comes page by page, and one over export_max_rows becomes a background job', async () => {
  // 2,100 cases reported in the same second of May 2025: pages break inside equal times.
  await sql(`INSERT INTO cases (category_kind, category_code, cell_code, unit_id, location, description,
      created_at, updated_at, reporter_id)
    SELECT category_kind, category_code, cell_code, unit_id, location, '台账分页 ' || n,
      '2025-05-06 10:00+08', '2025-05-06 10:00+08', reporter_id
    FROM cases, generate_series(1, 2100) n WHERE id = ${ids.A1}`);
  const csv = (await download('supervisor1', 'cases.csv', 'month=2025-05')).bytes.subarray(3).toString('utf8');
  const rows = parseCsv(csv).slice(1);
  assert.equal(rows.length, 2100);
  assert.equal(new Set(rows.map((r) => r[0])).size, 2100, 'no case twice');
  const small = await startGridd({ dbUrl, env: { GRIDD_EXPORT_MAX_ROWS: 1000 } });
  try {
    const token = (await login(small.base, 'supervisor1', PASSWORD)).access_token;
    const get = (path) => fetch(`${small.base}${path}`, { headers: { authorization: `Bearer ${token}` } });
    // Past 1000 rows the answer is a job to poll (tests/api/exports_jobs.test.mjs has the rest).
    const res = await get('/v1/exports/cases.xlsx?month=2025-05');
    assert.equal(res.status, 202, await res.clone().text());
    const location = res.headers.get('location');
    assert.match(location, /^\/v1\/exports\/jobs\/\d+$/);
    assert.equal((await res.json()).rows_total, 2100);
    let done;
    for (let i = 0; i < 200 && (done = await get(location)).status === 202; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(done.status, 200);
    const sheet = await sheetOf(Buffer.from(await done.arrayBuffer()));
    assert.equal(sheet.rowCount, 2101);
  } finally {
    await small.stop();
  }
  assert.equal(await sql('SELECT count(*) FROM stats_check()'), '0');
});

test('the closure table and the assessment as files', async () => {
  const xlsx = await download('supervisor1', 'closure.xlsx', 'month=2025-03&group_by=unit');
  const sheet = await sheetOf(xlsx.bytes);
  const header = sheet.getRow(1).values.slice(1);
  assert.deepEqual(header.slice(0, 3), ['分组', '名称', '排名']);
  const col = (title) => header.indexOf(title) + 1;
  const u1 = sheet.getRow(2);
  assert.equal(u1.getCell(1).value, '1');
  assert.equal(u1.getCell(col('应结案数')).value, 6);
  assert.equal(u1.getCell(col('结案率')).value, 0.8333, 'percentages are numbers (5/6: A4 closed late above)');
  assert.equal(u1.getCell(col('结案率')).numFmt, '0.00%');
  assert.equal(u1.getCell(col('样本不足')).value, '否');
  const csv = (await download('supervisor1', 'closure.csv', 'month=2025-03&group_by=unit')).bytes.subarray(3).toString('utf8');
  assert.match(csv, /,83\.33%,/);

  const book = await sheetOf((await download('supervisor1', 'assessment-2025-03.xlsx')).bytes);
  assert.equal(book.name, '月度考核');
  assert.equal(book.getRow(2).getCell(2).value, '东城区环卫中心');
  assert.equal(book.getRow(2).getCell(3).value, 65.83);
  await assertProblem(await as.supervisor1('GET', '/v1/exports/assessment-2025-13.csv'), 400);
  await assertProblem(await as.supervisor1('GET', '/v1/exports/everything.csv'), 404);
  await assertProblem(await as.worker1('GET', '/v1/exports/closure.csv?month=2025-03'), 403);
  await assertProblem(await as.supervisor1('GET', '/v1/exports/cases.csv'), 400);
});

test('the rollups equal a recount after a random run of workflow actions', async () => {
  let seed = 20261123;
  const rand = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
  const bodies = {
    dispatch: { unit_id: 1 }, return: { reason: '非本单位职责' }, reject: { reason: '无效上报' },
    cancel: { reason: '重复' }, urge: { note: '请尽快' }, suspend: { reason: '待协调' },
    'request-extension': { reason: '工作量大', proposed_due_at: later() }, 'deny-extension': { reason: '不同意' },
    check: null, comment: { note: '备注' },
  };
  const actor = { verify: 'dispatcher1', reject: 'dispatcher1', dispatch: 'dispatcher1', cancel: 'dispatcher1',
    accept: 'unit1', return: 'unit1', resolve: 'unit1', 'request-extension': 'unit1', check: 'worker1',
    urge: 'supervisor1', suspend: 'supervisor1', resume: 'supervisor1', 'approve-extension': 'supervisor1',
    'deny-extension': 'supervisor1', comment: 'supervisor1' };
  const live = [];
  for (let i = 0; i < 6; i++) live.push(await newCase());
  let done = 0;
  for (let round = 0; round < 120; round++) {
    const id = live[rand(live.length)];
    // What each role may do with the case now.
    const options = [];
    for (const who of ['dispatcher1', 'unit1', 'worker1', 'supervisor1']) {
      const res = await as[who]('GET', `/v1/cases/${id}`);
      if (res.status !== 200) continue;
      for (const a of (await res.json()).allowed_actions) if (actor[a] === who) options.push(a);
    }
    if (!options.length) continue;
    const action = options[rand(options.length)];
    const body = action === 'check' ? { result: rand(2) ? 'passed' : 'failed', note: '核查' } : bodies[action] ?? {};
    const res = await as[actor[action]]('POST', `/v1/cases/${id}/${action}`, body);
    if (res.status === 200) done++;
    // Now and then the clock of a case moves, as the sweeper and time do.
    if (round % 17 === 0)
      await sql(`UPDATE cases SET due_at = due_at - interval '3 days', overdue_at = now() WHERE id = ${id} AND due_at IS NOT NULL`);
  }
  assert.ok(done > 40, `only ${done} actions went through`);
  assert.equal(await sql('SELECT count(*) FROM stats_check()'), '0');
  assert.equal(await sql(`SELECT count(*) FROM stats_rollup WHERE returns > 0 OR urges > 0`) !== '0', true);
});
