// The authorization matrix: every route x every role (and no token) has an
// expected status. A route added to gridd without an entry here fails the
// first test, so the matrix stays complete as features land. Routes that
// touch scoped resources list in-scope and out-of-scope cases as they arrive.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createDatabase, migrate, startGridd, psql } from './lib/harness.mjs';
import { useradd, login, client, seedCity } from './lib/session.mjs';

const ROLES = ['grid_worker', 'dispatcher', 'unit_staff', 'supervisor', 'admin'];
const every = (status) => Object.fromEntries(ROLES.map((r) => [r, status]));
const onlyAdmin = (admin, others = 403) => ({ ...every(others), admin });
const REFRESH = 'A'.repeat(43);

// 'METHOD pattern' -> request and expected statuses (anonymous = no token).
const matrix = {
  'GET /healthz': { path: '/healthz', anonymous: 200, roles: every(200) },
  'GET /readyz': { path: '/readyz', anonymous: 200, roles: every(200) },
  'GET /metrics': { path: '/metrics', anonymous: 200, roles: every(200) },
  'POST /v1/auth/login': { path: '/v1/auth/login', body: { login: 'nobody', password: 'nothing-at-all' }, anonymous: 401, roles: every(401) },
  'POST /v1/auth/refresh': { path: '/v1/auth/refresh', body: { refresh_token: REFRESH }, anonymous: 401, roles: every(401) },
  'POST /v1/auth/logout': { path: '/v1/auth/logout', body: { refresh_token: REFRESH }, anonymous: 204, roles: every(204) },
  'GET /v1/me': { path: '/v1/me', anonymous: 401, roles: every(200) },
  'POST /v1/me/password': { path: '/v1/me/password', body: { current_password: 'x', new_password: 'short' }, anonymous: 401, roles: every(400) },
  'GET /v1/users': { path: '/v1/users', anonymous: 401, roles: onlyAdmin(200) },
  'POST /v1/users': { path: '/v1/users', body: {}, anonymous: 401, roles: onlyAdmin(400) },
  'GET /v1/users/{id}': { path: '/v1/users/1', anonymous: 401, roles: onlyAdmin(200) },
  'PATCH /v1/users/{id}': { path: '/v1/users/1', body: {}, anonymous: 401, roles: onlyAdmin(400) },
  'GET /v1/cells': { path: '/v1/cells', anonymous: 401, roles: every(200) },
  'POST /v1/cells/import': { path: '/v1/cells/import', body: { type: 'FeatureCollection', features: [] }, anonymous: 401, roles: onlyAdmin(400) },
  // The point lies outside the seeded cells: reaching the handler answers 404.
  'GET /v1/cells/locate': { path: '/v1/cells/locate?lon=116.4&lat=39.9', anonymous: 401, roles: every(404) },
  'GET /v1/cells/{code}': { path: '/v1/cells/110101001001001', anonymous: 401, roles: every(200) },
  'GET /v1/categories': { path: '/v1/categories', anonymous: 401, roles: every(200) },
  // No categories are seeded: reads reach the handler and answer 404; empty bodies 400.
  'POST /v1/categories': { path: '/v1/categories', body: {}, anonymous: 401, roles: onlyAdmin(400) },
  'GET /v1/categories/{name}': { path: '/v1/categories/event:0102', anonymous: 401, roles: every(404) },
  'PATCH /v1/categories/{name}': { path: '/v1/categories/event:0102', body: {}, anonymous: 401, roles: onlyAdmin(400) },
  'DELETE /v1/categories/{name}': { path: '/v1/categories/event:0102', anonymous: 401, roles: onlyAdmin(404) },
  'GET /v1/units': { path: '/v1/units', anonymous: 401, roles: every(200) },
  'POST /v1/units': { path: '/v1/units', body: {}, anonymous: 401, roles: onlyAdmin(400) },
  'GET /v1/units/{id}': { path: '/v1/units/1', anonymous: 401, roles: every(200) },
  'PATCH /v1/units/{id}': { path: '/v1/units/1', body: {}, anonymous: 401, roles: onlyAdmin(400) },
  'GET /v1/campaigns': { path: '/v1/campaigns', anonymous: 401, roles: every(200) },
  'GET /v1/campaigns/{code}': { path: '/v1/campaigns/none-yet', anonymous: 401, roles: every(404) },
  'PUT /v1/campaigns/{code}': { path: '/v1/campaigns/none-yet', body: {}, anonymous: 401, roles: onlyAdmin(400) },
  // The body is incomplete: reaching the handler answers 400.
  'POST /v1/reports': { path: '/v1/reports', body: {}, anonymous: 401, roles: { ...every(403), grid_worker: 400, dispatcher: 400 } },
  'GET /v1/reports': { path: '/v1/reports', anonymous: 401, roles: every(200) },
  'GET /v1/reports/{id}': { path: '/v1/reports/00000000-0000-4000-8000-000000000000', anonymous: 401, roles: every(404) },
  'POST /v1/reports/{id}/photos': { path: '/v1/reports/00000000-0000-4000-8000-000000000000/photos', body: {}, anonymous: 401, roles: { ...every(403), grid_worker: 415, dispatcher: 415 } },
  'GET /v1/photos/{sha256}': { path: `/v1/photos/${'0'.repeat(64)}`, anonymous: 401, roles: every(404) },
  // No case exists in the authz city: every role that may act reaches the lookup (404).
  'GET /v1/events': { path: '/v1/events', stream: true, anonymous: 401, roles: every(200) },
  'GET /v1/notifications': { path: '/v1/notifications', anonymous: 401, roles: every(200) },
  'POST /v1/notifications/read': { path: '/v1/notifications/read', body: {}, anonymous: 401, roles: every(400) },
  'GET /v1/cases': { path: '/v1/cases', anonymous: 401, roles: every(200) },
  'GET /v1/cases/{id}': { path: '/v1/cases/1', anonymous: 401, roles: every(404) },
  'POST /v1/cases/{id}/photos': { path: '/v1/cases/1/photos?kind=after', body: {}, anonymous: 401, roles: every(415) },
  'GET /v1/cases/{id}/audit': { path: '/v1/cases/1/audit', anonymous: 401, roles: every(404) },
  'GET /v1/cases/{id}/events': { path: '/v1/cases/1/events', anonymous: 401, roles: every(404) },
  'POST /v1/cases/{id}/{action}': { path: '/v1/cases/1/comment', body: { text: '看看' }, anonymous: 401, roles: every(404) },
  'GET /v1/calendar/settings': { path: '/v1/calendar/settings', anonymous: 401, roles: every(200) },
  'PUT /v1/calendar/settings': { path: '/v1/calendar/settings', body: {}, anonymous: 401, roles: onlyAdmin(400) },
  'GET /v1/calendar/{year}': { path: '/v1/calendar/2026', anonymous: 401, roles: every(200) },
  'PUT /v1/calendar/{year}': { path: '/v1/calendar/2026', body: { exceptions: 'none' }, anonymous: 401, roles: onlyAdmin(400) },
  'GET /v1/deadline': { path: '/v1/deadline?start=2026-10-08T09:00:00%2B08:00&amount=1&unit=working_hours', anonymous: 401, roles: every(200) },
  'GET /v1/routing/resolve': { path: '/v1/routing/resolve?category=event:0102&cell=110101001001001', anonymous: 401, roles: every(404) },
  'GET /v1/routing/rules': { path: '/v1/routing/rules', anonymous: 401, roles: every(200) },
  'POST /v1/routing/rules': { path: '/v1/routing/rules', body: {}, anonymous: 401, roles: onlyAdmin(400) },
  'DELETE /v1/routing/rules/{id}': { path: '/v1/routing/rules/999999', anonymous: 401, roles: onlyAdmin(404) },
  // Statistics: everyone but grid workers, each within their scope.
  'GET /v1/stats/closure': { path: '/v1/stats/closure?month=2025-03', anonymous: 401, roles: { ...every(200), grid_worker: 403 } },
  'GET /v1/stats/timeseries': { path: '/v1/stats/timeseries?month=2025-03', anonymous: 401, roles: { ...every(200), grid_worker: 403 } },
  'GET /v1/stats/settings': { path: '/v1/stats/settings', anonymous: 401, roles: { ...every(200), grid_worker: 403 } },
  'PUT /v1/stats/settings': { path: '/v1/stats/settings', body: {}, anonymous: 401, roles: onlyAdmin(400) },
  'GET /v1/assessments/{month}': { path: '/v1/assessments/2025-03', anonymous: 401, roles: { ...every(200), grid_worker: 403 } },
  // An impossible month: those who may publish reach the check (400).
  // The case ledger is for everyone in scope; the statistics files not for grid workers.
  'GET /v1/exports/{name}': { path: '/v1/exports/closure.csv?month=2025-03', anonymous: 401, roles: { ...every(200), grid_worker: 403 } },
  'POST /v1/assessments/{month}/publish': { path: '/v1/assessments/2025-13/publish', anonymous: 401, roles: { ...every(403), supervisor: 400, admin: 400 } },
  // Every role has its own downloads panel; no job exists, and another's would be 404 too.
  'GET /v1/exports/jobs': { path: '/v1/exports/jobs', anonymous: 401, roles: every(200) },
  'GET /v1/exports/jobs/{id}': { path: '/v1/exports/jobs/1', anonymous: 401, roles: every(404) },
};

let g;
const tokens = {};
before(async () => {
  const dbUrl = await createDatabase('authz');
  await migrate(dbUrl);
  await seedCity(psql, dbUrl);
  const accounts = {
    admin: { login: 'admin', role: 'admin' },
    dispatcher: { login: 'dispatcher1', role: 'dispatcher', area: '110101' },
    supervisor: { login: 'supervisor1', role: 'supervisor' },
    unit_staff: { login: 'unit1', role: 'unit_staff', unit: 1 },
    grid_worker: { login: 'worker1', role: 'grid_worker', cells: ['110101001001001'] },
  };
  for (const a of Object.values(accounts)) await useradd(dbUrl, a);
  g = await startGridd({ dbUrl });
  for (const [role, a] of Object.entries(accounts)) tokens[role] = (await login(g.base, a.login)).access_token;
});
after(async () => { await g?.stop(); });

test('every route has a row in the authorization matrix, and every row a route', () => {
  const routes = JSON.parse(execFileSync(process.env.GRIDD_BIN, ['routes'], { encoding: 'utf8' }));
  const served = routes.map((r) => `${r.method} ${r.pattern}`).sort();
  assert.deepEqual(Object.keys(matrix).sort(), served);
});

for (const [route, row] of Object.entries(matrix)) {
  test(`${route}: each role gets what the policy says`, async () => {
    const method = route.split(' ')[0];
    const got = {};
    const want = { anonymous: row.anonymous, ...row.roles };
    for (const who of ['anonymous', ...ROLES]) {
      const res = await client(g.base, who === 'anonymous' ? null : tokens[who])(method, row.path, row.body);
      if (row.stream) await res.body?.cancel(); // an event stream never ends by itself
      else await res.arrayBuffer();
      got[who] = res.status;
    }
    assert.deepEqual(got, want);
  });
}
