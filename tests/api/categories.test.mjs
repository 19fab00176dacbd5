// The category taxonomy and routing resolution with overlapping rules.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createDatabase, migrate, startGridd, psql } from './lib/harness.mjs';
import { assertProblem, assertMatchesContract } from './lib/contract.mjs';
import { login, client } from './lib/session.mjs';

const PASSWORD = 'demo-city-tests-2026';
let g, api, dbUrl;

before(async () => {
  dbUrl = await createDatabase('categories');
  await migrate(dbUrl);
  execFileSync(process.env.GRIDD_BIN, ['demo'], { env: { ...process.env, GRIDD_DB_URL: dbUrl, GRIDD_DEMO_PASSWORD: PASSWORD } });
  g = await startGridd({ dbUrl });
  api = client(g.base, (await login(g.base, 'dispatcher1', PASSWORD)).access_token);
});
after(async () => { await g?.stop(); });

test('the taxonomy is a tree with the campaign items and their time limits', async () => {
  const res = await api('GET', '/v1/categories');
  const text = await res.text();
  await assertMatchesContract('GET', '/v1/categories', res, text);
  const { categories } = JSON.parse(text);
  const majors = (kind) => categories.filter((c) => c.kind === kind).map((c) => c.name);
  assert.deepEqual(majors('event'), ['市容环境', '宣传广告', '施工管理', '突发事件', '街面秩序', '其他事件']);
  assert.deepEqual(majors('component'), ['公用设施', '道路交通', '市容环境', '园林绿化', '其他设施']);
  const all = Object.fromEntries(categories.flatMap((m) => m.children).map((c) => [c.name, c]));
  for (const six of ['乱搭乱建', '乱堆乱放', '乱设摊点', '乱拉乱挂', '乱贴乱写乱画', '乱扔乱吐']) assert.ok(all[six], six);
  assert.deepEqual(all['暴露垃圾'].limit, { value: 4, unit: 'working_hours' });
  assert.deepEqual(all['道路不洁'].limit, { value: 2, unit: 'working_hours' });
  assert.deepEqual(all['绿地脏乱'].limit, { value: 5, unit: 'working_days' });
  assert.equal(all['井盖缺失'].urgent_by_default, true);
  assert.equal(all['井盖缺失'].id, 'component:0104');
});

const resolve = async (category, cell) => api('GET', `/v1/routing/resolve?category=${category}&cell=${cell}`);
const unitOf = async (category, cell) => (await (await resolve(category, cell)).json()).unit.id;

test('without a rule the category default unit is chosen', async () => {
  const res = await resolve('event:0102', '110101001001001');
  const text = await res.text();
  await assertMatchesContract('GET', '/v1/routing/resolve', res, text);
  const body = JSON.parse(text);
  assert.equal(body.source, 'category_default');
  assert.equal(body.rule, null);
  assert.equal(body.unit.name, '东城区环卫中心');
});

test('overlapping rules: cell beats community beats street beats district; minor beats major; then priority, then age', async () => {
  const cell = '110101001002002'; // 多福巷社区, 东华门街道
  const rule = (code, target, unit, priority = 0) => psql(dbUrl,
    `INSERT INTO routing_rules (category_kind, category_code, area_code, cell_code, unit_id, priority)
     VALUES ('event', '${code}', ${target.length === 15 ? 'NULL' : `'${target}'`}, ${target.length === 15 ? `'${target}'` : 'NULL'}, ${unit}, ${priority})`);
  assert.equal(await unitOf('event:0107', cell), 2);           // default: 城管执法队
  await rule('01', '110101', 4);                                 // district, major
  assert.equal(await unitOf('event:0107', cell), 4);
  await rule('0107', '110101', 5);                               // district, minor beats major
  assert.equal(await unitOf('event:0107', cell), 5);
  await rule('01', '110101001', 6);                              // street, major beats district minor
  assert.equal(await unitOf('event:0107', cell), 6);
  await rule('01', '110101001002', 7);                           // community
  assert.equal(await unitOf('event:0107', cell), 7);
  await rule('01', cell, 8);                                     // cell
  assert.equal(await unitOf('event:0107', cell), 8);
  await rule('01', cell, 9, 5);                                  // same place and category, higher priority
  assert.equal(await unitOf('event:0107', cell), 9);
  await rule('01', cell, 10, 5);                                 // a tie: the older rule stays
  assert.equal(await unitOf('event:0107', cell), 9);
  const chosen = await (await resolve('event:0107', cell)).json();
  assert.equal(chosen.source, 'rule');
  assert.equal(chosen.rule.target, cell);
  // In another street only the district rules apply: the minor one wins.
  assert.equal(await unitOf('event:0107', '110101002001001'), 5);
});

test('unknown categories or cells are 404, malformed ones 400', async () => {
  await assertProblem(await resolve('event:0999', '110101001001001'), 404, 'not-found');
  await assertProblem(await resolve('event:0102', '110101009009009'), 404, 'not-found');
  const bad = await assertProblem(await resolve('event:01', 'x'), 400, 'validation');
  assert.deepEqual(bad.errors.map((e) => e.pointer), ['/query/category', '/query/cell']);
  await assertProblem(await resolve('weather:0102', '110101001001001'), 400, 'validation');
});

test('the demo comes with cases in every part of the workflow, their audit chains whole', async () => {
  const page = await (await api('GET', '/v1/cases?limit=200')).json();
  const states = new Set(page.items.map((c) => c.state));
  for (const s of ['reported', 'registered', 'dispatched', 'in_progress', 'resolved', 'closed', 'rejected'])
    assert.ok(states.has(s), `a demo case is ${s}`);
  const r = execFileSync(process.env.GRIDD_BIN, ['audit-verify'], { env: { ...process.env, GRIDD_DB_URL: dbUrl }, encoding: 'utf8' });
  assert.match(r, /every chain verifies/);
});
