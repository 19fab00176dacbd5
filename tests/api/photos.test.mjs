// Photo evidence: uploads with EXIF checks, every refusal, storage by
// content, scoped downloads without metadata, and durability across kill -9.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { createDatabase, migrate, startGridd, psql, testPhotoDir } from './lib/harness.mjs';
import { assertProblem, assertMatchesContract } from './lib/contract.mjs';
import { login } from './lib/session.mjs';
import { makeJpeg, makePng, pngBomb } from './lib/images.mjs';

const PASSWORD = 'demo-city-tests-2026';
let g, dbUrl;
const token = {};
const CENTRE = [116.4006, 39.91045];   // cell 110101001001001 (worker1's)

before(async () => {
  dbUrl = await createDatabase('photos');
  await migrate(dbUrl);
  execFileSync(process.env.GRIDD_BIN, ['demo'], { env: { ...process.env, GRIDD_DB_URL: dbUrl, GRIDD_DEMO_PASSWORD: PASSWORD } });
  g = await startGridd({ dbUrl, env: { GRIDD_PHOTO_MAX_BYTES: 262144 } });
  for (const who of ['worker1', 'worker2', 'dispatcher1', 'unit1', 'supervisor1'])
    token[who] = (await login(g.base, who, PASSWORD)).access_token;
});
after(async () => { await g?.stop(); });

const auth = (who) => ({ authorization: `Bearer ${token[who]}` });
const sha256 = (b) => createHash('sha256').update(b).digest('hex');
const minutesAgo = (m) => new Date(Date.now() - m * 60_000);

async function newReport(who = 'worker1', description = '垃圾堆放') {
  const res = await fetch(`${g.base}/v1/reports`, {
    method: 'POST',
    headers: { ...auth(who), 'content-type': 'application/json' },
    body: JSON.stringify({ category: 'event:0102', location: { type: 'Point', coordinates: CENTRE },
      description, observed_at: minutesAgo(1).toISOString() }),
  });
  assert.equal(res.status, 201, await res.clone().text());
  return res.json();
}
const upload = (reportId, bytes, type = 'image/jpeg', who = 'worker1', query = '?kind=before') =>
  fetch(`${g.base}/v1/reports/${reportId}/photos${query}`, {
    method: 'POST', headers: { ...auth(who), ...(type ? { 'content-type': type } : {}) }, body: bytes,
  });
const download = (sha, size, who = 'worker1', headers = {}) =>
  fetch(`${g.base}/v1/photos/${sha}${size ? `?size=${size}` : ''}`, { headers: { ...auth(who), ...headers } });
const hasExif = (buf) => buf.includes(Buffer.from('Exif\0\0', 'binary'));

test('a JPEG taken on the spot: 201, stored by content, no flags; thumbnails without EXIF', async () => {
  const report = await newReport();
  const takenAt = minutesAgo(3);
  const photo = makeJpeg({ width: 640, height: 480, exif: { lon: 116.40065, lat: 39.91048, takenAt } });
  assert.ok(hasExif(photo));
  const res = await upload(report.id, photo);
  const text = await res.text();
  await assertMatchesContract('POST', '/v1/reports/{id}/photos', res, text);
  assert.equal(res.status, 201, text);
  const p = JSON.parse(text);
  assert.equal(p.sha256, sha256(photo));
  assert.equal(p.mime, 'image/jpeg');
  assert.equal(p.bytes, photo.length);
  assert.deepEqual([p.width, p.height], [640, 480]);
  assert.deepEqual(p.flags, []);
  assert.ok(Math.abs(p.exif.location.coordinates[0] - 116.40065) < 1e-4);
  // EXIF times carry no offset: they are read as the city's local time (+08:00).
  assert.match(p.exif.taken_at, /\+08:00$/);
  assert.ok(Math.abs(Date.parse(p.exif.taken_at) - takenAt.getTime()) < 2000, p.exif.taken_at);
  // On disk: <dir>/ab/cd/<sha>, the original bytes.
  const file = join(testPhotoDir(), p.sha256.slice(0, 2), p.sha256.slice(2, 4), p.sha256);
  assert.ok(existsSync(file));
  // Served: re-encoded JPEGs without EXIF, immutable, scoped.
  for (const [size, longest] of [['thumb', 320], ['large', 640], ['original', 640]]) {
    const d = await download(p.sha256, size);
    assert.equal(d.status, 200, size);
    assert.equal(d.headers.get('content-type'), 'image/jpeg');
    assert.match(d.headers.get('cache-control'), /immutable/);
    const body = Buffer.from(await d.arrayBuffer());
    assert.ok(!hasExif(body), `${size} carries no EXIF`);
    const img = jpeg.decode(body);
    assert.equal(Math.max(img.width, img.height), longest, size);
    const etag = d.headers.get('etag');
    const again = await download(p.sha256, size, 'worker1', { 'if-none-match': etag });
    assert.equal(again.status, 304);
  }
  // The report lists it, and its case's audit chain grew by one event.
  const r = await (await fetch(`${g.base}/v1/reports/${report.id}`, { headers: auth('worker1') })).json();
  assert.deepEqual(r.photos, [{ sha256: p.sha256, kind: 'before', flags: [] }]);
  const chain = (await psql(dbUrl, `SELECT string_agg(kind, ',' ORDER BY seq) || '|' || bool_and(hash = case_event_hash(prev_hash, case_id, seq, kind, actor_id, at, data))::text
    FROM case_events WHERE case_id = ${report.case_id}`)).trim();
  assert.equal(chain, 'reported,photo_added|true');
});

test('flags: no EXIF, taken far away, taken long before', async () => {
  const report = await newReport();
  const flagsOf = async (bytes) => {
    const res = await upload(report.id, bytes);
    assert.equal(res.status, 201);
    return (await res.json()).flags;
  };
  assert.deepEqual(await flagsOf(makeJpeg({ seed: 3 })), ['no_exif']);
  // About 1.1 km north of the report.
  assert.deepEqual(await flagsOf(makeJpeg({ seed: 4, exif: { lon: 116.4006, lat: 39.9204, takenAt: minutesAgo(2) } })), ['far_from_report']);
  assert.deepEqual(await flagsOf(makeJpeg({ seed: 5, exif: { lon: 116.4006, lat: 39.91045, takenAt: minutesAgo(3 * 24 * 60) } })), ['taken_long_before']);
});

test('PNG is taken; the same photo twice is stored and attached once', async () => {
  const report = await newReport();
  const png = makePng();
  const a = await upload(report.id, png, 'image/png');
  assert.equal(a.status, 201);
  const first = await a.json();
  assert.equal(first.mime, 'image/png');
  const b = await upload(report.id, png, 'image/png');
  assert.equal(b.status, 200);
  assert.deepEqual(await b.json(), first);
  assert.equal((await psql(dbUrl, `SELECT count(*) FROM case_photos WHERE sha256 = '${first.sha256}'`)).trim(), '1');
  const dir = join(testPhotoDir(), first.sha256.slice(0, 2), first.sha256.slice(2, 4));
  assert.equal(readdirSync(dir).filter((f) => f.startsWith(first.sha256) && !f.includes('.')).length, 1);
  assert.ok(!readdirSync(dir).some((f) => f.includes('tmp')), 'no temporary files left');
});

test('refusals: wrong or missing type 415, broken images and bombs 422, too big 413, too many 409', async () => {
  const report = await newReport();
  await assertProblem(await upload(report.id, Buffer.from('just some text, not a picture')), 415);
  await assertProblem(await upload(report.id, makePng(), 'image/jpeg'), 415);
  await assertProblem(await upload(report.id, makeJpeg(), null), 415);
  await assertProblem(await upload(report.id, makeJpeg(), 'application/pdf'), 415);
  const jpg = makeJpeg({ width: 320, height: 240, seed: 9 });
  await assertProblem(await upload(report.id, jpg.subarray(0, jpg.length >> 1)), 422);
  const bomb = await assertProblem(await upload(report.id, pngBomb(20000), 'image/png'), 422);
  assert.match(bomb.detail, /pixel/i);
  await assertProblem(await upload(report.id, Buffer.alloc(300 * 1024, 0xff)), 413);
  await assertProblem(await upload(report.id, Buffer.alloc(0)), 422);
  await assertProblem(await upload(report.id, makeJpeg(), 'image/jpeg', 'worker1', '?kind=after'), 400);
  assert.equal((await psql(dbUrl, `SELECT count(*) FROM case_photos WHERE report_id = '${report.id}'`)).trim(), '0');
  for (let i = 0; i < 6; i++) assert.equal((await upload(report.id, makeJpeg({ seed: 20 + i }))).status, 201);
  await assertProblem(await upload(report.id, makeJpeg({ seed: 30 })), 409, 'conflict');
  // The sixth photo sent again (its answer was lost): the same 200, not "full".
  const again = await upload(report.id, makeJpeg({ seed: 25 }));
  assert.equal(again.status, 200, await again.clone().text());
});

test('scope: only the reporter attaches; only who may see the report downloads', async () => {
  const report = await newReport();
  const p = await (await upload(report.id, makeJpeg({ seed: 40 }))).json();
  await assertProblem(await upload(report.id, makeJpeg({ seed: 41 }), 'image/jpeg', 'worker2'), 404);
  await assertProblem(await upload(report.id, makeJpeg({ seed: 41 }), 'image/jpeg', 'unit1'), 403);
  assert.equal((await download(p.sha256, 'thumb', 'dispatcher1')).status, 200);
  assert.equal((await download(p.sha256, 'thumb', 'supervisor1')).status, 200);
  await assertProblem(await download(p.sha256, 'thumb', 'worker2'), 404);
  await assertProblem(await download(p.sha256, 'thumb', 'unit1'), 404);
  await assertProblem(await download('0'.repeat(64), 'thumb'), 404);
  await assertProblem(await download('not-a-sha', 'thumb'), 404);
  await assertProblem(await download(p.sha256, 'huge'), 400);
});

test('kill -9 right after a 201: the file and the row are both there after a restart', async () => {
  const report = await newReport();
  const photo = makeJpeg({ width: 800, height: 600, seed: 50, exif: { lon: 116.4006, lat: 39.91045, takenAt: minutesAgo(1) } });
  const res = await upload(report.id, photo);
  assert.equal(res.status, 201);
  const p = await res.json();
  g.kill();
  g = await startGridd({ dbUrl, env: { GRIDD_PHOTO_MAX_BYTES: 262144 } });
  token.worker1 = (await login(g.base, 'worker1', PASSWORD)).access_token;
  assert.equal((await psql(dbUrl, `SELECT count(*) FROM case_photos WHERE sha256 = '${p.sha256}'`)).trim(), '1');
  const d = await download(p.sha256, 'original');
  assert.equal(d.status, 200);
  assert.ok(existsSync(join(testPhotoDir(), p.sha256.slice(0, 2), p.sha256.slice(2, 4), p.sha256)));
});
