// The case workflow through the API: a report from the field to a closed
// case, every kind of refusal, concurrency, deadlines and the audit chain.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createDatabase, migrate, startGridd, psql } from './lib/harness.mjs';
import { assertProblem, assertMatchesContract } from './lib/contract.mjs';
import { login, client } from './lib/session.mjs';
import { makeJpeg } from './lib/images.mjs';

const PASSWORD = 'demo-city-tests-2026';
let g, dbUrl;
const as = {};

before(async () => {
  dbUrl = await createDatabase('cases');
  await migrate(dbUrl);
  execFileSync(process.env.GRIDD_BIN, ['demo'], { env: { ...process.env, GRIDD_DB_URL: dbUrl, GRIDD_DEMO_PASSWORD: PASSWORD } });
  g = await startGridd({ dbUrl });
  for (const who of ['worker1', 'worker2', 'dispatcher1', 'supervisor1', 'unit1', 'unit2', 'admin']) {
    const token = (await login(g.base, who, PASSWORD)).access_token;
    as[who] = client(g.base, token);
    as[who].auth = `Bearer ${token}`;
  }
});
after(async () => { await g?.stop(); });

const CENTRE = [116.4006, 39.91045];   // cell 110101001001001, worker1's
async function newCase(category = 'event:0108', description = '乱扔垃圾') {
  const res = await as.worker1('POST', '/v1/reports', { category, description,
    location: { type: 'Point', coordinates: CENTRE }, observed_at: new Date(Date.now() - 60_000).toISOString() });
  assert.equal(res.status, 201, await res.clone().text());
  return (await res.json()).case_id;
}
const act = (who, id, action, body = {}, headers = {}) => fetch(`${g.base}/v1/cases/${id}/${action}`, {
  method: 'POST', headers: { 'content-type': 'application/json', authorization: as[who].auth, ...headers },
  body: JSON.stringify(body),
});
const ok = async (who, id, action, body) => {
  const res = await act(who, id, action, body);
  const text = await res.text();
  assert.equal(res.status, 200, `${who} ${action}: ${text}`);
  await assertMatchesContract('POST', '/v1/cases/{id}/{action}', res, text);
  return JSON.parse(text);
};
const getCase = async (who, id) => (await as[who]('GET', `/v1/cases/${id}`)).json();

test('from report to closed: verify, dispatch with a deadline, accept, resolve, check', async () => {
  const id = await newCase();
  let c = await getCase('dispatcher1', id);
  assert.equal(c.state, 'reported');
  // Routed to unit 1, but unit staff see it only once it is dispatched.
  assert.equal((await as.unit1('GET', `/v1/cases/${id}`)).status, 404);
  assert.deepEqual(c.allowed_actions, ['verify', 'reject', 'merge', 'comment']);
  c = await ok('dispatcher1', id, 'verify');
  assert.equal(c.state, 'registered');
  assert.ok(c.registered_at);
  c = await ok('dispatcher1', id, 'dispatch', { unit_id: 1, note: '请尽快处理' });
  assert.equal(c.state, 'dispatched');
  assert.equal(c.unit.id, 1);
  // 乱扔乱吐: 2 working hours from the dispatch, on the working calendar.
  const want = await (await as.dispatcher1('GET', `/v1/deadline?start=${encodeURIComponent(c.dispatched_at)}&category=event:0108`)).json();
  assert.ok(Math.abs(Date.parse(c.due_at) - Date.parse(want.due_at)) <= 1000, `${c.due_at} vs ${want.due_at}`);
  assert.equal(c.overdue, false);
  assert.ok(c.working_seconds_left > 0 && c.working_seconds_left <= 7200);
  c = await ok('unit1', id, 'accept');
  assert.equal(c.state, 'in_progress');
  c = await ok('unit1', id, 'resolve');
  assert.equal(c.state, 'resolved');
  c = await ok('worker1', id, 'check', { result: 'passed' });
  assert.equal(c.state, 'closed');
  assert.ok(c.closed_at);
  assert.deepEqual(c.allowed_actions, ['comment']);
  // The audit trail: every step, chained, recomputable in SQL.
  const res = await as.supervisor1('GET', `/v1/cases/${id}/events`);
  const text = await res.text();
  await assertMatchesContract('GET', '/v1/cases/{id}/events', res, text);
  const { events } = JSON.parse(text);
  assert.deepEqual(events.map((e) => e.kind), ['reported', 'verify', 'dispatch', 'accept', 'resolve', 'check']);
  for (let i = 1; i < events.length; i++) assert.equal(events[i].prev_hash, events[i - 1].hash);
  assert.equal(events[2].data.unit_id, 1);
  assert.equal(events[5].data.result, 'passed');
  const chain = (await psql(dbUrl, `SELECT bool_and(hash = case_event_hash(prev_hash, case_id, seq, kind, actor_id, at, data)) FROM case_events WHERE case_id = ${id}`)).trim();
  assert.equal(chain, 't');
});

test('a failed check is rework: back to in_progress, counted, with a new deadline', async () => {
  const id = await newCase();
  await ok('dispatcher1', id, 'verify');
  const dispatched = await ok('dispatcher1', id, 'dispatch', { unit_id: 1 });
  await ok('unit1', id, 'accept');
  await ok('unit1', id, 'resolve');
  const c = await ok('dispatcher1', id, 'check', { result: 'failed', note: '地面仍有垃圾' });
  assert.equal(c.state, 'in_progress');
  assert.equal(c.rework_count, 1);
  assert.ok(Date.parse(c.due_at) >= Date.parse(dispatched.due_at));
});

test('illegal actions: 409 with the state and what is allowed now; wrong role 403; out of scope 404', async () => {
  const id = await newCase();
  // Grid workers see the case of their cell but never dispatch: 403.
  await assertProblem(await act('worker1', id, 'dispatch', { unit_id: 1 }), 403, 'forbidden');
  const p = await assertProblem(await act('dispatcher1', id, 'dispatch', { unit_id: 1 }), 409, 'conflict');
  assert.equal(p.state, 'reported');
  assert.deepEqual(p.allowed_actions, ['verify', 'reject', 'merge', 'comment']);
  await assertProblem(await act('dispatcher1', id, 'fly'), 404);
  await assertProblem(await act('dispatcher1', 99999999, 'verify'), 404);
  // worker2 does not patrol the case's cell; unit2 does not have it.
  await assertProblem(await act('worker2', id, 'comment', { text: '看看' }), 404);
  await ok('dispatcher1', id, 'verify');
  await ok('dispatcher1', id, 'dispatch', { unit_id: 1 });
  await assertProblem(await act('unit2', id, 'accept'), 404);
  assert.equal((await as.unit2('GET', `/v1/cases/${id}`)).status, 404);
  assert.equal((await as.unit1('GET', `/v1/cases/${id}`)).status, 200);
});

test('required fields are named', async () => {
  const id = await newCase();
  const fieldOf = async (who, action, body) => (await assertProblem(await act(who, id, action, body), 400)).errors.map((e) => e.pointer);
  assert.deepEqual(await fieldOf('dispatcher1', 'reject', {}), ['/reason']);
  assert.deepEqual(await fieldOf('dispatcher1', 'merge', {}), ['/target_case_id']);
  assert.deepEqual(await fieldOf('dispatcher1', 'dispatch', { unit_id: 'one' }), ['/unit_id']);
  assert.deepEqual(await fieldOf('dispatcher1', 'comment', { text: '' }), ['/text']);
  assert.deepEqual(await fieldOf('dispatcher1', 'verify', { colour: 'red' }), ['/colour']);
  assert.deepEqual(await fieldOf('dispatcher1', 'verify', { category: 'event:99' }), ['/category']);
  const r = await act('dispatcher1', id, 'verify', {}, { 'if-match': 'abc' });
  assert.deepEqual((await assertProblem(r, 400)).errors.map((e) => e.pointer), ['/header/If-Match']);
  await ok('dispatcher1', id, 'verify', { category: 'event:0104', urgent: true });
  const c = await getCase('dispatcher1', id);
  assert.equal(c.category, 'event:0104');
  assert.equal(c.urgent, true);
  await assertProblem(await act('dispatcher1', id, 'dispatch', { unit_id: 424242 }), 400);
});

test('If-Match: a stale version is 412, the current one works', async () => {
  const id = await newCase();
  const c = await getCase('dispatcher1', id);
  await assertProblem(await act('dispatcher1', id, 'verify', {}, { 'if-match': `"${c.version + 5}"` }), 412);
  const v = await act('dispatcher1', id, 'verify', {}, { 'if-match': `"${c.version}"` });
  assert.equal(v.status, 200);
});

test('concurrent conflicting actions: exactly one wins, the other is 409', async () => {
  const id = await newCase();
  const answers = await Promise.all([act('dispatcher1', id, 'verify'), act('dispatcher1', id, 'reject', { reason: '重复上报' })]);
  const statuses = answers.map((r) => r.status).sort();
  assert.deepEqual(statuses, [200, 409]);
  const events = (await (await as.dispatcher1('GET', `/v1/cases/${id}/events`)).json()).events;
  assert.equal(events.length, 2);
});

test('extensions, suspension, urging, returning, cancelling', async () => {
  const id = await newCase();
  await ok('dispatcher1', id, 'verify');
  await ok('dispatcher1', id, 'dispatch', { unit_id: 1 });
  // Returned: not theirs; back to the dispatcher, counted.
  let c = await ok('unit1', id, 'return', { reason: '不属于本单位' });
  assert.equal(c.state, 'registered');
  assert.equal(c.return_count, 1);
  assert.equal((await as.unit1('GET', `/v1/cases/${id}`)).status, 404, 'returned: back with the dispatch centre');
  await ok('dispatcher1', id, 'dispatch', { unit_id: 1 });
  await ok('unit1', id, 'accept');
  const proposed = new Date(Date.now() + 3 * 86400_000).toISOString();
  c = await ok('unit1', id, 'request-extension', { reason: '需要调配机械', proposed_due_at: proposed });
  assert.equal(c.extension_pending, true);
  await assertProblem(await act('unit1', id, 'approve-extension'), 403);
  c = await ok('supervisor1', id, 'approve-extension');
  assert.equal(c.extension_pending, false);
  assert.equal(c.extension_count, 1);
  assert.ok(Math.abs(Date.parse(c.due_at) - Date.parse(proposed)) < 1000);
  c = await ok('supervisor1', id, 'urge', { note: '督办:今日内完成' });
  assert.equal(c.urge_count, 1);
  c = await ok('supervisor1', id, 'suspend', { reason: '待规划部门意见' });
  assert.equal(c.suspended, true);
  assert.deepEqual(c.allowed_actions, ['resume', 'cancel', 'comment']);
  await assertProblem(await act('unit1', id, 'resolve'), 409);
  c = await ok('supervisor1', id, 'resume');
  assert.equal(c.suspended, false);
  assert.ok(Date.parse(c.due_at) >= Date.parse(proposed) - 1000);
  c = await ok('admin', id, 'cancel', { reason: '测试' });
  assert.equal(c.state, 'cancelled');
});

const photo = (who, id, kind, bytes) => fetch(`${g.base}/v1/cases/${id}/photos?kind=${kind}`, {
  method: 'POST', headers: { 'content-type': 'image/jpeg', authorization: as[who].auth }, body: bytes,
});

test('the whole path with photos: an "after" photo before resolving, a "check" photo on site', async () => {
  const id = await newCase('event:0102', '暴露垃圾');
  await ok('dispatcher1', id, 'verify');
  await ok('dispatcher1', id, 'dispatch', { unit_id: 1 });
  // Not before the unit works on it, and never by a grid worker.
  await assertProblem(await photo('unit1', id, 'after', makeJpeg({ seed: 61 })), 409);
  await ok('unit1', id, 'accept');
  await assertProblem(await photo('worker1', id, 'after', makeJpeg({ seed: 61 })), 403);
  const p = await assertProblem(await act('unit1', id, 'resolve'), 409);
  assert.match(p.detail, /after/);
  const after = await photo('unit1', id, 'after', makeJpeg({ seed: 62, exif: { lon: 116.4006, lat: 39.91045, takenAt: new Date() } }));
  const text = await after.text();
  assert.equal(after.status, 201, text);
  await assertMatchesContract('POST', '/v1/cases/{id}/photos', after, text);
  const shot = JSON.parse(text);
  assert.equal(shot.kind, 'after');
  assert.deepEqual(shot.flags, []);
  await ok('unit1', id, 'resolve');
  await assertProblem(await photo('unit1', id, 'check', makeJpeg({ seed: 63 })), 403);
  assert.equal((await photo('worker1', id, 'check', makeJpeg({ seed: 63 }))).status, 201);
  const closed = await ok('worker1', id, 'check', { result: 'passed' });
  assert.deepEqual(closed.photos.map((x) => x.kind), ['after', 'check']);
  // The unit sees its evidence; a worker of another cell does not.
  const get = (who) => fetch(`${g.base}/v1/photos/${shot.sha256}?size=thumb`, { headers: { authorization: as[who].auth } });
  assert.equal((await get('unit1')).status, 200);
  assert.equal((await get('worker2')).status, 404);
  const kinds = (await (await as.supervisor1('GET', `/v1/cases/${id}/events`)).json()).events.map((e) => e.kind);
  assert.deepEqual(kinds, ['reported', 'verify', 'dispatch', 'accept', 'photo_added', 'resolve', 'photo_added', 'check']);
});

test('merge: a duplicate joins the other case with its reports', async () => {
  const a = await newCase('event:0108', '同一处垃圾 A');
  const b = await newCase('event:0108', '同一处垃圾 B');
  const c = await ok('dispatcher1', b, 'merge', { target_case_id: a });
  assert.equal(c.state, 'merged');
  assert.equal(c.merged_into, a);
  const target = await getCase('dispatcher1', a);
  assert.equal(target.reports.length, 2);
  const events = (await (await as.dispatcher1('GET', `/v1/cases/${a}/events`)).json()).events;
  assert.equal(events.at(-1).kind, 'merged_from');
  await assertProblem(await act('dispatcher1', a, 'merge', { target_case_id: a }), 400);
});

test('GET /v1/cases: scoped, filtered, paged; overdue is computed from due_at', async () => {
  const a = await newCase('event:0108', '列表 A');
  const b = await newCase('event:0108', '列表 B');
  await ok('dispatcher1', b, 'verify');
  await ok('dispatcher1', b, 'dispatch', { unit_id: 1 });
  const list = async (who, q) => {
    const res = await as[who]('GET', `/v1/cases?${q}`);
    const text = await res.text();
    assert.equal(res.status, 200, text);
    await assertMatchesContract('GET', '/v1/cases', res, text);
    return JSON.parse(text);
  };
  const ids = (page) => page.items.map((c) => c.id);
  assert.ok(ids(await list('dispatcher1', 'state=reported&limit=200')).includes(a));
  assert.ok(!ids(await list('dispatcher1', 'state=reported&limit=200')).includes(b));
  assert.ok(!ids(await list('worker2', 'limit=200')).includes(a), 'not worker2\'s cell');
  const unit = await list('unit1', 'limit=200');
  assert.ok(ids(unit).includes(b) && !ids(unit).includes(a));
  const unit2 = ids(await list('unit2', 'limit=200'));
  assert.ok(!unit2.includes(a) && !unit2.includes(b), 'unit 2 has neither');
  // Overdue: the deadline passed while the case is being handled.
  assert.ok(!ids(await list('supervisor1', 'overdue=true&limit=200')).includes(b));
  await psql(dbUrl, `UPDATE cases SET due_at = now() - interval '1 hour' WHERE id = ${b}`);
  const late = await list('supervisor1', 'overdue=true&limit=200');
  assert.ok(ids(late).includes(b));
  assert.equal(late.items.find((c) => c.id === b).overdue, true);
  assert.equal((await getCase('supervisor1', b)).overdue, true);
  assert.ok((await getCase('supervisor1', b)).working_seconds_left <= 0);
  // Paging the most recently changed first.
  const first = await list('dispatcher1', 'limit=1');
  assert.equal(first.items.length, 1);
  const second = await list('dispatcher1', `limit=1&after=${first.next}`);
  assert.notEqual(second.items[0].id, first.items[0].id);
  for (const q of ['state=open', 'unit=x', 'cell=1', 'category=event', 'overdue=maybe', 'due_before=soon', 'after=zz', 'limit=0'])
    assert.equal((await as.dispatcher1('GET', `/v1/cases?${q}`)).status, 400, q);
});

test('audit: the chain verifies, and an edit or a removal made behind gridd\'s back is found', async () => {
  const id = await newCase();
  await ok('dispatcher1', id, 'verify');
  await ok('dispatcher1', id, 'dispatch', { unit_id: 1 });
  await ok('unit1', id, 'accept');
  const audit = async () => {
    const res = await as.supervisor1('GET', `/v1/cases/${id}/audit`);
    const text = await res.text();
    assert.equal(res.status, 200, text);
    await assertMatchesContract('GET', '/v1/cases/{id}/audit', res, text);
    return JSON.parse(text);
  };
  assert.deepEqual(await audit(), { valid: true, events: 4, broken_at: null, reason: null });
  const cli = () => spawnSync(process.env.GRIDD_BIN, ['audit-verify', '--case', String(id)],
    { env: { ...process.env, GRIDD_DB_URL: dbUrl }, encoding: 'utf8' });
  assert.equal(cli().status, 0, cli().stderr);
  // The table refuses changes; the owner switches the trigger off to forge one.
  await assert.rejects(psql(dbUrl, `UPDATE case_events SET data = '{}' WHERE case_id = ${id} AND seq = 3`), /append-only/);
  await psql(dbUrl, `ALTER TABLE case_events DISABLE TRIGGER case_events_append_only;
    UPDATE case_events SET data = jsonb_set(data, '{unit_id}', '2') WHERE case_id = ${id} AND seq = 3;
    ALTER TABLE case_events ENABLE TRIGGER case_events_append_only;`);
  const forged = await audit();
  assert.equal(forged.valid, false);
  assert.equal(forged.broken_at, 3);
  assert.match(forged.reason, /changed/);
  const r = cli();
  assert.equal(r.status, 1);
  assert.match(r.stdout, new RegExp(`case ${id}: broken at event 3`));
  // Another case: its newest event removed.
  const other = await newCase();
  await ok('dispatcher1', other, 'verify');
  await psql(dbUrl, `ALTER TABLE case_events DISABLE TRIGGER case_events_append_only;
    DELETE FROM case_events WHERE case_id = ${other} AND seq = 2;
    ALTER TABLE case_events ENABLE TRIGGER case_events_append_only;`);
  const cut = await (await as.supervisor1('GET', `/v1/cases/${other}/audit`)).json();
  assert.equal(cut.valid, false);
  assert.equal(cut.broken_at, 2);
  assert.match(cut.reason, /missing/);
  const all = spawnSync(process.env.GRIDD_BIN, ['audit-verify'], { env: { ...process.env, GRIDD_DB_URL: dbUrl }, encoding: 'utf8' });
  assert.equal(all.status, 1);
  assert.match(all.stdout, /BROKEN/);
});

test('the serving role (gridd_app) may add to the audit trail but never change it', async () => {
  const id = await newCase();
  await ok('dispatcher1', id, 'verify');
  // A login role like production's, member of gridd_app.
  await psql(dbUrl, `DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'gridd_web_test') THEN
    CREATE ROLE gridd_web_test LOGIN IN ROLE gridd_app; END IF;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;`);
  const as = (sql) => psql(dbUrl, `SET ROLE gridd_web_test; ${sql}`);
  assert.equal((await as(`SELECT count(*) FROM case_events WHERE case_id = ${id}`)).trim().split('\n').pop(), '2');
  await assert.rejects(as(`UPDATE case_events SET data = '{}' WHERE case_id = ${id}`), /permission denied/);
  await assert.rejects(as(`DELETE FROM case_events WHERE case_id = ${id}`), /permission denied/);
  await assert.rejects(as(`TRUNCATE case_events`), /permission denied/);
  await assert.rejects(as(`ALTER TABLE case_events DISABLE TRIGGER case_events_append_only`), /must be owner/);
  // It can still do its work: cases change, events are appended.
  await as(`UPDATE cases SET updated_at = now() WHERE id = ${id}`);
});

test('dispatch across a holiday block: the deadline waits for the next working day', async () => {
  // Today and the next two days (Beijing time) become holidays, whatever today is.
  const day = (n) => new Date(Date.now() + 8 * 3600_000 + n * 86400_000).toISOString().slice(0, 10);
  const byYear = {};
  for (const n of [0, 1, 2]) (byYear[day(n).slice(0, 4)] ??= []).push({ date: day(n), kind: 'holiday', name: '测试假期' });
  for (const [year, exceptions] of Object.entries(byYear)) {
    const res = await as.admin('PUT', `/v1/calendar/${year}`, { exceptions });
    assert.equal(res.status, 200, await res.clone().text());
  }
  const id = await newCase();
  await ok('dispatcher1', id, 'verify');
  const c = await ok('dispatcher1', id, 'dispatch', { unit_id: 1 });
  // 2 working hours cannot start before the block ends.
  const dueDay = new Date(Date.parse(c.due_at) + 8 * 3600_000).toISOString().slice(0, 10);
  assert.ok(dueDay > day(2), `${c.due_at} should be after ${day(2)}`);
  const want = await (await as.dispatcher1('GET', `/v1/deadline?start=${encodeURIComponent(c.dispatched_at)}&category=event:0108`)).json();
  assert.ok(Math.abs(Date.parse(c.due_at) - Date.parse(want.due_at)) <= 1000, `${c.due_at} vs ${want.due_at}`);
  // While the block lasts no working time passes.
  assert.equal(c.working_seconds_left, 7200);
  for (const year of Object.keys(byYear)) await as.admin('PUT', `/v1/calendar/${year}`, { exceptions: [] });
});
