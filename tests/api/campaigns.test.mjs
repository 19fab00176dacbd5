// Campaigns (专项行动): the demo 创建文明城市 campaign, and admins creating and
// replacing whole campaign documents in one transaction.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createDatabase, migrate, startGridd, psql } from './lib/harness.mjs';
import { assertProblem, assertMatchesContract } from './lib/contract.mjs';
import { login, client } from './lib/session.mjs';

const PASSWORD = 'demo-city-tests-2026';
const LOGINS = { admin: 'admin', dispatcher: 'dispatcher1', supervisor: 'supervisor1', unit_staff: 'unit1', grid_worker: 'worker1' };
let g, dbUrl;
const as = {};

before(async () => {
  dbUrl = await createDatabase('campaigns');
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
const put = (code, doc) => call('PUT', '/v1/campaigns/{code}', `/v1/campaigns/${code}`, doc);
const get = (code, who = 'admin') => call('GET', '/v1/campaigns/{code}', `/v1/campaigns/${code}`, undefined, who);
const pointers = (problem) => problem.errors.map((e) => e.pointer);
const count = async (sql) => Number((await psql(dbUrl, sql)).trim());

const action = (code, extra = {}) => ({ code, name: `行动${code}`, lead_unit_id: 3, responsible_unit_ids: [1, 2], categories: ['event:01'], ...extra });

test('the demo loads the 2026 创建文明城市 campaign: nine actions with lead and responsible units', async () => {
  const { status, body } = await call('GET', '/v1/campaigns', '/v1/campaigns', undefined, 'grid_worker');
  assert.equal(status, 200);
  const c = body.campaigns.find((x) => x.code === 'wmcj-2026');
  assert.ok(c, 'the demo campaign is listed');
  assert.equal(c.name, '2026年东城区创建文明城市专项行动');
  assert.equal(c.starts_on, '2026-01-01');
  assert.equal(c.ends_on, '2026-12-31');
  assert.equal(c.actions.length, 9);
  const byName = Object.fromEntries(c.actions.map((a) => [a.name, a]));
  const lead = (name) => byName[name]?.lead_unit.name;
  const responsible = (name) => byName[name].responsible_units.map((u) => u.name);
  assert.equal(lead('市容环境整治'), '东城区城市管理委员会');
  assert.equal(byName['市容环境整治'].lead_unit.id, 3);
  for (const u of ['东城区环卫中心', '东城区城管执法队', '东华门街道办事处', '景山街道办事处'])
    assert.ok(responsible('市容环境整治').includes(u), u);
  assert.equal(lead('违法建设治理'), '东城区城管执法队');
  assert.ok(responsible('违法建设治理').includes('东城区住房和城乡建设委员会'));
  assert.equal(lead('占道经营整治'), '东城区城管执法队');
  assert.equal(lead('户外广告和牌匾标识整治'), '东城区城市管理委员会');
  assert.equal(lead('交通秩序整治'), '公安交通管理局东城交通支队');
  assert.equal(lead('园林绿化提升'), '东城区园林绿化局');
  assert.equal(lead('水环境治理'), '东城区水务局');
  assert.equal(lead('食品摊点和市场秩序整治'), '东城区市场监督管理局');
  assert.equal(lead('大气污染和扬尘治理'), '东城区生态环境局');
  // Every action targets categories of the seeded taxonomy (majors or minors).
  const tree = await (await as.admin('GET', '/v1/categories')).json();
  const known = new Set(tree.categories.flatMap((m) => [m.id, ...m.children.map((c) => c.id)]));
  for (const a of c.actions) {
    assert.ok(a.categories.length > 0, a.name);
    for (const cat of a.categories) assert.ok(known.has(cat), `${a.name}: ${cat}`);
    assert.ok(a.responsible_units.length > 0, a.name);
  }
  assert.ok(byName['市容环境整治'].categories.includes('event:0102'), '暴露垃圾');
  assert.ok(byName['违法建设治理'].categories.includes('event:0101'), '乱搭乱建');
  assert.ok(byName['户外广告和牌匾标识整治'].categories.includes('event:02'), 'a whole major');
  assert.ok(byName['交通秩序整治'].categories.includes('event:0503'), '机动车乱停放');
  assert.ok(byName['大气污染和扬尘治理'].categories.includes('event:0302'), '工地扬尘');
  // Actions in the order the plan lists them.
  assert.equal(c.actions[0].name, '市容环境整治');
});

test('every role reads campaigns; unknown ones are 404', async () => {
  for (const role of Object.keys(LOGINS)) {
    const { status, body } = await get('wmcj-2026', role);
    assert.equal(status, 200, role);
    assert.equal(body.actions.length, 9, role);
  }
  await assertProblem(await as.unit_staff('GET', '/v1/campaigns/no-such-campaign'), 404, 'not-found');
  await assertProblem(await as.unit_staff('GET', '/v1/campaigns/bad%20code'), 404, 'not-found');
});

test('running the demo again changes nothing', async () => {
  execFileSync(process.env.GRIDD_BIN, ['demo'], { env: { ...process.env, GRIDD_DB_URL: dbUrl, GRIDD_DEMO_PASSWORD: PASSWORD } });
  assert.equal(await count("SELECT count(*) FROM campaign_actions a JOIN campaigns c ON c.id = a.campaign_id WHERE c.code = 'wmcj-2026'"), 9);
});

test('PUT creates a campaign (201, Location) and the same document reads back', async () => {
  const doc = {
    name: '2026年春季市容环境集中整治', starts_on: '2026-03-01', ends_on: '2026-05-31',
    actions: [
      action('laji', { name: '垃圾暴露清零', description: '每日巡查两次', lead_unit_id: 1, responsible_unit_ids: [10, 11], categories: ['event:0102', 'component:0303'] }),
      action('xiaoguanggao', { name: '小广告清理', lead_unit_id: 3, responsible_unit_ids: [2], categories: ['event:02'] }),
    ],
  };
  const { res, status, body } = await put('spring-2026', doc);
  assert.equal(status, 201);
  assert.equal(res.headers.get('location'), '/v1/campaigns/spring-2026');
  assert.equal(body.name, doc.name);
  assert.equal(body.ends_on, '2026-05-31');
  assert.deepEqual(body.actions.map((a) => a.code), ['laji', 'xiaoguanggao']);
  assert.equal(body.actions[0].description, '每日巡查两次');
  assert.equal(body.actions[1].description, null);
  assert.deepEqual(body.actions[0].lead_unit, { id: 1, code: 'sanitation', name: '东城区环卫中心' });
  assert.deepEqual(body.actions[0].responsible_units.map((u) => u.id), [10, 11]);
  assert.deepEqual(body.actions[0].categories, ['event:0102', 'component:0303']);
  assert.deepEqual((await get('spring-2026', 'dispatcher')).body, body);
});

test('PUT replaces the whole document: actions kept by code, dropped ones deleted, links replaced', async () => {
  const first = await put('replace-me', {
    name: '初版', starts_on: '2026-06-01',
    actions: [action('a', { responsible_unit_ids: [1, 2, 10] }), action('b'), action('c', { categories: ['event:0101', 'event:0501'] })],
  });
  assert.equal(first.status, 201);
  const ids = Object.fromEntries(first.body.actions.map((a) => [a.code, a.id]));
  const second = await put('replace-me', {
    name: '修订版', starts_on: '2026-06-01', ends_on: null,
    actions: [
      action('c', { name: '第一项', lead_unit_id: 7, responsible_unit_ids: [7], categories: ['component:01'] }),
      action('d', { responsible_unit_ids: [], categories: [] }),
      action('a', { responsible_unit_ids: [11] }),
    ],
  });
  assert.equal(second.status, 200);
  assert.equal(second.res.headers.get('location'), null);
  const b = second.body;
  assert.equal(b.name, '修订版');
  assert.equal(b.id, first.body.id);
  assert.deepEqual(b.actions.map((a) => a.code), ['c', 'd', 'a'], 'the document order');
  assert.equal(b.actions[0].id, ids.c, 'a kept action keeps its id');
  assert.equal(b.actions[2].id, ids.a);
  assert.equal(b.actions[0].name, '第一项');
  assert.equal(b.actions[0].lead_unit.id, 7);
  assert.deepEqual(b.actions[0].responsible_units.map((u) => u.id), [7]);
  assert.deepEqual(b.actions[0].categories, ['component:01']);
  assert.deepEqual(b.actions[1].responsible_units, []);
  assert.deepEqual(b.actions[1].categories, []);
  assert.deepEqual(b.actions[2].responsible_units.map((u) => u.id), [11]);
  // Nothing of the dropped action or the old links is left behind.
  assert.equal(await count(`SELECT count(*) FROM campaign_actions WHERE id = ${ids.b}`), 0);
  assert.equal(await count(`SELECT count(*) FROM campaign_action_units WHERE action_id = ${ids.b}`), 0);
  assert.equal(await count(`SELECT count(*) FROM campaign_action_categories WHERE action_id IN (${ids.a}, ${ids.b}, ${ids.c})`), 2);
  // An empty action list empties the campaign.
  const emptied = await put('replace-me', { name: '修订版', starts_on: '2026-06-01', actions: [] });
  assert.deepEqual(emptied.body.actions, []);
  assert.equal(await count(`SELECT count(*) FROM campaign_action_units WHERE action_id IN (${ids.a}, ${ids.c})`), 0);
  // The demo campaign is untouched by all this.
  assert.equal((await get('wmcj-2026')).body.actions.length, 9);
});

test('every malformed field is named with its pointer and nothing is written', async () => {
  const bad = await assertProblem(await as.admin('PUT', '/v1/campaigns/malformed', {
    name: '', starts_on: '2026-02-30', colour: 'red',
    actions: [
      { code: 'has space', name: '', description: '', lead_unit_id: 0, responsible_unit_ids: [1, 1, 'x'], categories: ['event:0100', 'event:01', 'event:01', 'weather:01'], extra: true },
      action('dup'),
      action('dup'),
      'not an action',
    ],
  }), 400, 'validation');
  assert.deepEqual(pointers(bad), [
    '/colour', '/name', '/starts_on',
    '/actions/0/extra', '/actions/0/code', '/actions/0/name', '/actions/0/description', '/actions/0/lead_unit_id',
    '/actions/0/responsible_unit_ids/1', '/actions/0/responsible_unit_ids/2',
    '/actions/0/categories/0', '/actions/0/categories/2', '/actions/0/categories/3',
    '/actions/2/code', '/actions/3',
  ]);
  const dates = await assertProblem(await as.admin('PUT', '/v1/campaigns/malformed', { name: 'x', starts_on: '2026-05-01', ends_on: '2026-04-30', actions: [] }), 400, 'validation');
  assert.deepEqual(pointers(dates), ['/ends_on']);
  for (const d of ['2026-5-01', '20260501', '2026-05-01T00:00:00Z', 2026]) {
    const p = await assertProblem(await as.admin('PUT', '/v1/campaigns/malformed', { name: 'x', starts_on: d, actions: [] }), 400, 'validation');
    assert.deepEqual(pointers(p), ['/starts_on'], String(d));
  }
  const missing = await assertProblem(await as.admin('PUT', '/v1/campaigns/malformed', { actions: [{}] }), 400, 'validation');
  assert.deepEqual(pointers(missing), ['/name', '/starts_on', '/actions/0/code', '/actions/0/name', '/actions/0/lead_unit_id',
    '/actions/0/responsible_unit_ids', '/actions/0/categories']);
  await assertProblem(await as.admin('PUT', '/v1/campaigns/malformed', []), 400, 'validation');
  await assertProblem(await as.admin('PUT', `/v1/campaigns/${'x'.repeat(33)}`, { name: 'x', starts_on: '2026-01-01', actions: [] }), 400, 'validation');
  assert.equal(await count("SELECT count(*) FROM campaigns WHERE code = 'malformed'"), 0);
});

test('limits: at most 50 actions, and 50 units and 50 categories per action', async () => {
  const many = (n, f) => Array.from({ length: n }, (_, i) => f(i));
  const tooManyActions = await assertProblem(await as.admin('PUT', '/v1/campaigns/big', {
    name: '大', starts_on: '2026-01-01', actions: many(51, (i) => action(`a${i}`)),
  }), 400, 'validation');
  assert.deepEqual(pointers(tooManyActions), ['/actions']);
  const tooMany = await assertProblem(await as.admin('PUT', '/v1/campaigns/big', {
    name: '大', starts_on: '2026-01-01',
    actions: [action('u', { responsible_unit_ids: many(51, (i) => i + 1) }),
      action('k', { categories: many(51, (i) => `event:${String(i + 1).padStart(2, '0')}`) })],
  }), 400, 'validation');
  assert.deepEqual(pointers(tooMany), ['/actions/0/responsible_unit_ids', '/actions/1/categories']);
  // Exactly 50 actions is fine.
  const fifty = await put('big', { name: '大', starts_on: '2026-01-01', actions: many(50, (i) => action(`a${i}`)) });
  assert.equal(fifty.status, 201);
  assert.equal(fifty.body.actions.length, 50);
});

test('unknown units and categories are 422, each with its pointer, and nothing is written', async () => {
  const p = await assertProblem(await as.admin('PUT', '/v1/campaigns/ghosts', {
    name: '幽灵', starts_on: '2026-01-01',
    actions: [
      action('ok'),
      action('bad', { lead_unit_id: 404, responsible_unit_ids: [1, 405], categories: ['event:01', 'event:0199', 'component:09'] }),
    ],
  }), 422, 'unprocessable');
  assert.deepEqual(pointers(p), ['/actions/1/lead_unit_id', '/actions/1/responsible_unit_ids/1',
    '/actions/1/categories/1', '/actions/1/categories/2']);
  assert.match(p.errors[0].detail, /404/);
  assert.equal(await count("SELECT count(*) FROM campaigns WHERE code = 'ghosts'"), 0);
});

test('a write that fails half-way leaves the campaign as it was', async () => {
  const before = (await put('atomic', { name: '原样', starts_on: '2026-01-01', actions: [action('x'), action('y')] })).body;
  // A reference that breaks between the check and the write (a category deleted
  // meanwhile) is simulated with a trigger raising the foreign key's error.
  await psql(dbUrl, `
    CREATE FUNCTION test_broken_reference() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'insert or update on table "campaign_action_categories" violates foreign key constraint "action_category_exists"'
        USING ERRCODE = 'foreign_key_violation';
    END $$;
    CREATE TRIGGER test_broken_reference BEFORE INSERT ON campaign_action_categories
      FOR EACH ROW WHEN (NEW.category_code = '0601') EXECUTE FUNCTION test_broken_reference();`);
  try {
    const p = await assertProblem(await as.admin('PUT', '/v1/campaigns/atomic', {
      name: '改了', starts_on: '2026-02-01', actions: [action('z', { categories: ['event:0601'] })],
    }), 422, 'unprocessable');
    assert.match(p.detail, /category/);
  } finally {
    await psql(dbUrl, 'DROP TRIGGER test_broken_reference ON campaign_action_categories; DROP FUNCTION test_broken_reference()');
  }
  assert.deepEqual((await get('atomic')).body, before);
});

test('only admins write campaigns', async () => {
  for (const role of ['dispatcher', 'supervisor', 'unit_staff', 'grid_worker']) {
    await assertProblem(await as[role]('PUT', '/v1/campaigns/wmcj-2026', { name: '篡改', starts_on: '2026-01-01', actions: [] }), 403, 'forbidden');
  }
  assert.equal((await get('wmcj-2026')).body.actions.length, 9);
});
