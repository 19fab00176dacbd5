// The case sweeper: overdue and escalation events written once, late
// dispatch and check reported once, old rows pruned, and all of it exactly
// once with two gridd instances on one database and across restarts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createDatabase, migrate, startGridd, psql, waitFor, sleep } from './lib/harness.mjs';
import { login, client } from './lib/session.mjs';
import { assertMatchesContract } from './lib/contract.mjs';

const PASSWORD = 'demo-city-tests-2026';
const FAST = { GRIDD_SWEEPER_INTERVAL_S: 1 };
let g1, g2, dbUrl;
const as = {};

before(async () => {
  dbUrl = await createDatabase('sweeper');
  await migrate(dbUrl);
  execFileSync(process.env.GRIDD_BIN, ['demo'], { env: { ...process.env, GRIDD_DB_URL: dbUrl, GRIDD_DEMO_PASSWORD: PASSWORD } });
  // Two instances sweep the same database.
  g1 = await startGridd({ dbUrl, env: FAST });
  g2 = await startGridd({ dbUrl, env: FAST });
  for (const who of ['worker1', 'worker2', 'dispatcher1', 'unit1', 'supervisor1'])
    as[who] = client(g1.base, (await login(g1.base, who, PASSWORD)).access_token);
});
after(async () => { await g1?.stop(); await g2?.stop(); });

const sql = async (q) => (await psql(dbUrl, q)).trim();
async function newCase() {
  const res = await as.worker1('POST', '/v1/reports', { category: 'event:0108', description: '扫描测试',
    location: { type: 'Point', coordinates: [116.4006, 39.91045] }, observed_at: new Date(Date.now() - 60_000).toISOString() });
  assert.equal(res.status, 201);
  return (await res.json()).case_id;
}
const step = async (who, id, action, body = {}) => {
  const res = await as[who]('POST', `/v1/cases/${id}/${action}`, body);
  assert.equal(res.status, 200, await res.clone().text());
  return res.json();
};
const events = async (id, kind) => Number(await sql(`SELECT count(*) FROM case_events WHERE case_id = ${id} AND kind = '${kind}'`));
const notes = async (id, kind) => Number(await sql(`SELECT count(*) FROM notifications WHERE case_id = ${id} AND kind = '${kind}'`));

test('an overdue case gets one overdue event and its unit and the supervisors are told once', async () => {
  const id = await newCase();
  await step('dispatcher1', id, 'verify');
  await step('dispatcher1', id, 'dispatch', { unit_id: 1 });
  await step('unit1', id, 'accept');
  await sql(`UPDATE cases SET due_at = now() - interval '1 minute', dispatched_at = now() - interval '1 hour' WHERE id = ${id}`);
  await waitFor(async () => (await events(id, 'overdue')) === 1, { what: 'the overdue event' });
  await sleep(2500); // several more rounds of both instances
  assert.equal(await events(id, 'overdue'), 1);
  assert.equal(await notes(id, 'overdue'), 2); // the unit, the supervisors
  assert.equal(await sql(`SELECT unit_id FROM notifications WHERE case_id = ${id} AND kind = 'overdue' AND unit_id IS NOT NULL`), '1');
  // The chain stays whole with the sweeper's events in it.
  assert.equal(await sql(`SELECT bool_and(hash = case_event_hash(prev_hash, case_id, seq, kind, actor_id, at, data)) FROM case_events WHERE case_id = ${id}`), 't');
  // An approved extension sets a new deadline: the overdue mark starts over.
  await step('unit1', id, 'request-extension', { reason: '需要协调', proposed_due_at: new Date(Date.now() + 86400_000).toISOString() });
  await step('supervisor1', id, 'approve-extension');
  assert.equal(await sql(`SELECT overdue_at IS NULL FROM cases WHERE id = ${id}`), 't');
});

test('overdue by more than its own limit again: escalated once', async () => {
  const id = await newCase();
  await step('dispatcher1', id, 'verify');
  await step('dispatcher1', id, 'dispatch', { unit_id: 1 });
  // A 2-hour limit, missed by 3 hours.
  await sql(`UPDATE cases SET dispatched_at = now() - interval '5 hours', due_at = now() - interval '3 hours' WHERE id = ${id}`);
  await waitFor(async () => (await events(id, 'escalated')) === 1, { what: 'the escalation' });
  await sleep(2000);
  assert.equal(await events(id, 'overdue'), 1);
  assert.equal(await events(id, 'escalated'), 1);
  assert.equal(await notes(id, 'escalated'), 1);
  const kinds = (await sql(`SELECT string_agg(kind, ',' ORDER BY seq) FROM case_events WHERE case_id = ${id}`)).split(',');
  assert.deepEqual(kinds.slice(-2), ['overdue', 'escalated']);
});

test('suspended cases are not overdue', async () => {
  const id = await newCase();
  await step('dispatcher1', id, 'verify');
  await step('dispatcher1', id, 'dispatch', { unit_id: 1 });
  await step('supervisor1', id, 'suspend', { reason: '挂账' });
  await sql(`UPDATE cases SET due_at = now() - interval '1 minute' WHERE id = ${id}`);
  await sleep(2500);
  assert.equal(await events(id, 'overdue'), 0);
});

test('late dispatch and late check are reported to the dispatchers once, a late check also to the cell\'s workers', async () => {
  const waiting = await newCase();
  await step('dispatcher1', waiting, 'verify');
  await sql(`UPDATE cases SET registered_at = now() - interval '31 minutes' WHERE id = ${waiting}`);
  const checked = await newCase();
  await step('dispatcher1', checked, 'verify');
  await step('dispatcher1', checked, 'dispatch', { unit_id: 1 });
  await step('unit1', checked, 'accept');
  await step('unit1', checked, 'resolve');
  await sql(`UPDATE cases SET resolved_at = now() - interval '61 minutes' WHERE id = ${checked}`);
  await waitFor(async () => (await notes(waiting, 'dispatch_late')) === 1 && (await notes(checked, 'check_late')) >= 1,
    { what: 'the late notifications' });
  await sleep(2000);
  assert.equal(await notes(waiting, 'dispatch_late'), 1);
  assert.equal(await sql(`SELECT count(*) FROM notifications WHERE case_id = ${checked} AND kind = 'check_late' AND role = 'dispatcher'`), '1');
  assert.equal(await sql(`SELECT role FROM notifications WHERE case_id = ${waiting}`), 'dispatcher');
  // worker1 patrols the cell: the check is theirs to do, and they see it.
  const mine = await (await as.worker1('GET', '/v1/notifications')).json();
  assert.ok(mine.items.some((n) => n.case_id === checked && n.kind === 'check_late'), JSON.stringify(mine.items));
});

test('old login failures and idempotency keys are pruned; recent ones stay', async () => {
  await sql(`INSERT INTO login_failures (login, client, at) VALUES ('old', '10.0.0.1', now() - interval '2 hours'), ('new', '10.0.0.1', now())`);
  const uid = await sql(`SELECT id FROM users WHERE login = 'worker1'`);
  await sql(`INSERT INTO idempotency_keys (user_id, key, request_hash, status, response, created_at) VALUES
    (${uid}, 'old-key', 'x', 201, '{}', now() - interval '9 days'), (${uid}, 'new-key', 'x', 201, '{}', now() - interval '6 days')`);
  await waitFor(async () => (await sql(`SELECT count(*) FROM login_failures WHERE login = 'old'`)) === '0', { what: 'pruning' });
  await waitFor(async () => (await sql(`SELECT count(*) FROM idempotency_keys WHERE key = 'old-key'`)) === '0', { what: 'pruning keys' });
  assert.equal(await sql(`SELECT count(*) FROM login_failures WHERE login = 'new'`), '1');
  assert.equal(await sql(`SELECT count(*) FROM idempotency_keys WHERE key = 'new-key'`), '1');
});

test('a restart does not repeat anything', async () => {
  const before = await sql(`SELECT count(*) FROM case_events WHERE kind IN ('overdue', 'escalated')`);
  const notesBefore = await sql(`SELECT count(*) FROM notifications`);
  await g2.stop();
  g2 = await startGridd({ dbUrl, env: FAST });
  await sleep(2500);
  assert.equal(await sql(`SELECT count(*) FROM case_events WHERE kind IN ('overdue', 'escalated')`), before);
  assert.equal(await sql(`SELECT count(*) FROM notifications`), notesBefore);
});

test('notifications: each account sees what is addressed to it, and marks it read', async () => {
  const list = async (who, q = '') => {
    const res = await as[who]('GET', `/v1/notifications${q}`);
    const text = await res.text();
    assert.equal(res.status, 200, text);
    await assertMatchesContract('GET', '/v1/notifications', res, text);
    return JSON.parse(text).items;
  };
  const unitSees = await list('unit1', '?unread=true');
  assert.ok(unitSees.some((n) => n.kind === 'overdue'), JSON.stringify(unitSees));
  assert.ok(unitSees.every((n) => n.read === false));
  assert.ok((await list('supervisor1')).some((n) => n.kind === 'escalated'));
  assert.ok((await list('dispatcher1')).some((n) => n.kind === 'dispatch_late'));
  // Grid workers hear only of the checks that are theirs to do (late checks in their cells).
  assert.ok((await list('worker1')).every((n) => n.kind === 'check_late'));
  assert.deepEqual(await list('worker2'), []);
  // An urge reaches the unit at once.
  const id = await newCase();
  await step('dispatcher1', id, 'verify');
  await step('dispatcher1', id, 'dispatch', { unit_id: 1 });
  await step('supervisor1', id, 'urge', { note: '督办' });
  const urged = (await list('unit1', '?unread=true')).find((n) => n.kind === 'urged' && n.case_id === id);
  assert.ok(urged);
  const mark = await as.unit1('POST', '/v1/notifications/read', { ids: [urged.id] });
  assert.deepEqual(await mark.json(), { marked: 1 });
  assert.ok(!(await list('unit1', '?unread=true')).some((n) => n.id === urged.id));
  assert.equal((await list('unit1')).find((n) => n.id === urged.id).read, true);
  // Marking another account's notification does nothing.
  const other = (await list('dispatcher1'))[0];
  assert.deepEqual(await (await as.unit1('POST', '/v1/notifications/read', { ids: [other.id] })).json(), { marked: 0 });
  const all = await (await as.unit1('POST', '/v1/notifications/read', { all: true })).json();
  assert.ok(all.marked >= 1);
  assert.deepEqual(await list('unit1', '?unread=true'), []);
  for (const body of [{}, { ids: [] }, { ids: ['x'] }, { all: false }, { ids: [1], all: true }])
    assert.equal((await as.unit1('POST', '/v1/notifications/read', body)).status, 400, JSON.stringify(body));
  assert.equal((await as.unit1('GET', '/v1/notifications?unread=maybe')).status, 400);
});
