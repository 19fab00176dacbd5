// Grid cells of the demo city: locating points in every coordinate system.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createDatabase, migrate, startGridd, psql } from './lib/harness.mjs';
import { assertProblem, assertMatchesContract } from './lib/contract.mjs';
import { login, client } from './lib/session.mjs';
import { wgs84ToGcj02, gcj02ToBd09 } from './lib/coords.mjs';

const PASSWORD = 'demo-city-tests-2026';
let g, api, dbUrl;

before(async () => {
  dbUrl = await createDatabase('cells');
  await migrate(dbUrl);
  execFileSync(process.env.GRIDD_BIN, ['demo'], { env: { ...process.env, GRIDD_DB_URL: dbUrl, GRIDD_DEMO_PASSWORD: PASSWORD } });
  g = await startGridd({ dbUrl });
  api = client(g.base, (await login(g.base, 'worker1', PASSWORD)).access_token);
});
after(async () => { await g?.stop(); });

const locate = (q) => api('GET', `/v1/cells/locate?${new URLSearchParams(q)}`);
// Centre of demo cell 110101001001001 (the south-west corner cell).
const CENTRE = [116.4006, 39.91045];

test('the demo city has 24 cells that tile without gaps or overlaps', async () => {
  const [count, overlaps, tiled] = (await psql(dbUrl,
    `SELECT count(*), (SELECT count(*) FROM grid_cells a JOIN grid_cells b ON a.code < b.code AND ST_Overlaps(a.geom, b.geom)),
            ST_Equals(ST_Union(geom), ST_Envelope(ST_Union(geom)))
     FROM grid_cells`)).trim().split('|');
  assert.deepEqual([count, overlaps, tiled], ['24', '0', 't']);
});

test('a WGS-84 point inside a cell finds it, with community, street and workers', async () => {
  const res = await locate({ lon: CENTRE[0], lat: CENTRE[1] });
  const text = await res.text();
  await assertMatchesContract('GET', '/v1/cells/locate', res, text);
  const cell = JSON.parse(text);
  assert.equal(cell.code, '110101001001001');
  assert.equal(cell.community.name, '韶九社区');
  assert.equal(cell.street.code, '110101001');
  assert.deepEqual(cell.workers.map((w) => w.login), ['worker1']);
  assert.deepEqual(cell.location, { type: 'Point', coordinates: CENTRE });
});

test('GCJ-02 and BD-09 points are converted before the lookup', async () => {
  const gcj = wgs84ToGcj02(CENTRE);
  const bd = gcj02ToBd09(gcj);
  for (const [crs, p] of [['gcj02', gcj], ['bd09', bd]]) {
    const cell = await (await locate({ lon: p[0], lat: p[1], crs })).json();
    assert.equal(cell.code, '110101001001001', crs);
    assert.equal(cell.crs, crs);
    const [lon, lat] = cell.location.coordinates;
    assert.ok(Math.abs(lon - CENTRE[0]) < 1e-7 && Math.abs(lat - CENTRE[1]) < 1e-7, `${crs} round trip: ${lon},${lat}`);
  }
  // The same numbers read as WGS-84 land hundreds of metres away, in another cell.
  const wrong = await (await locate({ lon: gcj[0], lat: gcj[1] })).json();
  assert.notEqual(wrong.code, '110101001001001');
});

test('a point on a shared border belongs to the lowest code', async () => {
  const border = await (await locate({ lon: 116.4012, lat: 39.91045 })).json();
  assert.equal(border.code, '110101001001001');
  const east = await (await locate({ lon: 116.40121, lat: 39.91045 })).json();
  assert.equal(east.code, '110101001001002');
});

test('outside every cell is 404; malformed or out-of-range numbers are 400', async () => {
  await assertProblem(await locate({ lon: 121.47, lat: 31.23 }), 404, 'not-found');
  const bad = await assertProblem(await locate({ lon: 'east', lat: 91, crs: 'utm' }), 400, 'validation');
  assert.deepEqual(bad.errors.map((e) => e.pointer), ['/query/lon', '/query/lat', '/query/crs']);
  await assertProblem(await locate({ lat: 39.9 }), 400, 'validation');
  await assertProblem(await locate({ lon: 'NaN', lat: 'Infinity' }), 400, 'validation');
});

test('a cell by code has its geometry; unknown codes are 404', async () => {
  const res = await api('GET', '/v1/cells/110101002002006');
  const text = await res.text();
  await assertMatchesContract('GET', '/v1/cells/{code}', res, text);
  const cell = JSON.parse(text);
  assert.equal(cell.name, '三眼井社区第6网格');
  assert.equal(cell.geometry.type, 'MultiPolygon');
  assert.deepEqual(cell.geometry.coordinates[0][0][0], [116.406, 39.9127]);
  await assertProblem(await api('GET', '/v1/cells/110101009009009'), 404, 'not-found');
  await assertProblem(await api('GET', '/v1/cells/not-a-code'), 404, 'not-found');
});

test('cells need a session', async () => {
  await assertProblem(await client(g.base, null)('GET', '/v1/cells/110101001001001'), 401, 'unauthorized');
});
