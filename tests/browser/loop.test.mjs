// The whole loop in real browsers, nothing through the API but logins:
// worker1 files a report with a photo and GPS on a phone while offline; back
// online it arrives exactly once; dispatcher1 sees it appear live and
// dispatches it; unit1 resolves it with an "after" photo; worker1 checks it
// on site and it closes; supervisor1 sees the closure in the statistics and
// downloads the case ledger as XLSX.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { startStack, PASSWORD } from './lib/stack.mjs';
import { makeJpeg } from '../api/lib/images.mjs';

const CENTRE = [116.4006, 39.91045];   // cell 110101001001001, worker1's
const WAIT = 30_000;
let s;
const errors = [];

before(async () => { s = await startStack('loop'); });
after(async () => { await s?.stop(); });

const watch = (page, who) => {
  page.on('pageerror', (e) => errors.push(`${who}: ${e.message}`));
  return page;
};

async function consoleLogin(who) {
  const page = watch(await s.desktop(), who);
  await page.goto('/console/');
  await page.getByLabel('账号').fill(who);
  await page.getByLabel('密码').fill(PASSWORD);
  await page.getByRole('button', { name: '登录' }).click();
  await page.locator('[data-testid=live-status][data-status=open]').waitFor({ timeout: WAIT });
  return page;
}

test('report offline → live queue → dispatch → resolve with a photo → on-site check → closure counted → XLSX', async () => {
  // The dispatcher is watching the queue before anything happens.
  const disp = await consoleLogin('dispatcher1');
  await disp.locator('[data-testid=queue-reported]').waitFor({ timeout: WAIT });
  await disp.evaluate(() => { window.__sameDocument = true; });

  // ------------------------------------------------------------ the phone ---
  const phone = watch(await s.phone(), 'worker1');
  await phone.goto('/app/');
  await phone.fill('#login', 'worker1');
  await phone.fill('#password', PASSWORD);
  await phone.getByRole('button', { name: '登录' }).click();
  await phone.locator('[data-screen=home]').waitFor({ timeout: WAIT });
  await phone.evaluate(() => navigator.serviceWorker.ready);
  await phone.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: WAIT });

  await phone.context().setOffline(true);
  await phone.getByRole('link', { name: '上报', exact: true }).click();
  await phone.locator('[data-screen=new-report]').waitFor();
  await phone.fill('#category-search', '暴露垃圾');
  await phone.locator('label.category', { hasText: '暴露垃圾' }).click();
  const takenAt = new Date(Date.now() - 60_000);
  await phone.setInputFiles('#photo-input', { name: 'scene.jpg', mimeType: 'image/jpeg',
    buffer: makeJpeg({ width: 1200, height: 900, seed: 31, exif: { lon: CENTRE[0], lat: CENTRE[1], takenAt } }) });
  await phone.locator('[data-testid=photos] li').first().waitFor();
  await phone.locator('[data-testid=pin-cell]', { hasText: '110101001001001' }).waitFor({ timeout: WAIT });
  const description = `全流程 浏览器 ${Date.now()}`;
  await phone.fill('#description', description);
  await phone.locator('[data-testid=save-report]').click();
  const waiting = phone.locator('[data-testid=outbox-waiting] li.outbox-item', { hasText: description });
  await waiting.locator('[data-testid=outbox-state]', { hasText: '待发送' }).waitFor();
  const reportId = await waiting.getAttribute('data-report-id');
  assert.equal(await s.sql(`SELECT count(*) FROM reports WHERE id = '${reportId}'`), '0', 'nothing left the phone');
  await s.shot(phone, 'loop-1-phone-offline');

  await phone.context().setOffline(false);
  await phone.locator(`[data-report-id="${reportId}"][data-stage=sent]`).waitFor({ timeout: WAIT });
  assert.equal(await s.sql(`SELECT count(*) FROM reports WHERE description = '${description}'`), '1', 'exactly once');
  assert.equal(await s.sql(`SELECT count(*) FROM case_photos WHERE report_id = '${reportId}'`), '1');
  const caseId = Number(await s.sql(`SELECT case_id FROM reports WHERE id = '${reportId}'`));

  // ------------------------------------------------------- the dispatcher ---
  const row = disp.locator(`[data-testid=queue-reported] [data-case-id="${caseId}"]`);
  await row.waitFor({ timeout: WAIT });
  assert.equal(await disp.evaluate(() => window.__sameDocument), true, 'it appeared live, without a reload');
  await row.click();
  const detail = disp.locator(`[data-testid=case-detail][data-case-id="${caseId}"]`);
  await detail.locator('.photos img').first().waitFor({ timeout: WAIT });
  await detail.locator('[data-action=verify]').click();
  const verify = disp.locator('[data-testid=verify-dialog]');
  await verify.waitFor({ state: 'visible' });
  await verify.locator('[data-testid=verify-and-dispatch]').click();
  const dispatch = disp.locator('[data-testid=dispatch-dialog]');
  await dispatch.locator('[data-testid=deadline-due]').waitFor({ timeout: WAIT });
  await dispatch.getByLabel('责任单位').selectOption('1');
  await s.shot(disp, 'loop-2-dispatch');
  await dispatch.getByRole('button', { name: '确认派遣' }).click();
  await disp.locator(`[data-testid=case-detail][data-case-id="${caseId}"][data-state=dispatched]`).waitFor({ timeout: WAIT });
  const dueAt = await s.sql(`SELECT to_char(due_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM') FROM cases WHERE id = ${caseId}`);

  // ------------------------------------------------------------- the unit ---
  const unit = await consoleLogin('unit1');
  const task = unit.locator(`[data-testid=tasks-table] tr[data-case-id="${caseId}"]`);
  await task.waitFor({ timeout: WAIT });
  await task.locator('[data-action=accept]').click();
  await unit.locator(`[data-testid=tasks-table] tr[data-case-id="${caseId}"][data-state=in_progress]`).waitFor({ timeout: WAIT });
  await task.locator('[data-action=resolve]').click();
  const resolve = unit.locator('[data-testid=resolve-dialog]');
  await resolve.locator('[data-testid=after-photo-input]').setInputFiles({ name: 'after.jpg', mimeType: 'image/jpeg',
    buffer: makeJpeg({ width: 640, height: 480, seed: 32, exif: { lon: CENTRE[0], lat: CENTRE[1], takenAt: new Date() } }) });
  await resolve.locator('[data-testid=after-photos] img').first().waitFor({ timeout: WAIT });
  await resolve.getByRole('button', { name: '确认办结' }).click();
  await resolve.waitFor({ state: 'detached', timeout: WAIT });
  assert.equal(await s.sql(`SELECT state FROM cases WHERE id = ${caseId}`), 'resolved');
  await s.shot(unit, 'loop-3-resolved');

  // --------------------------------------------------------- the supervisor ---
  const sup = await consoleLogin('supervisor1');
  await sup.locator('[data-testid=closure-table]').waitFor({ timeout: WAIT });
  await sup.locator('[data-testid=month-input]').fill(dueAt);
  await sup.waitForFunction((m) => document.querySelector('[data-testid=month-input]').value === m, dueAt);
  const closedNow = async () => Number(await s.sql(
    `SELECT coalesce(sum(closed), 0) FROM stats_rollup WHERE grain = 'street_month' AND unit_id = 1 AND period = '${dueAt}-01'`));
  const before = await closedNow();
  await sup.waitForFunction(([n]) => document.querySelector('[data-testid=closure-table] tr[data-key="1"] td[data-col=closed]')?.textContent === String(n),
    [before], { timeout: WAIT });

  // ------------------------------------------------- the on-site check (phone) ---
  await phone.goto('/app/');
  const check = phone.locator(`[data-testid=tasks] a[data-case-id="${caseId}"]`);
  await check.waitFor({ timeout: WAIT });
  await check.click();
  await phone.locator(`.photo-col[data-kind=after] img.photo`).waitFor({ timeout: WAIT });
  await phone.getByRole('button', { name: '核查通过' }).click();
  await phone.getByRole('button', { name: '确认通过并结案' }).click();
  await phone.locator('[data-testid=check-done]', { hasText: '已结案' }).waitFor({ timeout: WAIT });
  await s.shot(phone, 'loop-4-checked');
  assert.equal(await s.sql(`SELECT state FROM cases WHERE id = ${caseId}`), 'closed');
  assert.equal(await closedNow(), before + 1);

  // The supervisor's table counts it, live.
  await sup.waitForFunction(([n]) => document.querySelector('[data-testid=closure-table] tr[data-key="1"] td[data-col=closed]')?.textContent === String(n),
    [before + 1], { timeout: WAIT });
  await s.shot(sup, 'loop-5-statistics');
  const [download] = await Promise.all([
    sup.waitForEvent('download', { timeout: WAIT }),
    sup.locator('[data-download="cases.xlsx"]').click(),
  ]);
  const bytes = await readFile(await download.path());
  assert.equal(bytes.subarray(0, 4).toString('latin1'), 'PK\x03\x04', 'an XLSX (a ZIP)');
  assert.ok(bytes.includes(Buffer.from('xl/worksheets/sheet1.xml')), 'with its sheet');
  assert.deepEqual(errors, [], 'no script errors in any app');
});
