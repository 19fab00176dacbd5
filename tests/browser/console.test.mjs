// The consoles (/console/) in a real browser against a real gridd and
// PostgreSQL with the demo city: a report filed from the field appears live
// in the dispatcher's queue, is verified and dispatched with its deadline
// shown, accepted and resolved with an "after" photo by the unit, checked
// through the API, and the supervisor sees the closure counted, downloads
// the ledger, publishes a month and audits the case's chain.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { startStack, PASSWORD } from './lib/stack.mjs';
import { makeJpeg } from '../api/lib/images.mjs';

const CENTRE = [116.4006, 39.91045];   // cell 110101001001001, worker1's
const WAIT = 20_000;
let s;
const tokens = {};
const pageErrors = [];

// Ledgers of more than 100 cases are written in the background (202 and a job).
before(async () => { s = await startStack('console', { env: { GRIDD_EXPORT_MAX_ROWS: 100 } }); });
after(async () => { await s?.stop(); });

async function token(who) {
  if (tokens[who]) return tokens[who];
  const res = await fetch(`${s.base}/v1/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: who, password: PASSWORD }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  tokens[who] = (await res.json()).access_token;
  return tokens[who];
}
async function call(who, method, path, body, headers = {}) {
  const h = { authorization: `Bearer ${await token(who)}`, ...headers };
  let payload;
  if (Buffer.isBuffer(body)) payload = body;
  else if (body !== undefined) { payload = JSON.stringify(body); h['content-type'] = 'application/json'; }
  const res = await fetch(`${s.base}${path}`, { method, headers: h, body: payload });
  const text = await res.text();
  assert.ok(res.ok, `${who} ${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}
const cityTimeOf = (iso) => new Date(Date.parse(iso) + 8 * 3600_000).toISOString().slice(0, 16).replace('T', ' ');
const cityMonth = (iso) => new Date(Date.parse(iso) + 8 * 3600_000).toISOString().slice(0, 7);

/** A desktop page that records script errors and any request leaving the test server. */
async function desktop(who) {
  const page = await s.desktop();
  page.outside = [];
  page.on('pageerror', (e) => pageErrors.push(`${who}: ${e.message}`));
  page.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith(s.base) && !u.startsWith('blob:') && !u.startsWith('data:')) page.outside.push(u);
  });
  return page;
}

async function logIn(page, who, { shot } = {}) {
  await page.goto('/console/');
  await page.getByLabel('账号').fill(who);
  await page.getByLabel('密码').fill(PASSWORD);
  if (shot) await s.shot(page, shot);
  await page.getByRole('button', { name: '登录' }).click();
  await page.locator('[data-testid=live-status][data-status=open]').waitFor({ timeout: WAIT });
}

test('a report travels live through the dispatcher, the unit and the supervisor consoles', async () => {
  // ---------------------------------------------------------- dispatcher ---
  const disp = await desktop('dispatcher1');
  await logIn(disp, 'dispatcher1', { shot: 'console-login' });
  await disp.locator('[data-testid=queue-reported]').waitFor({ timeout: WAIT });
  await disp.evaluate(() => { window.__sameDocument = true; });

  // worker1 files a report with a photo from the field, through the API.
  const report = await call('worker1', 'POST', '/v1/reports', {
    category: 'event:0102', description: '浏览器测试：路边暴露垃圾一堆', address: '韶九胡同 12 号',
    location: { type: 'Point', coordinates: CENTRE }, accuracy_m: 6, observed_at: new Date(Date.now() - 60_000).toISOString(),
  });
  const id = report.case_id;
  await call('worker1', 'POST', `/v1/reports/${report.id}/photos`, makeJpeg({ width: 96, height: 72, seed: 5 }), { 'content-type': 'image/jpeg' });

  // It appears in the open queue without a reload.
  const row = disp.locator(`[data-testid=queue-reported] [data-case-id="${id}"]`);
  await row.waitFor({ timeout: WAIT });
  assert.equal(await disp.evaluate(() => window.__sameDocument), true, 'the page was not reloaded');
  await row.click();
  const detail = disp.locator(`[data-testid=case-detail][data-case-id="${id}"]`);
  await detail.waitFor({ timeout: WAIT });
  await detail.locator('.photos img').first().waitFor({ timeout: WAIT });   // the photo, fetched with the token
  await detail.getByText('无EXIF信息').first().waitFor();
  await detail.locator('[data-testid=duplicates]').waitFor();
  assert.match(await detail.textContent(), /东城区环卫中心/, 'the suggested unit');
  assert.match(await detail.textContent(), /韶九社区第1网格/, 'the cell');
  await s.shot(disp, 'console-dispatcher-queue');

  // Keyboard: Enter opens the verify dialog, Escape closes it and focus returns.
  const verifyButton = detail.locator('[data-action=verify]');
  await verifyButton.focus();
  await disp.keyboard.press('Enter');
  const verifyDialog = disp.locator('[data-testid=verify-dialog]');
  await verifyDialog.waitFor({ state: 'visible' });
  await disp.keyboard.press('Escape');
  await verifyDialog.waitFor({ state: 'detached' });
  assert.equal(await verifyButton.evaluate((b) => b === document.activeElement), true, 'focus back on the button');

  // Verify (keeping the category) and dispatch to unit 1, the deadline shown first.
  await verifyButton.click();
  await verifyDialog.getByLabel('类别').selectOption('event:0102');
  await verifyDialog.locator('[data-testid=verify-and-dispatch]').click();
  const dispatchDialog = disp.locator('[data-testid=dispatch-dialog]');
  await dispatchDialog.waitFor({ state: 'visible', timeout: WAIT });
  const due = dispatchDialog.locator('[data-testid=deadline-due]');
  await due.waitFor({ timeout: WAIT });
  const previewDue = await due.getAttribute('data-due-at');
  assert.ok(Date.parse(previewDue) > Date.now(), `deadline ${previewDue} in the future`);
  assert.match(await dispatchDialog.textContent(), /4 工作小时/, 'the category\'s limit');
  await dispatchDialog.getByLabel('责任单位').selectOption('1');
  await s.shot(disp, 'console-dispatch-dialog');
  await dispatchDialog.getByRole('button', { name: '确认派遣' }).click();
  await dispatchDialog.waitFor({ state: 'detached', timeout: WAIT });
  await disp.locator(`[data-testid=case-detail][data-case-id="${id}"][data-state=dispatched]`).waitFor({ timeout: WAIT });
  let c = await call('dispatcher1', 'GET', `/v1/cases/${id}`);
  assert.equal(c.state, 'dispatched');
  assert.equal(c.unit.id, 1);
  assert.ok(Math.abs(Date.parse(c.due_at) - Date.parse(previewDue)) < 120_000, `due ${c.due_at}, shown ${previewDue}`);
  const dueMonth = cityMonth(c.due_at);

  // The map: cells drawn from GeoJSON, cases as markers, nothing from the internet.
  await disp.getByRole('link', { name: '网格地图' }).click();
  const map = disp.locator('[data-testid=case-map]');
  await map.waitFor({ timeout: WAIT });
  await disp.waitForFunction(() => document.querySelectorAll('[data-testid=case-map] path.leaflet-interactive').length >= 24 + 5, null, { timeout: WAIT });
  assert.equal(await map.locator('img.leaflet-tile').count(), 0, 'no tiles');
  await s.shot(disp, 'console-map');

  // The overdue and near-deadline board (the demo has overdue cases).
  await disp.getByRole('link', { name: '超期预警' }).click();
  await disp.locator('[data-testid=overdue-table] tbody tr').first().waitFor({ timeout: WAIT });
  await s.shot(disp, 'console-overdue-board');
  await disp.getByRole('link', { name: '回退与延期' }).click();
  await disp.locator('[data-testid=extension-requests]').waitFor({ timeout: WAIT });
  await disp.locator('[data-testid=extensions-table] tbody tr').first().waitFor({ timeout: WAIT });
  await s.shot(disp, 'console-returns-extensions');
  assert.deepEqual(disp.outside, [], 'no request left the server');

  // ---------------------------------------------------------------- unit ---
  const unit = await desktop('unit1');
  await logIn(unit, 'unit1');
  const task = unit.locator(`[data-testid=tasks-table] tr[data-case-id="${id}"]`);
  await task.waitFor({ timeout: WAIT });
  assert.match(await task.textContent(), /浏览器测试/);
  await s.shot(unit, 'console-unit-tasks');
  await task.locator('[data-action=accept]').click();
  await unit.locator(`[data-testid=tasks-table] tr[data-case-id="${id}"][data-state=in_progress]`).waitFor({ timeout: WAIT });
  const left = await task.locator('[data-testid=time-left]').textContent();
  assert.match(left, /小时|分钟/, `working time left: ${left}`);
  await task.locator('[data-action=resolve]').click();
  const resolve = unit.locator('[data-testid=resolve-dialog]');
  await resolve.waitFor({ state: 'visible' });
  await resolve.locator('[data-testid=after-photo-input]').setInputFiles({
    name: 'after.jpg', mimeType: 'image/jpeg',
    buffer: makeJpeg({ width: 96, height: 72, seed: 9, exif: { lon: CENTRE[0], lat: CENTRE[1], takenAt: new Date() } }),
  });
  await resolve.locator('[data-testid=after-photos] img').first().waitFor({ timeout: WAIT });
  await s.shot(unit, 'console-resolve-dialog');
  await resolve.getByRole('button', { name: '确认办结' }).click();
  await resolve.waitFor({ state: 'detached', timeout: WAIT });
  c = await call('unit1', 'GET', `/v1/cases/${id}`);
  assert.equal(c.state, 'resolved');
  assert.deepEqual(c.photos.map((p) => p.kind), ['before', 'after']);

  // ---------------------------------------------------------- supervisor ---
  const sup = await desktop('supervisor1');
  await logIn(sup, 'supervisor1');
  await sup.locator('[data-testid=closure-table]').waitFor({ timeout: WAIT });
  await sup.locator('[data-testid=month-input]').fill(dueMonth);
  const closedCell = sup.locator('[data-testid=closure-table] tr[data-key="1"] td[data-col=closed]');
  await closedCell.waitFor({ timeout: WAIT });
  await sup.waitForFunction((m) => document.querySelector('[data-testid=month-input]').value === m, dueMonth);
  const before = await call('supervisor1', 'GET', `/v1/stats/closure?month=${dueMonth}&group_by=unit`);
  const closedBefore = before.rows.find((r) => r.key === '1')?.closed ?? 0;
  await sup.waitForFunction(([n]) => document.querySelector('[data-testid=closure-table] tr[data-key="1"] td[data-col=closed]')?.textContent === String(n), [closedBefore], { timeout: WAIT });

  // The grid worker passes the on-site check: the closure shows up live.
  c = await call('worker1', 'POST', `/v1/cases/${id}/check`, { result: 'passed' });
  assert.equal(c.state, 'closed');
  await sup.waitForFunction(([n]) => document.querySelector('[data-testid=closure-table] tr[data-key="1"] td[data-col=closed]')?.textContent === String(n),
    [closedBefore + 1], { timeout: WAIT });
  await sup.locator('[data-testid=stats-chart] canvas').first().waitFor();
  await s.shot(sup, 'console-supervisor-stats');

  // The case ledger as XLSX, downloaded with the token.
  const [download] = await Promise.all([
    sup.waitForEvent('download', { timeout: WAIT }),
    sup.locator('[data-download="cases.xlsx"]').click(),
  ]);
  assert.equal(download.suggestedFilename(), 'cases.xlsx');
  const bytes = await readFile(await download.path());
  assert.equal(bytes.subarray(0, 2).toString('latin1'), 'PK', 'an XLSX is a ZIP');
  assert.ok(bytes.length > 1000);

  // A ledger of more than export_max_rows cases: the console shows the job's
  // progress (已导出 N / 共 M 行) and saves the file when it is ready.
  await s.sql(`INSERT INTO cases (state, category_kind, category_code, cell_code, unit_id, location, description,
      created_at, reporter_id)
    SELECT 'rejected', category_kind, category_code, cell_code, unit_id, location, '后台导出 ' || n,
      '${dueMonth}-02 10:00+08', reporter_id FROM cases, generate_series(1, 120) n WHERE id = ${id}`);
  const inMonth = Number(await s.sql(`SELECT count(*) FROM cases
    WHERE created_at >= '${dueMonth}-01 00:00+08' AND created_at < ('${dueMonth}-01'::date + interval '1 month')::timestamp AT TIME ZONE 'Asia/Shanghai'`));
  const [ledger] = await Promise.all([
    sup.waitForEvent('download', { timeout: WAIT }),
    sup.locator('[data-download="cases.csv"]').click(),
    sup.locator('[data-testid=export-progress]').waitFor({ timeout: WAIT }).then(async () => {
      assert.match(await sup.locator('[data-testid=export-progress]').textContent(), /已导出 [\d,]+ \/ 共 [\d,]+ 行/);
      await s.shot(sup, 'console-export-progress');
    }),
  ]);
  assert.equal(ledger.suggestedFilename(), 'cases.csv');
  const lines = (await readFile(await ledger.path(), 'utf8')).split('\r\n').filter((l) => l);
  assert.equal(lines.length, 1 + inMonth, 'every case of the month, and the header');
  await sup.locator('[data-testid=export-progress]').waitFor({ state: 'detached', timeout: WAIT });

  // The monthly ranking; last month published through the confirm dialog.
  await sup.getByRole('link', { name: '月度考核' }).click();
  await sup.locator('[data-testid=ranking-table] tbody tr').first().waitFor({ timeout: WAIT });
  await sup.locator('[data-testid=assessment-status][data-status=draft]').waitFor({ timeout: WAIT });
  await sup.locator('[data-testid=publish]').click();
  const publish = sup.locator('[data-testid=publish-dialog]');
  await publish.waitFor({ state: 'visible' });
  await publish.getByRole('button', { name: '通报' }).click();
  await sup.locator('[data-testid=assessment-status][data-status=published]').waitFor({ timeout: WAIT });
  await s.shot(sup, 'console-ranking-published');
  // The month of the case: a draft, unit 1 ranked with its score.
  await sup.locator('[data-testid=month-input]').fill(dueMonth);
  await sup.locator('[data-testid=assessment-status][data-status=draft]').waitFor({ timeout: WAIT });
  await sup.locator('[data-testid=ranking-table] tr[data-unit="1"]').waitFor({ timeout: WAIT });
  await s.shot(sup, 'console-ranking');

  // The audit trail of the case, and its chain verified by the server.
  await sup.getByRole('link', { name: '案卷审计' }).click();
  await sup.getByLabel('案卷号').fill(String(id));
  await sup.getByRole('button', { name: '查询' }).click();
  const verdict = sup.locator('[data-testid=audit-verdict]');
  await verdict.waitFor({ timeout: WAIT });
  assert.equal(await verdict.getAttribute('data-valid'), 'true');
  const kinds = await sup.locator('[data-testid=audit-trail] ol.trail > li').evaluateAll((lis) => lis.map((li) => li.dataset.kind));
  assert.deepEqual(kinds, ['reported', 'photo_added', 'verify', 'dispatch', 'accept', 'photo_added', 'resolve', 'check']);
  await s.shot(sup, 'console-audit-trail');

  // Approvals and flagged photos (the report's photo has no EXIF).
  await sup.getByRole('link', { name: '审批' }).click();
  await sup.locator('[data-testid=extensions-table] tbody tr').first().waitFor({ timeout: WAIT });
  await s.shot(sup, 'console-approvals');
  await sup.getByRole('link', { name: '可疑照片' }).click();
  await sup.locator(`[data-testid=flagged-photos] img`).first().waitFor({ timeout: WAIT });
  await s.shot(sup, 'console-flagged-photos');

  // English on request.
  await sup.locator('[data-testid=lang-switch]').click();
  await sup.getByRole('link', { name: 'Closure statistics' }).waitFor();
  assert.deepEqual(pageErrors, []);
});

test('duplicates merged, a return re-dispatched, an extension approved, a late unit urged, in English too', async () => {
  const file = async (description) => (await call('worker1', 'POST', '/v1/reports', {
    category: 'event:0108', description, location: { type: 'Point', coordinates: [116.4009, 39.9101] },
    observed_at: new Date(Date.now() - 60_000).toISOString(),
  })).case_id;
  const a = await file('浏览器测试：烟头纸屑 A');
  const b = await file('浏览器测试：烟头纸屑 B（重复）');

  const disp = await desktop('dispatcher1');
  await logIn(disp, 'dispatcher1');
  await disp.locator(`[data-testid=queue-reported] [data-case-id="${b}"]`).click();
  const detail = disp.locator(`[data-testid=case-detail][data-case-id="${b}"]`);
  await detail.locator('[data-testid=duplicates] li').first().waitFor({ timeout: WAIT });
  assert.match(await detail.locator('[data-testid=duplicates]').textContent(), new RegExp(`#${a}\\b`));
  await detail.locator('[data-action=merge]').click();
  const merge = disp.locator('[data-testid=merge-dialog]');
  await merge.waitFor({ state: 'visible' });
  assert.equal(await merge.getByLabel('并入案卷号').inputValue(), String(a), 'the nearest duplicate is proposed');
  await merge.getByRole('button', { name: '合并' }).click();
  await disp.locator(`[data-testid=case-detail][data-case-id="${b}"][data-state=merged]`).waitFor({ timeout: WAIT });
  assert.equal((await call('dispatcher1', 'GET', `/v1/cases/${a}`)).reports.length, 2);

  // A: register only, then dispatch from the case.
  await disp.locator(`[data-testid=queue-reported] [data-case-id="${a}"]`).click();
  const da = disp.locator(`[data-testid=case-detail][data-case-id="${a}"]`);
  await da.locator('[data-action=verify]').click();
  await disp.locator('[data-testid=verify-dialog]').getByRole('button', { name: '仅立案' }).click();
  await disp.locator(`[data-testid=case-detail][data-case-id="${a}"][data-state=registered]`).waitFor({ timeout: WAIT });
  await da.locator('[data-action=dispatch]').click();
  let dialog = disp.locator('[data-testid=dispatch-dialog]');
  await dialog.locator('[data-testid=deadline-due]').waitFor({ timeout: WAIT });
  await dialog.getByLabel('责任单位').selectOption('1');
  await dialog.getByRole('button', { name: '确认派遣' }).click();
  await disp.locator(`[data-testid=case-detail][data-case-id="${a}"][data-state=dispatched]`).waitFor({ timeout: WAIT });

  // Unit 1 says it is not theirs.
  const unit = await desktop('unit1');
  await logIn(unit, 'unit1');
  const task = unit.locator(`[data-testid=tasks-table] tr[data-case-id="${a}"]`);
  await task.locator('[data-action=return]').click();
  const ret = unit.locator('[data-testid=return-dialog]');
  await ret.getByLabel('理由', { exact: true }).fill('不属于本单位职责，应由城管执法队处理');
  await ret.getByRole('button', { name: '回退' }).click();
  await task.waitFor({ state: 'detached', timeout: WAIT });

  // The dispatcher sees the return with its reason and dispatches again.
  await disp.getByRole('link', { name: '回退与延期' }).click();
  const returned = disp.locator(`[data-testid=returns-table] tr[data-case-id="${a}"]`);
  await returned.waitFor({ timeout: WAIT });
  assert.match(await returned.textContent(), /不属于本单位职责/);
  await returned.getByRole('button', { name: '重新派遣' }).click();
  dialog = disp.locator('[data-testid=dispatch-dialog]');
  await dialog.locator('[data-testid=deadline-due]').waitFor({ timeout: WAIT });
  await dialog.getByLabel('责任单位').selectOption('2');
  await dialog.getByRole('button', { name: '确认派遣' }).click();
  await returned.waitFor({ state: 'detached', timeout: WAIT });
  const ca = await call('dispatcher1', 'GET', `/v1/cases/${a}`);
  assert.deepEqual([ca.state, ca.unit.id, ca.return_count], ['dispatched', 2, 1]);

  // Unit 1 asks for more time on a case it is handling.
  const mine = (await call('unit1', 'GET', '/v1/cases?state=in_progress&limit=200')).items.find((x) => !x.extension_pending && !x.suspended);
  await unit.locator(`[data-testid=tasks-table] tr[data-case-id="${mine.id}"] [data-action=request-extension]`).click();
  const req = unit.locator('[data-testid=request-extension-dialog]');
  await req.getByLabel('理由').fill('需调配大型清运机械');
  const proposed = await req.getByLabel('申请延至').inputValue();
  await req.getByRole('button', { name: '申请延期' }).click();
  await req.waitFor({ state: 'detached', timeout: WAIT });
  const asked = await call('unit1', 'GET', `/v1/cases/${mine.id}`);
  assert.equal(asked.extension_pending, true);
  assert.equal(cityTimeOf(asked.proposed_due_at), proposed.replace('T', ' '), 'the proposed time is city time');

  // The supervisor approves the demo's pending extension and urges a late unit.
  const sup = await desktop('supervisor1');
  await logIn(sup, 'supervisor1');
  await sup.getByRole('link', { name: '审批' }).click();
  await sup.locator(`[data-testid=extensions-table] tr[data-case-id="${mine.id}"]`).waitFor({ timeout: WAIT });
  const extId = (await call('supervisor1', 'GET', '/v1/cases?state=in_progress&limit=200')).items
    .find((x) => x.extension_pending && x.id !== mine.id).id;
  const ext = sup.locator(`[data-testid=extensions-table] tr[data-case-id="${extId}"]`);
  await ext.getByRole('button', { name: '批准延期' }).click();
  const approve = sup.locator('[data-testid=approve-extension-dialog]');
  await approve.getByRole('button', { name: '批准延期' }).click();
  await approve.waitFor({ state: 'detached', timeout: WAIT });
  const ce = await call('supervisor1', 'GET', `/v1/cases/${extId}`);
  assert.equal(ce.extension_pending, false);
  assert.equal(ce.extension_count, 1);

  await sup.getByRole('link', { name: '超期预警' }).click();
  const late = sup.locator('[data-testid=overdue-table] tbody tr').first();
  await late.waitFor({ timeout: WAIT });
  const lateId = Number(await late.getAttribute('data-case-id'));
  const urgesBefore = (await call('supervisor1', 'GET', `/v1/cases/${lateId}`)).urge_count;
  await late.getByRole('button', { name: '督办' }).click();
  const urge = sup.locator('[data-testid=urge-dialog]');
  await urge.getByLabel('说明').fill('请今日内处置完毕');
  await urge.getByRole('button', { name: '督办' }).click();
  await urge.waitFor({ state: 'detached', timeout: WAIT });
  assert.equal((await call('supervisor1', 'GET', `/v1/cases/${lateId}`)).urge_count, urgesBefore + 1);

  // English, and back.
  await disp.locator('[data-testid=lang-switch]').click();
  await disp.getByRole('link', { name: 'Intake queue' }).waitFor();
  await disp.getByRole('link', { name: 'Intake queue' }).click();
  await disp.getByRole('button', { name: /To verify/ }).waitFor();
  await disp.locator('[data-testid=case-detail] h2').waitFor({ timeout: WAIT });
  await s.shot(disp, 'console-dispatcher-queue-en');
  await disp.locator('[data-testid=lang-switch]').click();
  await disp.getByRole('link', { name: '受理队列' }).waitFor();
  assert.deepEqual(pageErrors, []);
});
