// The grid worker's PWA (/app/) in a real browser on a phone-sized screen:
// sign-in, the home map, a report filed offline that survives closing the
// app and arrives exactly once when the network is back (also when answers
// are lost on the way), the on-site check (pass and fail), and sign-in
// throttling. Screenshots of every main screen: test-results/screenshots/worker-*.png.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { devices } from 'playwright-core';
import { startStack, PASSWORD } from './lib/stack.mjs';
import { makeJpeg } from '../api/lib/images.mjs';

const CELL_1_1 = [116.4006, 39.91045];   // 110101001001001, worker1's (where s.phone() puts the GPS)
let s;
const token = {};

before(async () => {
  s = await startStack('worker');
  s.browser.on('disconnected', () => pageErrors.push('the browser went away'));
  for (const who of ['worker1', 'dispatcher1', 'unit1']) token[who] = (await apiLogin(who)).access_token;
});
afterEach(() => {
  const errors = pageErrors.splice(0);
  assert.deepEqual(errors, [], 'no uncaught exceptions in the app');
});
after(async () => { await s?.stop(); });

async function apiLogin(who, password = PASSWORD) {
  const res = await fetch(`${s.base}/v1/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: who, password }),
  });
  const body = await res.json();
  if (password === PASSWORD) assert.equal(res.status, 200, JSON.stringify(body));
  return body;
}

async function apiCall(who, method, path, body, headers = {}) {
  const raw = body instanceof Buffer;
  const res = await fetch(`${s.base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token[who]}`, ...(body !== undefined ? { 'content-type': raw ? 'image/jpeg' : 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : raw ? body : JSON.stringify(body),
  });
  const text = await res.text();
  assert.ok(res.status >= 200 && res.status < 300, `${who} ${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

const count = async (sql) => Number(await s.sql(sql));
const q = (text) => text.replaceAll("'", "''");

/**
 * A full-page screenshot with the sticky top bar and bottom navigation where
 * a phone shows them: the viewport is stretched to the page for the shot.
 */
async function shot(page, name) {
  const viewport = page.viewportSize();
  await page.evaluate(() => window.scrollTo(0, 0));
  const height = await page.evaluate(() => Math.ceil(document.documentElement.scrollHeight));
  if (height > viewport.height) await page.setViewportSize({ width: viewport.width, height });
  await s.shot(page, name);
  await page.setViewportSize(viewport);
}

/** A resolved case in worker1's cell 110101001001001, with a before and an after photo. */
async function resolvedCase(description) {
  const r = await apiCall('worker1', 'POST', '/v1/reports', {
    category: 'event:0102', description, location: { type: 'Point', coordinates: CELL_1_1 },
    observed_at: new Date(Date.now() - 120_000).toISOString(),
  });
  const now = new Date();
  await apiCall('worker1', 'POST', `/v1/reports/${r.id}/photos?kind=before`,
    makeJpeg({ width: 480, height: 360, seed: 7, exif: { lon: CELL_1_1[0], lat: CELL_1_1[1], takenAt: now } }));
  await apiCall('dispatcher1', 'POST', `/v1/cases/${r.case_id}/verify`, {});
  await apiCall('dispatcher1', 'POST', `/v1/cases/${r.case_id}/dispatch`, { unit_id: 1, note: '请尽快处理' });
  await apiCall('unit1', 'POST', `/v1/cases/${r.case_id}/accept`, {});
  await apiCall('unit1', 'POST', `/v1/cases/${r.case_id}/photos?kind=after`,
    makeJpeg({ width: 480, height: 360, seed: 21, exif: { lon: CELL_1_1[0], lat: CELL_1_1[1], takenAt: now } }));
  const c = await apiCall('unit1', 'POST', `/v1/cases/${r.case_id}/resolve`, {});
  assert.equal(c.state, 'resolved');
  return r.case_id;
}

/** Uncaught exceptions of a page (each test asserts there were none). */
const pageErrors = [];
function watchErrors(page) {
  page.on('pageerror', (e) => pageErrors.push(`${page.url()}: ${e.message}`));
  return page;
}

/**
 * The accessible basics of the screen shown: every form control has a label,
 * every button-like target is at least 44 px tall, nothing is wider than the
 * 390 px phone.
 */
async function assertAccessible(page, screen) {
  const problems = await page.evaluate(() => {
    const out = [];
    const visible = (el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
    for (const el of document.querySelectorAll('input:not([type=hidden]), textarea, select')) {
      const named = el.labels?.length || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
      if (!named) out.push(`no label: ${el.outerHTML.slice(0, 80)}`);
    }
    for (const el of document.querySelectorAll('button, .btn, [role=button], .nav-item, a.item, .leaflet-marker-icon, .leaflet-control-zoom a')) {
      if (!visible(el)) continue;
      const r = el.getBoundingClientRect();
      if (r.height < 44 || r.width < 44) out.push(`target ${Math.round(r.width)}x${Math.round(r.height)}: ${el.outerHTML.slice(0, 80)}`);
    }
    if (document.documentElement.scrollWidth > window.innerWidth + 1) out.push(`wider than the screen: ${document.documentElement.scrollWidth}px`);
    return out;
  });
  assert.deepEqual(problems, [], `${screen}: accessibility basics`);
}

/** Signs in through the login screen; resolves when the home screen shows the cells. */
async function signIn(page, who = 'worker1') {
  await page.goto('/app/');
  await page.locator('#login').waitFor();
  await page.fill('#login', who);
  await page.fill('#password', PASSWORD);
  await page.getByRole('button', { name: '登录' }).click();
  await page.locator('[data-screen=home]').waitFor();
  // The cells are drawn (Leaflet SVG paths) from GET /v1/cells.
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=home-map] path.leaflet-interactive').length >= 3);
}

/** The page is controlled by the app's service worker (the shell is precached). */
async function serviceWorkerReady(page) {
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
}

/** A phone without a service worker, for request interception (routes do not see a worker's requests). */
async function phoneWithoutWorker() {
  const context = await s.browser.newContext({
    ...devices['Pixel 5'], baseURL: s.base, locale: 'zh-CN', timezoneId: 'Asia/Shanghai',
    geolocation: { longitude: CELL_1_1[0], latitude: CELL_1_1[1], accuracy: 8 }, permissions: ['geolocation'],
    serviceWorkers: 'block',
  });
  return { context, page: watchErrors(await context.newPage()) };
}

async function fillReport(page, { description, photo }) {
  await page.locator('[data-screen=new-report]').waitFor();
  await page.fill('#category-search', 'bllj');   // 暴露垃圾 by its pinyin initials
  await page.locator('label.category', { hasText: '暴露垃圾' }).click();
  await page.locator('[data-testid=category-chosen]', { hasText: '暴露垃圾' }).waitFor();
  await page.setInputFiles('#photo-input', { name: 'scene.jpg', mimeType: 'image/jpeg', buffer: photo });
  await page.locator('[data-testid=photos] li').first().waitFor();
  await page.locator('[data-testid=gps-status]', { hasText: 'GPS 精度 ±8 米' }).waitFor();
  await page.locator('[data-testid=pin-cell]', { hasText: '110101001001001' }).waitFor();
  await page.fill('#description', description);
}

test('worker1 files a report offline; it survives closing the app and arrives exactly once', async () => {
  const page = watchErrors(await s.phone());
  const context = page.context();
  await page.goto('/app/');
  await page.locator('#login').waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-CN');
  await assertAccessible(page, 'login');
  await shot(page, 'worker-login');

  // A wrong password: the server's refusal in clear words.
  await page.fill('#login', 'worker1');
  await page.fill('#password', 'not-the-password');
  await page.getByRole('button', { name: '登录' }).click();
  await page.locator('[data-testid=login-error]', { hasText: '登录名或密码错误' }).waitFor();
  await page.fill('#password', PASSWORD);
  await page.getByRole('button', { name: '登录' }).click();
  await page.locator('[data-screen=home]').waitFor();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=home-map] path.leaflet-interactive').length >= 3);
  // No tiles from anywhere: the map is the cells only.
  assert.equal(await page.locator('.leaflet-tile').count(), 0);
  await page.locator('[data-testid=my-reports] li').first().waitFor();
  await serviceWorkerReady(page);
  await assertAccessible(page, 'home');
  await shot(page, 'worker-home');

  // Offline from here on: the categories and cells come from the phone's copy.
  await context.setOffline(true);
  await page.locator('[data-testid=offline-chip]').waitFor();
  await page.getByRole('link', { name: '上报', exact: true }).click();
  const description = `离线上报 浏览器测试 ${Date.now()}`;
  const takenAt = new Date(Date.now() - 120_000);
  const photo = makeJpeg({ width: 2400, height: 1800, seed: 5, exif: { lon: 116.40062, lat: 39.91046, takenAt } });
  await fillReport(page, { description, photo });
  // Downscaled on the phone to the 1600 px long edge; the original's EXIF is shown.
  await page.locator('[data-testid=photos] li', { hasText: '1600×1200' }).waitFor();
  await page.locator('[data-testid=exif-gps]', { hasText: '39.910460, 116.400620' }).waitFor();
  await page.locator('[data-testid=exif-time]').waitFor();
  await assertAccessible(page, 'new report');
  await shot(page, 'worker-new-report');
  await page.locator('[data-testid=save-report]').click();

  await page.locator('[data-screen=outbox]').waitFor();
  const item = page.locator('[data-testid=outbox-waiting] li.outbox-item', { hasText: description });
  await item.locator('[data-testid=outbox-state]', { hasText: '待发送' }).waitFor();
  const id = await item.getAttribute('data-report-id');
  assert.match(id, /^[0-9a-f-]{36}$/);
  await assertAccessible(page, 'outbox');
  await shot(page, 'worker-outbox-waiting');
  assert.equal(await count(`SELECT count(*) FROM reports WHERE description = '${q(description)}'`), 0);

  // The app is closed and opened again, still offline: the shell comes from
  // the service worker, the report from IndexedDB.
  await page.close();
  const again = watchErrors(await context.newPage());
  await again.goto('/app/#/outbox');
  const kept = again.locator(`[data-report-id="${id}"]`);
  await kept.locator('[data-testid=outbox-state]', { hasText: '待发送' }).waitFor();
  await again.locator('[data-testid=nav-outbox-count]', { hasText: '1' }).waitFor();
  assert.equal(await count(`SELECT count(*) FROM reports WHERE description = '${q(description)}'`), 0);

  // Hours offline: the access token has expired meanwhile. The sender must
  // refresh it (refresh token) and carry on.
  await again.evaluate(() => {
    const key = 'gridd.session.app';
    const session = JSON.parse(localStorage.getItem(key));
    session.access = `${session.access.split('.').slice(0, 2).join('.')}.expired-signature`;
    localStorage.setItem(key, JSON.stringify(session));
  });

  // Online again: the sender takes it (the `online` event), exactly once, with its photo.
  await context.setOffline(false);
  await again.locator(`[data-testid=outbox-sent] [data-report-id="${id}"][data-stage=sent]`).waitFor({ timeout: 30_000 });
  await again.locator(`[data-report-id="${id}"] [data-testid=sent-as]`).waitFor();
  await shot(again, 'worker-sent');
  assert.equal(await count(`SELECT count(*) FROM reports WHERE description = '${q(description)}'`), 1);
  assert.equal(await s.sql(`SELECT id FROM reports WHERE description = '${q(description)}'`), id, 'the phone-made id is the report id');
  assert.equal(await count(`SELECT count(*) FROM case_photos WHERE report_id = '${id}'`), 1);
  // The small JPEG carries the original's GPS and time again: no fake-evidence flags.
  assert.equal(await s.sql(`SELECT array_to_string(flags, ',') FROM case_photos WHERE report_id = '${id}'`), '');
  assert.equal(await s.sql(`SELECT accuracy_m::int || '|' || urgent FROM reports WHERE id = '${id}'`), '8|false');

  // Opened once more: nothing is sent twice.
  await again.reload();
  await again.locator(`[data-report-id="${id}"][data-stage=sent]`).waitFor();
  assert.equal(await count(`SELECT count(*) FROM reports WHERE description = '${q(description)}'`), 1);
  assert.equal(await count(`SELECT count(*) FROM case_photos WHERE report_id = '${id}'`), 1);

  // English on the switch, Chinese back.
  await again.getByRole('link', { name: '设置' }).click();
  await again.getByRole('button', { name: 'EN' }).click();
  await again.getByRole('link', { name: 'Outbox' }).waitFor();
  assert.equal(await again.evaluate(() => document.documentElement.lang), 'en');
  await assertAccessible(again, 'settings');
  await shot(again, 'worker-settings-en');
  await again.getByRole('button', { name: '中文' }).click();
  await again.getByRole('link', { name: '待发送' }).waitFor();
  await again.close();
});

test('the app closed while sending, answers lost on the way, a busy server: still one report, one photo', async () => {
  const { context, page } = await phoneWithoutWorker();
  try {
    const seen = { report: 0, photo: 0 };
    let reached;
    const firstReportReached = new Promise((resolve) => { reached = resolve; });
    await context.route('**/v1/reports', async (route) => {
      if (route.request().method() !== 'POST') return route.continue();
      if (seen.report++ === 0) {
        // gridd files the report, but its answer never reaches the phone:
        // the app is closed while it waits.
        await route.fetch();
        reached();
        return undefined;
      }
      return route.continue();
    });
    await context.route('**/v1/reports/*/photos*', async (route) => {
      const n = seen.photo++;
      if (n === 0) {
        // The server is overloaded: 503 with Retry-After (the request never reaches gridd).
        return route.fulfill({ status: 503, headers: { 'retry-after': '1', 'content-type': 'application/problem+json' },
          body: JSON.stringify({ type: 'urn:gridd:problem:unavailable', title: 'Service unavailable', status: 503 }) });
      }
      if (n === 1) {
        // Stored by gridd, the answer lost on the way back.
        await route.fetch();
        return route.abort('connectionreset');
      }
      return route.continue();
    });
    await signIn(page);
    await page.getByRole('link', { name: '上报', exact: true }).click();
    const description = `发送中关闭应用 重试测试 ${Date.now()}`;
    await fillReport(page, { description, photo: makeJpeg({ width: 640, height: 480, seed: 9 }) });
    await page.locator('[data-testid=save-report]').click();
    const item = page.locator('li.outbox-item', { hasText: description });
    await item.waitFor();
    const id = await item.getAttribute('data-report-id');
    await firstReportReached;
    assert.equal(await count(`SELECT count(*) FROM reports WHERE id = '${id}'`), 1, 'gridd has it');
    await page.close();

    // Opened again: the sender starts over with the same id; gridd replays its first answer.
    const again = watchErrors(await context.newPage());
    await again.goto('/app/#/outbox');
    await again.locator(`[data-report-id="${id}"][data-stage=sent]`).waitFor({ timeout: 60_000 });
    assert.ok(seen.report >= 2 && seen.photo >= 3, JSON.stringify(seen));
    assert.equal(await count(`SELECT count(*) FROM reports WHERE description = '${q(description)}'`), 1);
    assert.equal(await count(`SELECT count(*) FROM case_photos WHERE report_id = '${id}'`), 1);
    const record = await again.evaluate((rid) => new Promise((resolve, reject) => {
      const open = indexedDB.open('gridd-app');
      open.onerror = () => reject(open.error);
      open.onsuccess = () => {
        const get = open.result.transaction('outbox').objectStore('outbox').get(rid);
        get.onsuccess = () => resolve(get.result);
        get.onerror = () => reject(get.error);
      };
    }), id);
    assert.equal(record.replayed, true, 'the second POST was answered with the first one (Idempotent-Replayed)');
    assert.equal(record.photos[0].done, true);
    // A photo without EXIF is taken and flagged, as the API documents.
    assert.equal(await s.sql(`SELECT array_to_string(flags, ',') FROM case_photos WHERE report_id = '${id}'`), 'no_exif');
  } finally {
    await context.close();
  }
});

test('six photos, the last answer lost: the retry is answered as already stored', async () => {
  const { context, page } = await phoneWithoutWorker();
  try {
    let photos = 0;
    await context.route('**/v1/reports/*/photos*', async (route) => {
      if (photos++ === 5) {
        // The sixth photo is stored, its answer lost: gridd replays the 200
        // for the retry (the app would also accept a 409 it can verify).
        await route.fetch();
        return route.abort('connectionreset');
      }
      return route.continue();
    });
    await signIn(page);
    await page.getByRole('link', { name: '上报', exact: true }).click();
    const description = `六张照片 ${Date.now()}`;
    await fillReport(page, { description, photo: makeJpeg({ width: 320, height: 240, seed: 40 }) });
    await page.setInputFiles('#photo-input', [41, 42, 43, 44, 45].map((seed) => ({
      name: `p${seed}.jpg`, mimeType: 'image/jpeg', buffer: makeJpeg({ width: 320, height: 240, seed }) })));
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=photos] li').length === 6);
    assert.equal(await page.locator('#photo-input').count(), 0, 'no seventh photo');
    await page.locator('[data-testid=save-report]').click();
    const item = page.locator('li.outbox-item', { hasText: description });
    await item.waitFor();
    const id = await item.getAttribute('data-report-id');
    await page.locator(`[data-report-id="${id}"][data-stage=sent]`).waitFor({ timeout: 60_000 });
    assert.ok(photos >= 7, `photo requests: ${photos}`);
    assert.equal(await count(`SELECT count(*) FROM reports WHERE id = '${id}'`), 1);
    assert.equal(await count(`SELECT count(*) FROM case_photos WHERE report_id = '${id}'`), 6);
  } finally {
    await context.close();
  }
});

test('a report the server refuses stops with its problem; sent again by hand it goes through once', async () => {
  const { context, page } = await phoneWithoutWorker();
  try {
    let refused = 0;
    await context.route('**/v1/reports', async (route) => {
      if (route.request().method() === 'POST' && refused++ === 0) {
        return route.fulfill({ status: 422, headers: { 'content-type': 'application/problem+json' },
          body: JSON.stringify({ type: 'urn:gridd:problem:unprocessable', title: 'Unprocessable', status: 422,
            detail: 'the location is in no grid cell of the city', errors: [{ pointer: '/location', detail: 'no grid cell here' }] }) });
      }
      return route.continue();
    });
    await signIn(page);
    await page.getByRole('link', { name: '上报', exact: true }).click();
    const description = `被拒绝的上报 ${Date.now()}`;
    await fillReport(page, { description, photo: makeJpeg({ width: 320, height: 240, seed: 12 }) });
    // A tap on the map moves the pin by hand; the GPS position comes back on request.
    const map = page.locator('[data-testid=pin-map]');
    const box = await map.boundingBox();
    await map.click({ position: { x: box.width - 40, y: box.height - 40 } });
    await page.locator('[data-testid=gps-status]', { hasText: '已手动调整位置' }).waitFor();
    await page.getByRole('button', { name: '使用 GPS 位置' }).click();
    await page.locator('[data-testid=gps-status]', { hasText: 'GPS 精度 ±8 米' }).waitFor();
    await page.locator('[data-testid=save-report]').click();
    const item = page.locator('li.outbox-item', { hasText: description });
    await item.locator('[data-testid=outbox-state]', { hasText: '发送失败' }).waitFor();
    await item.locator('.alert.error', { hasText: 'the location is in no grid cell of the city' }).waitFor();
    await item.locator('.alert.error', { hasText: '/location: no grid cell here' }).waitFor();
    await page.locator('[data-testid=nav-outbox-count]', { hasText: '1' }).waitFor();
    await shot(page, 'worker-outbox-failed');
    assert.equal(await count(`SELECT count(*) FROM reports WHERE description = '${q(description)}'`), 0);
    await item.getByRole('button', { name: '重新发送' }).click();
    const id = await item.getAttribute('data-report-id');
    await page.locator(`[data-report-id="${id}"][data-stage=sent]`).waitFor({ timeout: 30_000 });
    assert.equal(await count(`SELECT count(*) FROM reports WHERE id = '${id}'`), 1);
    assert.equal(await count(`SELECT count(*) FROM case_photos WHERE report_id = '${id}'`), 1);
  } finally {
    await context.close();
  }
});

test('on-site check: worker1 sees a resolved case, compares before/after and passes it; the case is closed', async () => {
  const caseId = await resolvedCase(`待核查 垃圾已清理 ${Date.now()}`);
  // A reminder addressed to worker1 (the schema allows notifications to one
  // account; the sweeper sends check_late to the dispatchers only today).
  await s.sql(`INSERT INTO notifications (case_id, kind, user_id) SELECT ${caseId}, 'check_late', id FROM users WHERE login = 'worker1'`);
  const page = watchErrors(await s.phone());
  await signIn(page);
  const task = page.locator(`[data-testid=tasks] a[data-case-id="${caseId}"]`);
  await task.waitFor();
  await page.locator('[data-testid=unread]', { hasText: '1 条未读' }).waitFor();
  await shot(page, 'worker-home-tasks');
  await page.getByRole('button', { name: '全部标为已读' }).click();
  await page.locator('[data-testid=unread]').waitFor({ state: 'detached' });
  assert.equal(await count(`SELECT count(*) FROM notification_reads r JOIN users u ON u.id = r.user_id WHERE u.login = 'worker1'`), 1);
  await task.click();
  await page.locator(`[data-screen=case][data-case-id="${caseId}"]`).waitFor();
  // Both photos come from /v1/photos with the token and show as object URLs.
  for (const kind of ['before', 'after']) {
    const img = page.locator(`.photo-col[data-kind=${kind}] img.photo`);
    await img.waitFor();
    assert.match(await img.getAttribute('src'), /^blob:/);
    await page.waitForFunction((k) => document.querySelector(`.photo-col[data-kind=${k}] img.photo`)?.naturalWidth > 0, kind);
  }
  await assertAccessible(page, 'check');
  await shot(page, 'worker-check');
  await page.getByRole('button', { name: '核查通过' }).click();
  await page.getByRole('button', { name: '确认通过并结案' }).click();
  await page.locator('[data-testid=check-done]', { hasText: '已结案' }).waitFor();
  await page.locator(`[data-screen=case][data-state=closed]`).waitFor();
  assert.equal(await s.sql(`SELECT state FROM cases WHERE id = ${caseId}`), 'closed');
  assert.equal(await s.sql(`SELECT kind || '|' || (data->>'result') FROM case_events WHERE case_id = ${caseId} ORDER BY seq DESC LIMIT 1`), 'check|passed');
  await shot(page, 'worker-check-passed');
  await page.context().close();
});

test('on-site check failed: a note and a check photo are required, the case goes back for rework', async () => {
  const caseId = await resolvedCase(`待核查 仍有垃圾 ${Date.now()}`);
  const page = watchErrors(await s.phone());
  await signIn(page);
  await page.goto(`/app/#/case/${caseId}`);
  await page.locator('[data-testid=check-form]').waitFor();
  await page.getByRole('button', { name: '核查不通过' }).click();
  await page.locator('#err-note').waitFor();
  await page.locator('#err-photo').waitFor();
  await page.fill('#check-note', '路面仍有散落垃圾');
  await page.setInputFiles('#check-photo', { name: 'check.jpg', mimeType: 'image/jpeg',
    buffer: makeJpeg({ width: 800, height: 600, seed: 33, exif: { lon: CELL_1_1[0], lat: CELL_1_1[1], takenAt: new Date() } }) });
  await page.locator('[data-testid=check-form] .photo-item').waitFor();
  await page.getByRole('button', { name: '核查不通过' }).click();
  await page.getByRole('button', { name: '确认不通过（返工）' }).click();
  await page.locator('[data-testid=check-done]', { hasText: '返工' }).waitFor();
  assert.equal(await s.sql(`SELECT state || '|' || rework_count FROM cases WHERE id = ${caseId}`), 'in_progress|1');
  assert.equal(await count(`SELECT count(*) FROM case_photos WHERE case_id = ${caseId} AND kind = 'check'`), 1);
  assert.equal(await s.sql(`SELECT (data->>'result') || '|' || (data->>'note') FROM case_events WHERE case_id = ${caseId} AND kind = 'check'`), 'failed|路面仍有散落垃圾');
  await page.context().close();
});

// Last: it locks sign-ins from this address for the throttling window.
test('too many failed sign-ins: the login screen says when to try again', async () => {
  for (let i = 0; i < 12; i++) {
    const res = await fetch(`${s.base}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ login: 'worker2', password: 'wrong-password-here' }) });
    await res.arrayBuffer();
    if (res.status === 429) break;
  }
  const page = watchErrors(await s.phone());
  await page.goto('/app/');
  await page.fill('#login', 'worker2');
  await page.fill('#password', 'wrong-password-again');
  await page.getByRole('button', { name: '登录' }).click();
  const error = page.locator('[data-testid=login-error]', { hasText: '登录失败次数过多' });
  await error.waitFor();
  assert.match(await error.innerText(), /请在 (\d+ 分 )?\d+ 秒后重试/);
  assert.ok(await page.getByRole('button', { name: '登录' }).isDisabled(), 'sign-in waits for the retry time');
  await shot(page, 'worker-login-throttled');
  await page.context().close();
});
