// Units (责任单位): everyone reads them, admins add and change them; the tree
// never gets a loop, codes stay unique, and units are never deleted.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createDatabase, migrate, startGridd, psql } from './lib/harness.mjs';
import { assertProblem, assertMatchesContract } from './lib/contract.mjs';
import { login, client } from './lib/session.mjs';

const PASSWORD = 'demo-city-tests-2026';
const LOGINS = { admin: 'admin', dispatcher: 'dispatcher1', supervisor: 'supervisor1', unit_staff: 'unit1', grid_worker: 'worker1' };
let g, dbUrl;
const as = {};   // role -> client

before(async () => {
  dbUrl = await createDatabase('units');
  await migrate(dbUrl);
  execFileSync(process.env.GRIDD_BIN, ['demo'], { env: { ...process.env, GRIDD_DB_URL: dbUrl, GRIDD_DEMO_PASSWORD: PASSWORD } });
  g = await startGridd({ dbUrl });
  for (const [role, name] of Object.entries(LOGINS)) as[role] = client(g.base, (await login(g.base, name, PASSWORD)).access_token);
});
after(async () => { await g?.stop(); });

/** Calls the API as admin (or `who`) and checks the answer against the contract. */
async function call(method, template, path, body, who = 'admin') {
  const res = await as[who](method, path, body);
  const text = await res.text();
  await assertMatchesContract(method, template, res, text);
  return { res, status: res.status, body: text ? JSON.parse(text) : null };
}
const create = (body) => call('POST', '/v1/units', '/v1/units', body);
const patch = (id, body) => call('PATCH', '/v1/units/{id}', `/v1/units/${id}`, body);
const pointers = (problem) => problem.errors.map((e) => e.pointer);
const parentOf = async (id) => (await psql(dbUrl, `SELECT coalesce(parent_id::text, 'none') FROM units WHERE id = ${id}`)).trim();

test('every role reads the demo units with the ids of their sub-units', async () => {
  for (const role of Object.keys(LOGINS)) {
    const { status, body } = await call('GET', '/v1/units', '/v1/units', undefined, role);
    assert.equal(status, 200, role);
    assert.ok(body.units.length >= 11, role);
    const byId = Object.fromEntries(body.units.map((u) => [u.id, u]));
    assert.equal(byId[3].name, '东城区城市管理委员会');
    assert.ok(byId[3].children.includes(2), '城管执法队 is under 城市管理委员会');
    assert.equal(byId[2].parent_id, 3);
    assert.equal(byId[1].phone, '010-64031234');
    assert.equal(byId[4].phone, null);
  }
  const one = await call('GET', '/v1/units/{id}', '/v1/units/9', undefined, 'grid_worker');
  assert.equal(one.status, 200);
  assert.deepEqual(one.body, { id: 9, code: 'shuiwu', name: '东城区水务局', parent_id: null, phone: null, active: true, children: [] });
});

test('an unknown or malformed unit id is 404', async () => {
  await assertProblem(await as.dispatcher('GET', '/v1/units/99999'), 404, 'not-found');
  await assertProblem(await as.dispatcher('GET', '/v1/units/abc'), 404, 'not-found');
  await assertProblem(await as.admin('PATCH', '/v1/units/99999', { name: '无此单位' }), 404, 'not-found');
});

test('admins create a unit: 201, Location, and it is listed under its parent', async () => {
  const { res, status, body } = await create({ code: 'cgzf-1', name: '城管执法一中队', parent_id: 2, phone: '+86 10 6403-5679' });
  assert.equal(status, 201);
  assert.equal(res.headers.get('location'), `/v1/units/${body.id}`);
  assert.deepEqual(body, { id: body.id, code: 'cgzf-1', name: '城管执法一中队', parent_id: 2, phone: '+86 10 6403-5679', active: true, children: [] });
  const parent = await call('GET', '/v1/units/{id}', '/v1/units/2', undefined);
  assert.ok(parent.body.children.includes(body.id));
  const fetched = await call('GET', '/v1/units/{id}', res.headers.get('location'), undefined, 'unit_staff');
  assert.deepEqual(fetched.body, body);
});

test('every malformed field is named with its pointer, unknown fields too', async () => {
  const bad = await assertProblem(await as.admin('POST', '/v1/units', {
    code: 'has space', name: '', parent_id: 'three', phone: '12', active: 'yes', colour: 'red',
  }), 400, 'validation');
  assert.deepEqual(pointers(bad).sort(), ['/active', '/code', '/colour', '/name', '/parent_id', '/phone']);
  const missing = await assertProblem(await as.admin('POST', '/v1/units', {}), 400, 'validation');
  assert.deepEqual(pointers(missing).sort(), ['/code', '/name']);
  for (const [field, value] of [['code', 'x'.repeat(33)], ['name', '名'.repeat(101)], ['phone', '1'.repeat(22)],
    ['phone', '+'], ['phone', '010-6403x'], ['parent_id', 0], ['parent_id', 1.5]]) {
    const p = await assertProblem(await as.admin('POST', '/v1/units', { code: 'ok', name: 'ok', [field]: value }), 400, 'validation');
    assert.deepEqual(pointers(p), [`/${field}`], `${field}: ${value}`);
  }
  // A 100-character name is fine: characters, not bytes.
  assert.equal((await create({ code: 'long-name', name: '名'.repeat(100) })).status, 201);
  const empty = await assertProblem(await as.admin('PATCH', '/v1/units/1', {}), 400, 'validation');
  assert.equal(empty.errors[0].detail, 'nothing to change');
  assert.equal(await (await psql(dbUrl, "SELECT count(*) FROM units WHERE code IN ('ok', 'has space')")).trim(), '0');
});

test('a duplicate code is 409, on create and on change', async () => {
  await assertProblem(await as.admin('POST', '/v1/units', { code: 'cgw', name: '重复' }), 409, 'conflict');
  await assertProblem(await as.admin('PATCH', '/v1/units/1', { code: 'cgw' }), 409, 'conflict');
  assert.equal(await (await psql(dbUrl, 'SELECT code FROM units WHERE id = 1')).trim(), 'sanitation');
});

test('an unknown parent is 422 naming /parent_id', async () => {
  const a = await assertProblem(await as.admin('POST', '/v1/units', { code: 'orphan', name: '孤儿', parent_id: 4242 }), 422, 'unprocessable');
  assert.deepEqual(pointers(a), ['/parent_id']);
  const b = await assertProblem(await as.admin('PATCH', '/v1/units/8', { parent_id: 4242 }), 422, 'unprocessable');
  assert.deepEqual(pointers(b), ['/parent_id']);
  assert.equal(await parentOf(8), 'none');
});

test('a unit can never become its own ancestor', async () => {
  const top = (await create({ code: 'loop-top', name: '顶层' })).body.id;
  const mid = (await create({ code: 'loop-mid', name: '中层', parent_id: top })).body.id;
  const low = (await create({ code: 'loop-low', name: '底层', parent_id: mid })).body.id;
  // top under low (its grandchild), under mid (its child), under itself
  for (const parent of [low, mid, top]) {
    const p = await assertProblem(await as.admin('PATCH', `/v1/units/${top}`, { parent_id: parent }), 422, 'unprocessable');
    assert.deepEqual(pointers(p), ['/parent_id']);
  }
  await assertProblem(await as.admin('PATCH', `/v1/units/${mid}`, { parent_id: low }), 422, 'unprocessable');
  assert.equal(await parentOf(top), 'none');
  assert.equal(await parentOf(mid), String(top));
  // Moving a branch elsewhere is fine, and the moved unit's old place is free again.
  assert.equal((await patch(low, { parent_id: 9 })).status, 200);
  assert.equal((await patch(top, { parent_id: low })).status, 200);
  assert.equal(await parentOf(top), String(low));
  assert.equal((await patch(top, { parent_id: null })).status, 200);
  assert.equal(await parentOf(top), 'none');
});

test('two concurrent moves cannot close a loop between them', async () => {
  for (let i = 0; i < 15; i++) {
    const a = (await create({ code: `race-a-${i}`, name: `甲${i}` })).body.id;
    const b = (await create({ code: `race-b-${i}`, name: `乙${i}` })).body.id;
    const [ra, rb] = await Promise.all([
      as.admin('PATCH', `/v1/units/${a}`, { parent_id: b }),
      as.admin('PATCH', `/v1/units/${b}`, { parent_id: a }),
    ]);
    await ra.arrayBuffer();
    await rb.arrayBuffer();
    assert.deepEqual([ra.status, rb.status].sort(), [200, 422], `pair ${i}`);
    const loop = await psql(dbUrl, `SELECT count(*) FROM units WHERE id IN (${a}, ${b}) AND parent_id IS NOT NULL`);
    assert.equal(loop.trim(), '1', `pair ${i}`);
  }
});

test('admins change names, codes, phones and retire units; ?active filters the list and children', async () => {
  const id = (await create({ code: 'team-x', name: '临时队', parent_id: 11, phone: '010-11112222' })).body.id;
  const changed = await patch(id, { code: 'team-y', name: '景山保洁队', phone: null });
  assert.equal(changed.status, 200);
  assert.deepEqual(changed.body, { id, code: 'team-y', name: '景山保洁队', parent_id: 11, phone: null, active: true, children: [] });
  assert.equal((await patch(id, { active: false })).body.active, false);
  const active = (await call('GET', '/v1/units', '/v1/units?active=true', undefined, 'supervisor')).body.units;
  assert.ok(!active.some((u) => u.id === id));
  assert.ok(!active.find((u) => u.id === 11).children.includes(id), 'retired children are filtered too');
  const retired = (await call('GET', '/v1/units', '/v1/units?active=false', undefined)).body.units;
  assert.ok(retired.some((u) => u.id === id));
  assert.ok(retired.every((u) => u.active === false));
  const all = (await call('GET', '/v1/units', '/v1/units', undefined)).body.units;
  assert.ok(all.find((u) => u.id === 11).children.includes(id));
  const bad = await assertProblem(await as.admin('GET', '/v1/units?active=maybe'), 400, 'validation');
  assert.deepEqual(pointers(bad), ['/query/active']);
});

test('only admins write units, and units are never deleted', async () => {
  for (const role of ['dispatcher', 'supervisor', 'unit_staff', 'grid_worker']) {
    await assertProblem(await as[role]('POST', '/v1/units', { code: `by-${role}`, name: '不行' }), 403, 'forbidden');
    await assertProblem(await as[role]('PATCH', '/v1/units/1', { name: '改名' }), 403, 'forbidden');
  }
  assert.equal(await (await psql(dbUrl, "SELECT name FROM units WHERE id = 1")).trim(), '东城区环卫中心');
  const del = await as.admin('DELETE', '/v1/units/1');
  await assertProblem(del, 405, 'method-not-allowed');
  assert.match(del.headers.get('allow'), /PATCH/);
});
