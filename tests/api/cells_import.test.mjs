// Grid cells in and out as GeoJSON: export with filters, import all or
// nothing with every check, over the API and with `gridd import-cells`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase, migrate, startGridd, psql } from './lib/harness.mjs';
import { assertProblem, assertMatchesContract } from './lib/contract.mjs';
import { login, client } from './lib/session.mjs';

const PASSWORD = 'demo-city-tests-2026';
let g, admin, worker, dbUrl;

before(async () => {
  dbUrl = await createDatabase('cellsio');
  await migrate(dbUrl);
  execFileSync(process.env.GRIDD_BIN, ['demo'], { env: { ...process.env, GRIDD_DB_URL: dbUrl, GRIDD_DEMO_PASSWORD: PASSWORD } });
  g = await startGridd({ dbUrl });
  admin = client(g.base, (await login(g.base, 'admin', PASSWORD)).access_token);
  worker = client(g.base, (await login(g.base, 'worker1', PASSWORD)).access_token);
});
after(async () => { await g?.stop(); });

// A rectangle as a Polygon's coordinates, closed, counter-clockwise.
const rect = (w, s, e, n) => [[[w, s], [e, s], [e, n], [w, n], [w, s]]];
const feature = (code, name, coordinates, extra = {}) => ({
  type: 'Feature',
  geometry: { type: 'Polygon', coordinates },
  properties: { code, name, ...extra },
});
const collection = (...features) => ({ type: 'FeatureCollection', features });
// East of the demo grid (which ends at 116.4072 E): a new street and community.
const EAST = { district_name: '东城区', street_name: '东四街道', community_name: '东四北社区' };
const east = (seq, row) => feature(`110101003001${seq}`, `东四北社区第${Number(seq)}网格`,
  rect(116.4072, 39.9100 + row * 0.0009, 116.4084, 39.9109 + row * 0.0009), EAST);

const cellCount = async () => Number((await psql(dbUrl, 'SELECT count(*) FROM grid_cells')).trim());
const importCells = (doc) => admin('POST', '/v1/cells/import', doc);

// Sends a bad file; checks nothing was written and returns the errors.
async function refused(doc) {
  const before = await cellCount();
  const res = await importCells(doc);
  const body = await assertProblem(res, 400, 'validation');
  assert.match(body.detail, /nothing was imported/);
  assert.equal(await cellCount(), before, 'a refused file writes nothing');
  return body.errors;
}

test('GET /v1/cells exports the demo city as a FeatureCollection', async () => {
  const res = await worker('GET', '/v1/cells');
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^application\/geo\+json/);
  const text = await res.text();
  await assertMatchesContract('GET', '/v1/cells', res, text);
  const fc = JSON.parse(text);
  assert.equal(fc.type, 'FeatureCollection');
  assert.equal(fc.features.length, 24);
  const first = fc.features[0];
  assert.equal(first.id, '110101001001001');
  assert.equal(first.geometry.type, 'MultiPolygon');
  assert.equal(first.properties.community_name, '韶九社区');
  assert.equal(first.properties.street_code, '110101001');
  assert.deepEqual(first.properties.workers, ['worker1']);
});

test('GET /v1/cells filters by area and by bbox', async () => {
  const codes = async (q) => (await (await worker('GET', `/v1/cells?${q}`)).json()).features.map((f) => f.id);
  const street = await codes('area=110101001');
  assert.equal(street.length, 12);
  assert.ok(street.every((c) => c.startsWith('110101001')));
  assert.equal((await codes('area=110101002002')).length, 6);
  assert.deepEqual(await codes('area=110101009'), []);
  // A box strictly inside the south-west cell, then one over four cells' corner.
  assert.deepEqual(await codes('bbox=116.4002,39.9102,116.4004,39.9104'), ['110101001001001']);
  assert.equal((await codes('bbox=116.4011,39.9108,116.4013,39.9110')).length, 4);
  assert.deepEqual(await codes('area=110101002&bbox=116.4002,39.9102,116.4004,39.9104'), []);
  for (const q of ['area=11010100', 'area=abc', 'bbox=1,2,3', 'bbox=116.5,39,116.4,40', 'bbox=1,2,3,x', 'bbox=-181,0,0,1']) {
    const body = await assertProblem(await worker('GET', `/v1/cells?${q}`), 400, 'validation');
    assert.ok(body.errors[0].pointer.startsWith('/query/'), q);
  }
});

test('an exported file imports back unchanged', async () => {
  const fc = await (await admin('GET', '/v1/cells?area=110101001001')).json();
  const res = await importCells(fc);
  const text = await res.text();
  await assertMatchesContract('POST', '/v1/cells/import', res, text);
  assert.equal(res.status, 200, text);
  assert.deepEqual(JSON.parse(text), { created: 0, updated: 6 });
  const again = await (await admin('GET', '/v1/cells?area=110101001001')).json();
  assert.deepEqual(again, fc);
});

test('a good file creates cells and the areas it names; locate finds them', async () => {
  const before = await cellCount();
  const res = await importCells(collection(east('001', 0), east('002', 1)));
  assert.equal(res.status, 200, await res.clone().text());
  assert.deepEqual(await res.json(), { created: 2, updated: 0 });
  assert.equal(await cellCount(), before + 2);
  const located = await (await worker('GET', '/v1/cells/locate?lon=116.4078&lat=39.9113')).json();
  assert.equal(located.code, '110101003001002');
  assert.equal(located.street.name, '东四街道');
  assert.equal(located.community.name, '东四北社区');
  // Replacing one of them: new name, same code; the area keeps its name.
  const renamed = east('001', 0);
  renamed.properties = { code: '110101003001001', name: '东四北一号网格', population: 812 };
  const res2 = await importCells(collection(renamed));
  assert.deepEqual(await res2.json(), { created: 0, updated: 1 });
  const cell = await (await worker('GET', '/v1/cells/110101003001001')).json();
  assert.equal(cell.name, '东四北一号网格');
  assert.equal(cell.population, 812);
  assert.equal(cell.community.name, '东四北社区');
});

test('an overlap within the tolerance (1 m²) is a drawing slip, not a problem', async () => {
  // 0.00000005° of longitude is about 4 mm: a 100 m shared edge overlaps by ~0.4 m².
  const slip = feature('110101003001003', '东四北社区第3网格', rect(116.4072 - 0.00000005, 39.9118, 116.4084, 39.9127), EAST);
  const res = await importCells(collection(slip));
  assert.equal(res.status, 200, await res.clone().text());
});

test('every problem of a bad file is listed by feature index, and nothing is written', async () => {
  const bowtie = feature('110101003001010', '坏网格', [[[116.41, 39.92], [116.411, 39.921], [116.411, 39.92], [116.41, 39.921], [116.41, 39.92]]], EAST);
  const good = east('011', 5);
  const errors = await refused(collection(
    good,                                                                    // 0: fine alone
    bowtie,                                                                  // 1: self-intersection
    feature('110101003001012', '越界', rect(181, 39, 182, 40), EAST),        // 2: longitude
    { type: 'Feature', id: 'x1', geometry: { type: 'Polygon', coordinates: rect(116.42, 39.92, 116.421, 39.921) }, properties: { name: 'id' } }, // 3: code from id
    feature('1101010030010AB', '字母', rect(116.43, 39.92, 116.431, 39.921)), // 4: not digits
    feature('110101003001011', '重复', rect(116.44, 39.92, 116.441, 39.921), EAST), // 5: duplicate of 0
    feature('110101003001013', '压盖', rect(116.4078, 39.9145, 116.409, 39.9155), EAST), // 6: overlaps 0
    feature('110101003001014', '压住旧网格', rect(116.4060, 39.9100, 116.4070, 39.9105), EAST), // 7: overlaps stored
    feature('110101004001001', '无名社区', rect(116.45, 39.92, 116.451, 39.921)), // 8: unknown street and community
    { type: 'Feature', geometry: { type: 'Point', coordinates: [116.4, 39.9] }, properties: { code: '110101003001015', name: '点' } }, // 9
    feature('110101003001016', '未闭合', [[[116.46, 39.92], [116.461, 39.92], [116.461, 39.921], [116.46, 39.921]]]), // 10
    feature('110101003001017', '', rect(116.47, 39.92, 116.471, 39.921)),   // 11: empty name
    { type: 'Feature', geometry: { type: 'Polygon', coordinates: rect(116.48, 39.92, 116.481, 39.921) }, properties: { code: '110101003001018', name: '人口', population: -3 } }, // 12
    feature('110101003001019', '别名', rect(116.49, 39.92, 116.491, 39.921), { ...EAST, community_name: '另一个名字' }), // 13
  ));
  const at = (i) => errors.filter((e) => e.feature === i).map((e) => `${e.pointer} ${e.detail}`).join('\n');
  for (const e of errors) assert.ok(e.pointer.startsWith(`/features/${e.feature}/`), e.pointer);
  assert.equal(at(0), '');
  // The shape checks run first: a file with shape problems is not sent to PostGIS.
  assert.match(at(2), /\/features\/2\/geometry\/coordinates\/0\/0 longitude out of range/);
  assert.match(at(3), /^\/features\/3\/id a grid cell code/);
  assert.match(at(4), /\/properties\/code .*digits/);
  assert.match(at(5), /code 110101003001011 is also used by feature 0/);
  assert.match(at(9), /geometry type Point/);
  assert.match(at(10), /a linear ring is closed/);
  assert.match(at(11), /\/properties\/name/);
  assert.match(at(12), /\/properties\/population/);
  assert.equal(at(1), '', 'geometry validity is checked by PostGIS, after the shape checks pass');
});

test('PostGIS checks: validity with its reason, overlaps, unknown and inconsistent areas', async () => {
  const bowtie = feature('110101003001010', '坏网格', [[[116.41, 39.92], [116.411, 39.921], [116.411, 39.92], [116.41, 39.921], [116.41, 39.92]]], EAST);
  const errors = await refused(collection(
    east('011', 5),                                                                   // 0
    bowtie,                                                                           // 1
    feature('110101003001013', '压盖', rect(116.4078, 39.9145, 116.409, 39.9155), EAST), // 2: overlaps 0
    feature('110101003001014', '压住旧网格', rect(116.4060, 39.9100, 116.4070, 39.9105), EAST), // 3
    feature('110101004001001', '无名社区', rect(116.45, 39.92, 116.451, 39.921)),       // 4
    feature('110101003001019', '别名', rect(116.49, 39.92, 116.491, 39.921), { ...EAST, community_name: '另一个名字' }), // 5
  ));
  const at = (i) => errors.filter((e) => e.feature === i).map((e) => `${e.pointer} ${e.detail}`).join('\n');
  assert.equal(at(0), '');
  assert.match(at(1), /\/features\/1\/geometry invalid geometry: Self-intersection/);
  assert.match(at(2), /overlaps feature 0 \(110101003001011\) by [0-9.]+ m²/);
  assert.match(at(3), /overlaps the stored cell 110101002001\d{3} \(.+\) by [0-9.]+ m²/);
  assert.match(at(4), /the street 110101004 is not known/);
  assert.match(at(4), /the community 110101004001 is not known/);
  assert.match(at(5), /community 110101003001 is named 东四北社区 by feature 0/);
  assert.equal(await (await worker('GET', '/v1/cells/110101003001011')).status, 404);
});

test('malformed documents are refused whole', async () => {
  const top = async (doc, pointer) => {
    const errs = await refused(doc);
    assert.equal(errs[0].pointer, pointer);
  };
  await top({ type: 'Feature' }, '/type');
  await top({ type: 'FeatureCollection', features: [] }, '/features');
  await top({ type: 'FeatureCollection', features: {} }, '/features');
  await top({ type: 'FeatureCollection', crs: { type: 'name', properties: { name: 'EPSG:3857' } }, features: [east('001', 0)] }, '/crs');
  const errs = await refused(collection({ type: 'Feature', geometry: null, properties: { code: '110101003001020', name: 'x' } }, 'not a feature'));
  assert.deepEqual(errs.map((e) => e.pointer), ['/features/0/geometry', '/features/1/type']);
});

test('only admins import', async () => {
  await assertProblem(await worker('POST', '/v1/cells/import', collection(east('001', 0))), 403, 'forbidden');
});

test('gridd import-cells: the same checks on the command line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gridd-cells-'));
  const good = join(dir, 'good.geojson');
  const bad = join(dir, 'bad.geojson');
  writeFileSync(good, JSON.stringify(collection(east('021', 7), east('022', 8))));
  writeFileSync(bad, JSON.stringify(collection(east('023', 9), feature('110101003001024', '压盖', rect(116.4078, 39.9181, 116.409, 39.9190), EAST))));
  const env = { ...process.env, GRIDD_DB_URL: dbUrl };
  const ok = spawnSync(process.env.GRIDD_BIN, ['import-cells', good], { env, encoding: 'utf8' });
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /2 created, 0 replaced/);
  const no = spawnSync(process.env.GRIDD_BIN, ['import-cells', bad], { env, encoding: 'utf8' });
  assert.equal(no.status, 1);
  assert.match(no.stderr, /feature 1 \/features\/1\/geometry: overlaps feature 0/);
  assert.match(no.stderr, /nothing was imported: 1 problem/);
  const fromStdin = spawnSync(process.env.GRIDD_BIN, ['import-cells', '-'], { env, encoding: 'utf8', input: '{"type":' });
  assert.equal(fromStdin.status, 2);
  assert.match(fromStdin.stderr, /not JSON/);
  const missing = spawnSync(process.env.GRIDD_BIN, ['import-cells', join(dir, 'none.geojson')], { env, encoding: 'utf8' });
  assert.equal(missing.status, 2);
});
