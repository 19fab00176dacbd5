// Grid cells of the demo city: locating points in every coordinate system.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createDatabase, migrate, startGridd, psql } from './lib/harness.mjs';
import { assertProblem, assertMatchesContract } from './lib/contract.mjs';
import { login, client } from './lib/session.mjs';

const PASSWORD = 'demo-city-tests-2026';
let g, api, dbUrl;

// The published forward transforms (the server implements their exact inverses).
const A = 6378245.0, EE = 0.00669342162296594323, XPI = Math.PI * 3000 / 180;
function wgs84ToGcj02([lon, lat]) {
  const x = lon - 105, y = lat - 35;
  let dLat = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
  dLat += (20 * Math.sin(6 * x * Math.PI) + 20 * Math.sin(2 * x * Math.PI)) * 2 / 3;
  dLat += (20 * Math.sin(y * Math.PI) + 40 * Math.sin(y / 3 * Math.PI)) * 2 / 3;
  dLat += (160 * Math.sin(y / 12 * Math.PI) + 320 * Math.sin(y * Math.PI / 30)) * 2 / 3;
  let dLon = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
  dLon += (20 * Math.sin(6 * x * Math.PI) + 20 * Math.sin(2 * x * Math.PI)) * 2 / 3;
  dLon += (20 * Math.sin(x * Math.PI) + 40 * Math.sin(x / 3 * Math.PI)) * 2 / 3;
  dLon += (150 * Math.sin(x / 12 * Math.PI) + 300 * Math.sin(x / 30 * Math.PI)) * 2 / 3;
  const radLat = lat / 180 * Math.PI;
  let magic = Math.sin(radLat);
  magic = 1 - EE * magic * magic;
  const sqrtMagic = Math.sqrt(magic);
  dLat = (dLat * 180) / ((A * (1 - EE)) / (magic * sqrtMagic) * Math.PI);
  dLon = (dLon * 180) / (A / sqrtMagic * Math.cos(radLat) * Math.PI);
  return [lon + dLon, lat + dLat];
}
function gcj02ToBd09([lon, lat]) {
  const z = Math.sqrt(lon * lon + lat * lat) + 0.00002 * Math.sin(lat * XPI);
  const t = Math.atan2(lat, lon) + 0.000003 * Math.cos(lon * XPI);
  return [z * Math.cos(t) + 0.0065, z * Math.sin(t) + 0.006];
}

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
