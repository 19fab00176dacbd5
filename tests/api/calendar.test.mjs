// The working calendar through the API: loading a year with National Day and
// its make-up days, and deadlines computed on it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createDatabase, migrate, startGridd } from './lib/harness.mjs';
import { assertProblem, assertMatchesContract } from './lib/contract.mjs';
import { login, client } from './lib/session.mjs';

const PASSWORD = 'demo-city-tests-2026';
let g, admin, worker;

// A Golden Week block: 1-7 October holidays (Thu-Wed, the weekend inside it
// counted as usual) with make-up working days on Sunday 20 September and
// Saturday 10 October (worked with Friday's periods).
const GOLDEN_WEEK = [
  { date: '2026-09-20', kind: 'workday', name: '国庆调休' },
  ...['01', '02', '05', '06', '07'].map((d) => ({ date: `2026-10-${d}`, kind: 'holiday', name: '国庆节' })),
  { date: '2026-10-10', kind: 'workday', pattern: 'friday', name: '国庆调休' },
];

before(async () => {
  const dbUrl = await createDatabase('calendar');
  await migrate(dbUrl);
  execFileSync(process.env.GRIDD_BIN, ['demo'], { env: { ...process.env, GRIDD_DB_URL: dbUrl, GRIDD_DEMO_PASSWORD: PASSWORD } });
  g = await startGridd({ dbUrl });
  admin = client(g.base, (await login(g.base, 'admin', PASSWORD)).access_token);
  worker = client(g.base, (await login(g.base, 'worker1', PASSWORD)).access_token);
});
after(async () => { await g?.stop(); });

const due = async (q) => (await (await worker('GET', `/v1/deadline?${new URLSearchParams(q)}`)).json()).due_at;

test('the demo city carries the State Council 2026 holiday notice', async () => {
  const { exceptions } = await (await worker('GET', '/v1/calendar/2026')).json();
  const days = (kind) => exceptions.filter((e) => e.kind === kind).map((e) => e.date.slice(5));
  const span = (m, a, b) => Array.from({ length: b - a + 1 }, (_, i) => `${m}-${String(a + i).padStart(2, '0')}`);
  assert.deepEqual(days('holiday'), [...span('01', 1, 3), ...span('02', 15, 23), ...span('04', 4, 6),
    ...span('05', 1, 5), ...span('06', 19, 21), ...span('09', 25, 27), ...span('10', 1, 7)]);
  assert.deepEqual(days('workday'), ['01-04', '02-14', '02-28', '05-09', '09-20', '10-10']);
});

test('an admin loads a year; everyone reads it', async () => {
  const put = await admin('PUT', '/v1/calendar/2026', { exceptions: GOLDEN_WEEK });
  const text = await put.text();
  await assertMatchesContract('PUT', '/v1/calendar/{year}', put, text);
  const cal = JSON.parse(text);
  assert.equal(cal.utc_offset_minutes, 480);
  assert.deepEqual(cal.periods.monday, [['08:30', '12:00'], ['13:30', '17:30']]);
  assert.deepEqual(cal.periods.saturday, []);
  assert.equal(cal.exceptions.length, 7);
  const got = await worker('GET', '/v1/calendar/2026');
  await assertMatchesContract('GET', '/v1/calendar/{year}', got, JSON.stringify(await got.clone().json()));
  assert.deepEqual((await got.json()).exceptions, cal.exceptions);
  await assertProblem(await worker('PUT', '/v1/calendar/2026', { exceptions: [] }), 403, 'forbidden');
});

test('a bad year file is refused whole, naming each bad entry', async () => {
  const bad = await assertProblem(await admin('PUT', '/v1/calendar/2026', { exceptions: [
    { date: '2026-10-02', kind: 'holiday' }, { date: '2026-10-01', kind: 'holiday' },
    { date: '2025-12-31', kind: 'holiday' }, { date: '2026-02-30', kind: 'holiday' },
    { date: '2026-10-03', kind: 'vacation' }, { date: '2026-10-04', kind: 'holiday', pattern: 'monday' },
  ] }), 400, 'validation');
  assert.deepEqual(bad.errors.map((e) => e.pointer),
    ['/exceptions/1', '/exceptions/2', '/exceptions/3', '/exceptions/4', '/exceptions/5']);
  const still = await (await worker('GET', '/v1/calendar/2026')).json();
  assert.equal(still.exceptions.length, 7, 'nothing was replaced');
  await assertProblem(await admin('GET', '/v1/calendar/1999'), 404, 'not-found');
});

test('dispatch across National Day: working hours skip the holidays and the weekend inside them', async () => {
  // Wed 30 Sep 16:00 + 4 working hours: 1.5 h that day, then Thursday 8 October 08:30 + 2.5 h.
  const res = await worker('GET', '/v1/deadline?' + new URLSearchParams({ start: '2026-09-30T16:00:00+08:00', amount: 4, unit: 'working_hours' }));
  const text = await res.text();
  await assertMatchesContract('GET', '/v1/deadline', res, text);
  const body = JSON.parse(text);
  assert.equal(body.due_at, '2026-10-08T11:00:00+08:00');
  assert.equal(body.working_seconds, 4 * 3600);
});

test('the make-up Saturday is a working day with Friday periods', async () => {
  // Fri 9 Oct 17:00 + 1 working hour: 0.5 h Friday, 0.5 h on the make-up Saturday.
  assert.equal(await due({ start: '2026-10-09T17:00:00+08:00', amount: 1, unit: 'working_hours' }), '2026-10-10T09:00:00+08:00');
  // Without the make-up day it would have been Monday 12 October.
  assert.equal(await due({ start: '2026-10-16T17:00:00+08:00', amount: 1, unit: 'working_hours' }), '2026-10-19T09:00:00+08:00');
  // The make-up Sunday before the holiday counts too: received on Saturday,
  // work starts Sunday 08:30 (not Monday).
  assert.equal(await due({ start: '2026-09-19T10:00:00+08:00', amount: 1, unit: 'working_hours' }), '2026-09-20T09:30:00+08:00');
  // One working day from then is Monday at the same clock time.
  assert.equal(await due({ start: '2026-09-19T10:00:00+08:00', amount: 1, unit: 'working_days' }), '2026-09-21T08:30:00+08:00');
});

test('category limits: 暴露垃圾 4 working hours, urgent 2 calendar hours; calendar hours ignore holidays', async () => {
  assert.equal(await due({ start: '2026-09-30T16:00:00+08:00', category: 'event:0102' }), '2026-10-08T11:00:00+08:00');
  assert.equal(await due({ start: '2026-09-30T16:00:00+08:00', category: 'event:0102', urgent: 'true' }), '2026-09-30T18:00:00+08:00');
  assert.equal(await due({ start: '2026-10-01T10:00:00+08:00', amount: 5, unit: 'calendar_hours' }), '2026-10-01T15:00:00+08:00');
  await assertProblem(await worker('GET', '/v1/deadline?start=2026-10-01T10:00:00Z&category=event:0999'), 404, 'not-found');
});

test('bad deadline queries are 400 with each field named', async () => {
  const bad = await assertProblem(await worker('GET', '/v1/deadline?start=tomorrow&amount=-1&unit=fortnights'), 400, 'validation');
  assert.deepEqual(bad.errors.map((e) => e.pointer), ['/query/start', '/query/amount', '/query/unit']);
  await assertProblem(await worker('GET', '/v1/deadline?start=2026-10-01T10:00:00'), 400, 'validation');
  const kind = await assertProblem(await worker('GET', '/v1/deadline?start=2026-10-01T10:00:00Z&category=weather:0102'), 400, 'validation');
  assert.deepEqual(kind.errors.map((e) => e.pointer), ['/query/category']);
});

const OFFICE = [['08:30', '12:00'], ['13:30', '17:30']];
const DEFAULT_WEEK = { monday: OFFICE, tuesday: OFFICE, wednesday: OFFICE, thursday: OFFICE, friday: OFFICE, saturday: [], sunday: [] };

test('the working week and time zone are settings: defaults, changes, effect on deadlines', async () => {
  const res = await worker('GET', '/v1/calendar/settings');
  const text = await res.text();
  await assertMatchesContract('GET', '/v1/calendar/settings', res, text);
  assert.deepEqual(JSON.parse(text), { time_zone: 'Asia/Shanghai', utc_offset_minutes: 480, periods: DEFAULT_WEEK });
  // Friday 16:30 + 4 working hours: Monday 11:30 with the default week ...
  const start = '2026-11-27T16:30:00+08:00';
  assert.equal(await due({ start, amount: 4, unit: 'working_hours' }), '2026-11-30T11:30:00+08:00');
  // ... Saturday 11:30 (1 h on Friday, 3 h on Saturday) once Saturday mornings are worked.
  const put = await admin('PUT', '/v1/calendar/settings', { periods: { ...DEFAULT_WEEK, saturday: [['08:30', '11:30']] } });
  const putText = await put.text();
  await assertMatchesContract('PUT', '/v1/calendar/settings', put, putText);
  assert.deepEqual(JSON.parse(putText).periods.saturday, [['08:30', '11:30']]);
  assert.equal(await due({ start, amount: 4, unit: 'working_hours' }), '2026-11-28T11:30:00+08:00');
  assert.deepEqual((await (await worker('GET', '/v1/calendar/2026')).json()).periods.saturday, [['08:30', '11:30']]);
  // A city in Xinjiang time (UTC+06:00, no daylight saving): the same local
  // clock times, two hours later in UTC.
  const urumqi = await (await admin('PUT', '/v1/calendar/settings', { time_zone: 'Asia/Urumqi', periods: DEFAULT_WEEK })).json();
  assert.equal(urumqi.time_zone, 'Asia/Urumqi');
  assert.equal(urumqi.utc_offset_minutes, 360);
  assert.equal(await due({ start: '2026-11-27T16:30:00+06:00', amount: 4, unit: 'working_hours' }), '2026-11-30T11:30:00+06:00');
  const year = await (await worker('GET', '/v1/calendar/2026')).json();
  assert.equal(year.time_zone, 'Asia/Urumqi');
  assert.equal(year.utc_offset_minutes, 360);
  const back = await (await admin('PUT', '/v1/calendar/settings', { time_zone: 'Asia/Shanghai' })).json();
  assert.deepEqual(back, { time_zone: 'Asia/Shanghai', utc_offset_minutes: 480, periods: DEFAULT_WEEK });
});

test('bad settings are refused with the field named, and change nothing', async () => {
  const bad = async (body, pointer, pattern) => {
    const problem = await assertProblem(await admin('PUT', '/v1/calendar/settings', body), 400, 'validation');
    const e = problem.errors.find((x) => x.pointer === pointer);
    assert.ok(e, `${JSON.stringify(body)}: ${JSON.stringify(problem.errors)}`);
    if (pattern) assert.match(e.detail, pattern);
  };
  await bad({ time_zone: 'America/New_York' }, '/time_zone', /daylight saving/);
  await bad({ time_zone: 'Mars/Olympus_Mons' }, '/time_zone', /not a known IANA time zone/);
  await bad({ time_zone: "Asia/Shanghai'; --" }, '/time_zone');
  await bad({ periods: { ...DEFAULT_WEEK, monday: [['12:00', '08:30']] } }, '/periods/monday');
  await bad({ periods: { ...DEFAULT_WEEK, tuesday: [['08:30', '12:00'], ['11:00', '13:00']] } }, '/periods/tuesday');
  await bad({ periods: { ...DEFAULT_WEEK, friday: [['8:30', '12:00']] } }, '/periods/friday');
  await bad({ periods: { ...DEFAULT_WEEK, funday: [] } }, '/periods/funday');
  const { sunday, ...sixDays } = DEFAULT_WEEK;
  await bad({ periods: sixDays }, '/periods/sunday');
  await bad({ periods: { monday: [], tuesday: [], wednesday: [], thursday: [], friday: [], saturday: [], sunday: [] } }, '/periods', /at least one/);
  await bad({ zone: 'Asia/Shanghai' }, '/zone', /unknown field/);
  await bad({}, '');
  await assertProblem(await worker('PUT', '/v1/calendar/settings', { time_zone: 'Asia/Shanghai' }), 403, 'forbidden');
  const now = await (await worker('GET', '/v1/calendar/settings')).json();
  assert.deepEqual(now, { time_zone: 'Asia/Shanghai', utc_offset_minutes: 480, periods: DEFAULT_WEEK });
});
