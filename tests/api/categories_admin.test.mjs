// Changing the taxonomy (admins): one category, adding, changing, retiring and
// deleting categories; and the routing rules that send cases to units.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createDatabase, migrate, startGridd, psql } from './lib/harness.mjs';
import { assertProblem, assertMatchesContract } from './lib/contract.mjs';
import { login, client } from './lib/session.mjs';

const PASSWORD = 'demo-city-tests-2026';
const LOGINS = { admin: 'admin', dispatcher: 'dispatcher1', supervisor: 'supervisor1', unit_staff: 'unit1', grid_worker: 'worker1' };
const OTHERS = ['dispatcher', 'supervisor', 'unit_staff', 'grid_worker'];
let g, dbUrl;
const as = {};

before(async () => {
  dbUrl = await createDatabase('categories_admin');
  await migrate(dbUrl);
  execFileSync(process.env.GRIDD_BIN, ['demo'], { env: { ...process.env, GRIDD_DB_URL: dbUrl, GRIDD_DEMO_PASSWORD: PASSWORD } });
  g = await startGridd({ dbUrl });
  for (const [role, name] of Object.entries(LOGINS)) as[role] = client(g.base, (await login(g.base, name, PASSWORD)).access_token);
});
after(async () => { await g?.stop(); });

async function call(method, template, path, body, who = 'admin') {
  const res = await as[who](method, path, body);
  const text = await res.text();
  await assertMatchesContract(method, template, res, text);
  return { res, status: res.status, body: text ? JSON.parse(text) : null };
}
const getOne = (name, who = 'admin') => call('GET', '/v1/categories/{name}', `/v1/categories/${name}`, undefined, who);
const create = (body) => call('POST', '/v1/categories', '/v1/categories', body);
const patch = (name, body) => call('PATCH', '/v1/categories/{name}', `/v1/categories/${name}`, body);
const pointers = (problem) => problem.errors.map((e) => e.pointer);
const treeIds = async () => {
  const { categories } = await (await as.dispatcher('GET', '/v1/categories')).json();
  return new Set(categories.flatMap((m) => [m.id, ...m.children.map((c) => c.id)]));
};

// ---- categories ----

test('every role reads one category, major or minor, retired ones included', async () => {
  for (const role of Object.keys(LOGINS)) {
    const minor = await getOne('event:0102', role);
    assert.equal(minor.status, 200, role);
    assert.deepEqual(minor.body, {
      id: 'event:0102', kind: 'event', code: '0102', major: 'event:01', name: '暴露垃圾', name_en: 'Exposed garbage',
      default_unit_id: 1, limit: { value: 4, unit: 'working_hours' }, urgent_limit: { value: 2, unit: 'calendar_hours' },
      urgent_by_default: false, after_photo_required: true, active: true,
    });
  }
  const major = await getOne('component:01');
  assert.equal(major.body.name, '公用设施');
  assert.equal(major.body.major, null);
  assert.equal(major.body.limit, null);
  // The colon may come percent-encoded.
  assert.equal((await getOne('component%3A0104')).body.name, '井盖缺失');
  await assertProblem(await as.dispatcher('GET', '/v1/categories/event:0999'), 404, 'not-found');
  await assertProblem(await as.dispatcher('GET', '/v1/categories/weather:01'), 404, 'not-found');
  await assertProblem(await as.dispatcher('GET', '/v1/categories/event:010'), 404, 'not-found');
});

test('admins add a major and then a minor under it; the tree shows them', async () => {
  const major = await create({ kind: 'event', code: '07', name: '文明行为', name_en: 'Civility' });
  assert.equal(major.status, 201);
  assert.equal(major.res.headers.get('location'), '/v1/categories/event:07');
  assert.equal(major.body.active, true);
  assert.equal(major.body.after_photo_required, true, 'the default');
  const minor = await create({
    kind: 'event', code: '0701', name: '不文明养犬', name_en: 'Uncivil dog keeping', default_unit_id: 2,
    limit: { value: 3, unit: 'working_days' }, urgent_limit: { value: 4, unit: 'calendar_hours' },
    urgent_by_default: true, after_photo_required: false,
  });
  assert.equal(minor.status, 201);
  assert.deepEqual(minor.body, {
    id: 'event:0701', kind: 'event', code: '0701', major: 'event:07', name: '不文明养犬', name_en: 'Uncivil dog keeping',
    default_unit_id: 2, limit: { value: 3, unit: 'working_days' }, urgent_limit: { value: 4, unit: 'calendar_hours' },
    urgent_by_default: true, after_photo_required: false, active: true,
  });
  assert.deepEqual((await getOne('event:0701', 'grid_worker')).body, minor.body);
  const ids = await treeIds();
  assert.ok(ids.has('event:07') && ids.has('event:0701'));
  // Its limit drives deadlines at once.
  const due = await (await as.dispatcher('GET', '/v1/deadline?start=2026-10-12T09:00:00%2B08:00&category=event:0701')).json();
  assert.deepEqual(due.limit, { value: 3, unit: 'working_days' });
});

test('category fields are checked with pointers; a minor needs a limit and its major', async () => {
  const bad = await assertProblem(await as.admin('POST', '/v1/categories', {
    kind: 'weather', code: '0100', name: '', name_en: 'x'.repeat(121), default_unit_id: 'one',
    limit: { value: 0, unit: 'working_hours' }, urgent_limit: { value: 1, unit: 'fortnights' },
    urgent_by_default: 'no', after_photo_required: 1, active: true, colour: 'red',
  }), 400, 'validation');
  assert.deepEqual(pointers(bad).sort(), ['/active', '/after_photo_required', '/code', '/colour', '/default_unit_id',
    '/kind', '/limit', '/name', '/name_en', '/urgent_by_default', '/urgent_limit'].sort());
  const noLimit = await assertProblem(await as.admin('POST', '/v1/categories', { kind: 'event', code: '0702', name: '无时限', name_en: 'No limit' }), 400, 'validation');
  assert.deepEqual(pointers(noLimit), ['/limit']);
  const extraKey = await assertProblem(await as.admin('POST', '/v1/categories', { kind: 'event', code: '0702', name: '多键', name_en: 'Extra',
    limit: { value: 1, unit: 'working_days', when: 'now' } }), 400, 'validation');
  assert.deepEqual(pointers(extraKey), ['/limit']);
  const orphan = await assertProblem(await as.admin('POST', '/v1/categories', { kind: 'component', code: '0901', name: '孤儿', name_en: 'Orphan',
    limit: { value: 1, unit: 'working_days' } }), 422, 'unprocessable');
  assert.deepEqual(pointers(orphan), ['/code']);
  const noUnit = await assertProblem(await as.admin('POST', '/v1/categories', { kind: 'event', code: '0703', name: '无单位', name_en: 'No unit',
    default_unit_id: 4242, limit: { value: 1, unit: 'working_days' } }), 422, 'unprocessable');
  assert.deepEqual(pointers(noUnit), ['/default_unit_id']);
  const n = (await psql(dbUrl, "SELECT count(*) FROM categories WHERE code IN ('0702', '0901', '0703', '09')")).trim();
  assert.equal(n, '0');
});

test('an existing category is 409', async () => {
  await assertProblem(await as.admin('POST', '/v1/categories', { kind: 'event', code: '01', name: '重复', name_en: 'Again' }), 409, 'conflict');
  await assertProblem(await as.admin('POST', '/v1/categories', { kind: 'event', code: '0102', name: '重复', name_en: 'Again',
    limit: { value: 1, unit: 'working_hours' } }), 409, 'conflict');
  assert.equal((await getOne('event:0102')).body.name, '暴露垃圾');
});

test('admins change any field but kind and code', async () => {
  const changed = await patch('event:0104', {
    name: '道路不洁净', name_en: 'Unclean road', default_unit_id: 11, limit: { value: 90, unit: 'working_minutes' },
    urgent_limit: null, urgent_by_default: true, after_photo_required: false,
  });
  assert.equal(changed.status, 200);
  assert.deepEqual(changed.body, {
    id: 'event:0104', kind: 'event', code: '0104', major: 'event:01', name: '道路不洁净', name_en: 'Unclean road',
    default_unit_id: 11, limit: { value: 90, unit: 'working_minutes' }, urgent_limit: null,
    urgent_by_default: true, after_photo_required: false, active: true,
  });
  assert.equal((await patch('event:0104', { default_unit_id: null })).body.default_unit_id, null);
  const fixed = await assertProblem(await as.admin('PATCH', '/v1/categories/event:0104', { kind: 'component', code: '0105' }), 400, 'validation');
  assert.deepEqual(pointers(fixed), ['/kind', '/code']);
  const noLimit = await assertProblem(await as.admin('PATCH', '/v1/categories/event:0104', { limit: null }), 400, 'validation');
  assert.deepEqual(pointers(noLimit), ['/limit']);
  const empty = await assertProblem(await as.admin('PATCH', '/v1/categories/event:0104', {}), 400, 'validation');
  assert.equal(empty.errors[0].detail, 'nothing to change');
  const unit = await assertProblem(await as.admin('PATCH', '/v1/categories/event:0104', { default_unit_id: 4242 }), 422, 'unprocessable');
  assert.deepEqual(pointers(unit), ['/default_unit_id']);
  await assertProblem(await as.admin('PATCH', '/v1/categories/event:0999', { name: '无' }), 404, 'not-found');
  // A major may drop a limit it never needed.
  assert.equal((await patch('event:06', { limit: null, name_en: 'Other events' })).status, 200);
  assert.equal((await getOne('event:0104')).body.limit.value, 90);
});

test('a retired category leaves the tree and routes no new case, but still reads', async () => {
  const cell = '110101001001001';
  assert.equal((await as.dispatcher('GET', `/v1/routing/resolve?category=event:0108&cell=${cell}`)).status, 200);
  const retired = await patch('event:0108', { active: false });
  assert.equal(retired.body.active, false);
  assert.ok(!(await treeIds()).has('event:0108'));
  await assertProblem(await as.dispatcher('GET', `/v1/routing/resolve?category=event:0108&cell=${cell}`), 404, 'not-found');
  assert.equal((await getOne('event:0108', 'grid_worker')).body.active, false);
  assert.equal((await patch('event:0108', { active: true })).body.active, true);
  assert.ok((await treeIds()).has('event:0108'));
});

test('a category is deleted only while nothing refers to it', async () => {
  assert.equal((await create({ kind: 'component', code: '06', name: '临时', name_en: 'Temporary' })).status, 201);
  assert.equal((await create({ kind: 'component', code: '0601', name: '临时小类', name_en: 'Temporary minor',
    limit: { value: 1, unit: 'calendar_days' } })).status, 201);
  // A major with minors, a category with routing rules (event:0504), one a campaign targets (event:0102).
  for (const name of ['component:06', 'event:0504', 'event:0102']) {
    const p = await assertProblem(await as.admin('DELETE', `/v1/categories/${name}`), 409, 'conflict');
    assert.match(p.detail, /active to false/, name);
  }
  const gone = await call('DELETE', '/v1/categories/{name}', '/v1/categories/component:0601');
  assert.equal(gone.status, 204);
  assert.equal((await call('DELETE', '/v1/categories/{name}', '/v1/categories/component:06')).status, 204);
  await assertProblem(await as.admin('DELETE', '/v1/categories/component:06'), 404, 'not-found');
  await assertProblem(await as.admin('GET', '/v1/categories/component:0601'), 404, 'not-found');
  assert.equal((await getOne('event:0504')).status, 200);
});

test('only admins change categories', async () => {
  for (const role of OTHERS) {
    await assertProblem(await as[role]('POST', '/v1/categories', { kind: 'event', code: '08', name: '不行', name_en: 'No' }), 403, 'forbidden');
    await assertProblem(await as[role]('PATCH', '/v1/categories/event:0102', { name: '改' }), 403, 'forbidden');
    await assertProblem(await as[role]('DELETE', '/v1/categories/event:0601'), 403, 'forbidden');
  }
  assert.equal((await getOne('event:0102')).body.name, '暴露垃圾');
  assert.equal((await getOne('event:0601')).status, 200);
  await assertProblem(await as.admin('GET', '/v1/categories/event:08'), 404, 'not-found');
});

// ---- routing rules ----

const rules = (query = '', who = 'admin') => call('GET', '/v1/routing/rules', `/v1/routing/rules${query}`, undefined, who);

test('every role lists the routing rules, filtered by category, area or cell', async () => {
  for (const role of Object.keys(LOGINS)) {
    const { status, body } = await rules('', role);
    assert.equal(status, 200, role);
    assert.ok(body.rules.length >= 5, role);
  }
  const bikes = (await rules('?category=event:0504')).body.rules;
  assert.deepEqual(bikes.map((r) => r.area_code).sort(), ['110101001', '110101002']);
  assert.deepEqual(bikes.find((r) => r.area_code === '110101002').unit, { id: 11, code: 'jingshan', name: '景山街道办事处' });
  const street = (await rules('?area=110101002')).body.rules;
  assert.deepEqual(street.map((r) => r.category).sort(), ['event:05', 'event:0504']);
  const cell = (await rules('?cell=110101002002006')).body.rules;
  assert.equal(cell.length, 1);
  assert.deepEqual({ ...cell[0], id: 0 }, { id: 0, category: 'event:0102', area_code: null, cell_code: '110101002002006',
    unit: { id: 2, code: 'cgzf', name: '东城区城管执法队' }, priority: 5, note: '景山后街网格由城管执法队处置' });
  assert.deepEqual((await rules('?category=event:05&area=110101002')).body.rules.map((r) => r.category), ['event:05']);
  assert.deepEqual((await rules('?category=component:0104')).body.rules, []);
  const bad = await assertProblem(await as.admin('GET', '/v1/routing/rules?category=event&area=1101&cell=1'), 400, 'validation');
  assert.deepEqual(pointers(bad), ['/query/category', '/query/area', '/query/cell']);
});

test('admins add a rule, routing uses it at once, and deleting it undoes that', async () => {
  const cell = '110101001002002';
  const resolve = async () => (await (await as.dispatcher('GET', `/v1/routing/resolve?category=event:0107&cell=${cell}`)).json());
  assert.equal((await resolve()).unit.id, 2);
  const created = await call('POST', '/v1/routing/rules', '/v1/routing/rules',
    { category: 'event:01', area_code: '110101001002', unit_id: 10, priority: 2, note: '多福巷社区市容由街道处置' });
  assert.equal(created.status, 201);
  const rule = created.body;
  assert.equal(created.res.headers.get('location'), `/v1/routing/rules/${rule.id}`);
  assert.deepEqual({ ...rule, id: 0 }, { id: 0, category: 'event:01', area_code: '110101001002', cell_code: null,
    unit: { id: 10, code: 'donghuamen', name: '东华门街道办事处' }, priority: 2, note: '多福巷社区市容由街道处置' });
  const routed = await resolve();
  assert.equal(routed.unit.id, 10);
  assert.equal(routed.rule.id, rule.id);
  const onCell = await call('POST', '/v1/routing/rules', '/v1/routing/rules', { category: 'event:0107', cell_code: cell, unit_id: 8 });
  assert.equal(onCell.body.priority, 0);
  assert.equal(onCell.body.note, null);
  assert.equal((await resolve()).unit.id, 8);
  assert.equal((await call('DELETE', '/v1/routing/rules/{id}', `/v1/routing/rules/${onCell.body.id}`)).status, 204);
  assert.equal((await call('DELETE', '/v1/routing/rules/{id}', `/v1/routing/rules/${rule.id}`)).status, 204);
  assert.equal((await resolve()).unit.id, 2);
  await assertProblem(await as.admin('DELETE', `/v1/routing/rules/${rule.id}`), 404, 'not-found');
  await assertProblem(await as.admin('DELETE', '/v1/routing/rules/x1'), 404, 'not-found');
});

test('rule fields are checked in C, references in the database, each with its pointer', async () => {
  const bad = await assertProblem(await as.admin('POST', '/v1/routing/rules', {
    category: 'event:0100', area_code: '1101', unit_id: 0, priority: 1001, note: '', colour: 'red',
  }), 400, 'validation');
  assert.deepEqual(pointers(bad).sort(), ['/area_code', '/category', '/colour', '/note', '/priority', '/unit_id']);
  for (const target of [{}, { area_code: '110101', cell_code: '110101001001001' }, { area_code: null, cell_code: null }]) {
    const p = await assertProblem(await as.admin('POST', '/v1/routing/rules', { category: 'event:01', unit_id: 1, ...target }), 400, 'validation');
    assert.deepEqual(pointers(p), [''], JSON.stringify(target));
  }
  const cases = [
    [{ category: 'event:09', area_code: '110101', unit_id: 1 }, '/category'],
    [{ category: 'event:0199', area_code: '110101', unit_id: 1 }, '/category'],
    [{ category: 'event:01', area_code: '110102', unit_id: 1 }, '/area_code'],
    [{ category: 'event:01', cell_code: '110101001001099', unit_id: 1 }, '/cell_code'],
    [{ category: 'event:01', area_code: '110101', unit_id: 4242 }, '/unit_id'],
  ];
  const before = (await psql(dbUrl, 'SELECT count(*) FROM routing_rules')).trim();
  for (const [body, pointer] of cases) {
    const p = await assertProblem(await as.admin('POST', '/v1/routing/rules', body), 422, 'unprocessable');
    assert.deepEqual(pointers(p), [pointer], JSON.stringify(body));
  }
  assert.equal((await psql(dbUrl, 'SELECT count(*) FROM routing_rules')).trim(), before);
});

test('only admins add or delete routing rules', async () => {
  const before = (await psql(dbUrl, 'SELECT count(*) FROM routing_rules')).trim();
  for (const role of OTHERS) {
    await assertProblem(await as[role]('POST', '/v1/routing/rules', { category: 'event:01', area_code: '110101', unit_id: 1 }), 403, 'forbidden');
    await assertProblem(await as[role]('DELETE', '/v1/routing/rules/1'), 403, 'forbidden');
  }
  assert.equal((await psql(dbUrl, 'SELECT count(*) FROM routing_rules')).trim(), before);
});
