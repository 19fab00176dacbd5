// A real stack for browser tests: a private PostgreSQL (the API tests'
// harness), migrated and loaded with the demo city, gridd serving the built
// clients (clients/dist), and Debian's Chromium driven by Playwright.
//
//   const s = await startStack('worker');        // before()
//   const page = await s.phone();                // a phone-sized page
//   await s.shot(page, 'worker-login');          // test-results/screenshots/worker-login.png
//   await s.stop();                              // after()
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, devices } from 'playwright-core';
import { createDatabase, migrate, startGridd, psql, ROOT } from '../../api/lib/harness.mjs';

export const PASSWORD = 'demo-city-browser-2026';
const here = dirname(fileURLToPath(import.meta.url));
export const RESULTS = resolve(here, '..', 'test-results');
export const SHOTS = join(RESULTS, 'screenshots');
const CHROMIUM = process.env.GRIDD_CHROMIUM ?? '/usr/bin/chromium';

export async function startStack(name, { env = {} } = {}) {
  mkdirSync(SHOTS, { recursive: true });
  const dbUrl = await createDatabase(`browser_${name}`);
  await migrate(dbUrl);
  execFileSync(process.env.GRIDD_BIN, ['demo'], {
    env: { ...process.env, GRIDD_DB_URL: dbUrl, GRIDD_DEMO_PASSWORD: PASSWORD },
  });
  const gridd = await startGridd({ dbUrl, env: { GRIDD_STATIC_DIR: join(ROOT, 'clients', 'dist'), ...env } });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
  const contexts = [];
  const stack = {
    dbUrl, gridd, browser, base: gridd.base,
    sql: async (q) => (await psql(dbUrl, q)).trim(),
    /** A phone: 390×844, touch, geolocation granted at a point in cell 110101001001001. */
    async phone({ geolocation = { longitude: 116.4006, latitude: 39.91045, accuracy: 8 } } = {}) {
      const context = await browser.newContext({
        ...devices['Pixel 5'], baseURL: gridd.base, locale: 'zh-CN', timezoneId: 'Asia/Shanghai',
        geolocation, permissions: ['geolocation'],
      });
      contexts.push(context);
      return context.newPage();
    },
    /** A desktop browser for the consoles. */
    async desktop() {
      const context = await browser.newContext({
        viewport: { width: 1440, height: 900 }, baseURL: gridd.base, locale: 'zh-CN', timezoneId: 'Asia/Shanghai',
      });
      contexts.push(context);
      return context.newPage();
    },
    async shot(page, file) {
      await page.screenshot({ path: join(SHOTS, `${file}.png`), fullPage: true });
    },
    async stop() {
      for (const c of contexts) await c.close().catch(() => {});
      await browser.close().catch(() => {});
      await gridd.stop();
    },
  };
  return stack;
}
