// Accounts, sessions, throttling and revocation against the real daemon.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createDatabase, migrate, startGridd, psql } from './lib/harness.mjs';
import { assertProblem, assertMatchesContract } from './lib/contract.mjs';
import { useradd, login, client, seedCity, PASSWORD } from './lib/session.mjs';

let g, dbUrl, admin;
before(async () => {
  dbUrl = await createDatabase('identity');
  await migrate(dbUrl);
  await seedCity(psql, dbUrl);
  await useradd(dbUrl, { login: 'admin', role: 'admin', name: '管理员' });
  g = await startGridd({ dbUrl, env: { GRIDD_AUTH_LOGIN_MAX_FAILURES: '3', GRIDD_AUTH_LOGIN_WINDOW_S: '600',
    GRIDD_AUTH_JWT_SECRET: 'an-api-test-secret-of-at-least-32-bytes' } });
  admin = client(g.base, (await login(g.base, 'admin')).access_token);
});
after(async () => { await g?.stop(); });

test('login answers a session that matches the contract', async () => {
  const res = await fetch(`${g.base}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login: 'ADMIN', password: PASSWORD }) });
  const text = await res.text();
  await assertMatchesContract('POST', '/v1/auth/login', res, text);
  const s = JSON.parse(text);
  assert.equal(s.token_type, 'Bearer');
  assert.equal(s.expires_in, 900);
  assert.deepEqual(s.user, { id: 1, login: 'admin', display_name: '管理员', role: 'admin' });
  const header = JSON.parse(Buffer.from(s.access_token.split('.')[0], 'base64url'));
  assert.equal(header.alg, 'HS256');
  const claims = JSON.parse(Buffer.from(s.access_token.split('.')[1], 'base64url'));
  for (const c of ['sub', 'role', 'iat', 'exp', 'nbf', 'iss', 'aud', 'tv']) assert.ok(c in claims, c);
  assert.equal(claims.exp - claims.iat, 900);
});

test('wrong password and unknown login get the same 401', async () => {
  const a = await fetch(`${g.base}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login: 'admin', password: 'not-the-password' }) });
  const b = await fetch(`${g.base}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login: 'nobody-here', password: 'not-the-password' }) });
  const pa = await assertProblem(a, 401, 'unauthorized');
  const pb = await assertProblem(b, 401, 'unauthorized');
  assert.equal(pa.detail, pb.detail);
  await psql(dbUrl, 'DELETE FROM login_failures');
});

test('failed logins are throttled with 429 and Retry-After, and the password is never logged', async () => {
  await useradd(dbUrl, { login: 'victim', role: 'dispatcher' });
  for (let i = 0; i < 3; i++) {
    const r = await fetch(`${g.base}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ login: 'victim', password: `guess-number-${i}` }) });
    assert.equal(r.status, 401);
  }
  const blocked = await fetch(`${g.base}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login: 'victim', password: PASSWORD }) });
  await assertProblem(blocked, 429, 'too-many-requests');
  const wait = Number(blocked.headers.get('retry-after'));
  assert.ok(wait >= 1 && wait <= 600, `Retry-After ${wait}`);
  assert.ok(g.logs.some((l) => l.includes('login failed') && l.includes('victim')));
  assert.ok(!g.logs.some((l) => l.includes('guess-number')), 'a password reached the log');
  await psql(dbUrl, 'DELETE FROM login_failures');
});

test('failed logins are also counted per client address, across login names', async () => {
  for (const name of ['ghost-a', 'ghost-b', 'ghost-c']) {
    const r = await fetch(`${g.base}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ login: name, password: 'whatever-it-is' }) });
    assert.equal(r.status, 401);
  }
  // The fourth attempt from the same address is refused, even for a real account.
  const blocked = await fetch(`${g.base}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login: 'admin', password: PASSWORD }) });
  await assertProblem(blocked, 429, 'too-many-requests');
  await psql(dbUrl, 'DELETE FROM login_failures');
  assert.equal((await login(g.base, 'admin')).user.login, 'admin');
});

test('an expired refresh token is refused', async () => {
  const id = await useradd(dbUrl, { login: 'sleeper', role: 'supervisor' });
  const s = await login(g.base, 'sleeper');
  await psql(dbUrl, `UPDATE refresh_tokens SET expires_at = now() - interval '1 second' WHERE user_id = ${id}`);
  const res = await fetch(`${g.base}/v1/auth/refresh`, { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ refresh_token: s.refresh_token }) });
  const problem = await assertProblem(res, 401, 'unauthorized');
  assert.match(problem.detail, /expired or was revoked/);
});

test('refresh rotates; presenting a spent refresh token ends the whole family', async () => {
  await useradd(dbUrl, { login: 'rotator', role: 'supervisor' });
  const s1 = await login(g.base, 'rotator');
  const post = (path, body) => fetch(`${g.base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const r2 = await post('/v1/auth/refresh', { refresh_token: s1.refresh_token });
  assert.equal(r2.status, 200);
  const s2 = await r2.json();
  assert.notEqual(s2.refresh_token, s1.refresh_token);
  // The thief (or a stale tab) uses the old token again: everyone is logged out.
  await assertProblem(await post('/v1/auth/refresh', { refresh_token: s1.refresh_token }), 401, 'unauthorized');
  await assertProblem(await post('/v1/auth/refresh', { refresh_token: s2.refresh_token }), 401, 'unauthorized');
  // A fresh login works and starts a new family.
  const s3 = await login(g.base, 'rotator');
  assert.equal((await post('/v1/auth/refresh', { refresh_token: s3.refresh_token })).status, 200);
  await assertProblem(await post('/v1/auth/refresh', { refresh_token: 'x'.repeat(43) }), 401, 'unauthorized');
  await assertProblem(await post('/v1/auth/refresh', { refresh_token: 'short' }), 400, 'validation');
});

test('logout ends the session; logout all ends every session and access token', async () => {
  await useradd(dbUrl, { login: 'leaver', role: 'dispatcher' });
  const post = (path, body) => fetch(`${g.base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const a = await login(g.base, 'leaver');
  const b = await login(g.base, 'leaver');
  assert.equal((await post('/v1/auth/logout', { refresh_token: a.refresh_token })).status, 204);
  assert.equal((await post('/v1/auth/refresh', { refresh_token: a.refresh_token })).status, 401);
  assert.equal((await client(g.base, b.access_token)('GET', '/v1/me')).status, 200);
  assert.equal((await post('/v1/auth/logout', { refresh_token: b.refresh_token, all: true })).status, 204);
  await assertProblem(await client(g.base, b.access_token)('GET', '/v1/me'), 401, 'unauthorized');
});

test('deactivation takes effect at once', async () => {
  const id = await useradd(dbUrl, { login: 'worker9', role: 'grid_worker', cells: ['110101001001001'] });
  const s = await login(g.base, 'worker9');
  const me = client(g.base, s.access_token);
  assert.deepEqual(await (await me('GET', '/v1/me')).json(),
    { id, login: 'worker9', display_name: 'worker9', role: 'grid_worker', cells: ['110101001001001'] });
  assert.equal((await admin('PATCH', `/v1/users/${id}`, { active: false })).status, 200);
  await assertProblem(await me('GET', '/v1/me'), 401, 'unauthorized');
  const again = await fetch(`${g.base}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login: 'worker9', password: PASSWORD }) });
  assert.equal(again.status, 401);
  await psql(dbUrl, 'DELETE FROM login_failures');
});

test('a password change ends old tokens and gives this device a new session', async () => {
  await useradd(dbUrl, { login: 'changer', role: 'unit_staff', unit: 7 });
  const old = await login(g.base, 'changer');
  const me = client(g.base, old.access_token);
  const weak = await me('POST', '/v1/me/password', { current_password: PASSWORD, new_password: 'qwertyuiop' });
  const problem = await assertProblem(weak, 400, 'validation');
  assert.equal(problem.errors[0].pointer, '/new_password');
  const wrong = await me('POST', '/v1/me/password', { current_password: 'not-mine-at-all', new_password: 'a-much-better-one-2026' });
  await assertProblem(wrong, 400, 'validation');
  const ok = await me('POST', '/v1/me/password', { current_password: PASSWORD, new_password: 'a-much-better-one-2026' });
  assert.equal(ok.status, 200);
  const fresh = await ok.json();
  await assertProblem(await me('GET', '/v1/me'), 401, 'unauthorized');
  assert.equal((await fetch(`${g.base}/v1/auth/refresh`, { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ refresh_token: old.refresh_token }) })).status, 401);
  const now = await client(g.base, fresh.access_token)('GET', '/v1/me');
  assert.deepEqual((await now.json()).unit_id, 7);
  await login(g.base, 'changer', 'a-much-better-one-2026');
  await psql(dbUrl, 'DELETE FROM login_failures');
});

test('admins create, list, read and change accounts; others may not', async () => {
  const created = await admin('POST', '/v1/users', { login: 'disp2', display_name: '派遣员二', role: 'dispatcher',
    password: 'dispatch-all-the-cases', area_code: '110101' });
  assert.equal(created.status, 201);
  const u = await created.json();
  assert.equal(created.headers.get('location'), `/v1/users/${u.id}`);
  assert.equal(u.area, '110101');
  await assertMatchesContract('POST', '/v1/users', created, JSON.stringify(u));
  await assertProblem(await admin('POST', '/v1/users', { login: 'disp2', display_name: 'x', role: 'dispatcher', password: 'dispatch-all-the-cases' }), 409, 'conflict');
  const bad = await assertProblem(await admin('POST', '/v1/users', { login: 'x', role: 'king', password: '123', extra: 1 }), 400, 'validation');
  const pointers = bad.errors.map((e) => e.pointer).sort();
  assert.deepEqual(pointers, ['/display_name', '/extra', '/login', '/password', '/role']);
  await assertProblem(await admin('POST', '/v1/users', { login: 'staff0', display_name: 's', role: 'unit_staff', password: 'dispatch-all-the-cases' }), 400, 'validation');
  // Scope links must name things that exist.
  await assertProblem(await admin('POST', '/v1/users', { login: 'staff1', display_name: 's', role: 'unit_staff', unit_id: 999, password: 'dispatch-all-the-cases' }), 400, 'validation');
  await assertProblem(await admin('POST', '/v1/users', { login: 'walker', display_name: 'w', role: 'grid_worker', cells: ['110101009009009'], password: 'dispatch-all-the-cases' }), 400, 'validation');
  await assertProblem(await admin('POST', '/v1/users', { login: 'far', display_name: 'f', role: 'dispatcher', area_code: '650101', password: 'dispatch-all-the-cases' }), 400, 'validation');

  const page1 = await (await admin('GET', '/v1/users?limit=2')).json();
  assert.equal(page1.items.length, 2);
  const page2 = await (await admin('GET', `/v1/users?limit=2&after=${page1.next}`)).json();
  assert.ok(page2.items[0].id > page1.items[1].id);
  const dispatchers = await (await admin('GET', '/v1/users?role=dispatcher&limit=200')).json();
  assert.ok(dispatchers.items.every((x) => x.role === 'dispatcher'));
  await assertProblem(await admin('GET', '/v1/users?limit=0'), 400, 'validation');
  // `next` is null exactly when nothing follows, also when the last page is full.
  const everyone = await (await admin('GET', '/v1/users?limit=200')).json();
  assert.equal(everyone.next, null);
  const n = everyone.items.length;
  assert.equal((await (await admin('GET', `/v1/users?limit=${n}`)).json()).next, null);
  const short = await (await admin('GET', `/v1/users?limit=${n - 1}`)).json();
  assert.equal(short.items.length, n - 1);
  const rest = await (await admin('GET', `/v1/users?limit=${n - 1}&after=${short.next}`)).json();
  assert.deepEqual(rest.items.map((u) => u.id), [everyone.items[n - 1].id]);
  assert.equal(rest.next, null);

  const changed = await admin('PATCH', `/v1/users/${u.id}`, { display_name: '派遣员贰', area_code: null });
  assert.equal(changed.status, 200);
  const after = await changed.json();
  assert.equal(after.display_name, '派遣员贰');
  assert.equal(after.area, null);
  await assertProblem(await admin('PATCH', '/v1/users/999999', { display_name: 'x' }), 404, 'not-found');
  await assertProblem(await admin('GET', '/v1/users/abc'), 404, 'not-found');
  await assertProblem(await admin('PATCH', `/v1/users/${u.id}`, { login: 'renamed' }), 400, 'validation');

  const d = client(g.base, (await login(g.base, 'disp2', 'dispatch-all-the-cases')).access_token);
  await assertProblem(await d('GET', '/v1/users'), 403, 'forbidden');
  await assertProblem(await d('POST', '/v1/users', {}), 403, 'forbidden');
});

test('tokens that are forged, expired or from another key are refused', async () => {
  const s = await login(g.base, 'admin');
  const [h, p] = s.access_token.split('.');
  const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${p}.`;
  const claims = JSON.parse(Buffer.from(p, 'base64url'));
  claims.role = 'admin'; claims.sub = '999';
  const tampered = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s.access_token.split('.')[2]}`;
  for (const bad of [none, tampered, 'garbage', `${s.access_token}x`]) {
    const r = await client(g.base, bad)('GET', '/v1/me');
    await assertProblem(r, 401, 'unauthorized');
    assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer /);
  }
});

test('ES256 keys from files sign tokens; an HS256 token made with the public key is refused', async () => {
  const { mkdtempSync, readFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { execFileSync } = await import('node:child_process');
  const { createHmac } = await import('node:crypto');
  const dir = mkdtempSync(join(tmpdir(), 'gridd-es256-'));
  try {
    execFileSync('openssl', ['ecparam', '-genkey', '-name', 'prime256v1', '-noout', '-out', join(dir, 'key.pem')]);
    execFileSync('openssl', ['ec', '-in', join(dir, 'key.pem'), '-pubout', '-out', join(dir, 'pub.pem')], { stdio: 'ignore' });
    const es = await startGridd({ dbUrl, env: { GRIDD_AUTH_JWT_ALG: 'ES256',
      GRIDD_AUTH_JWT_PRIVATE_KEY_FILE: join(dir, 'key.pem'), GRIDD_AUTH_JWT_PUBLIC_KEY_FILE: join(dir, 'pub.pem') } });
    try {
      const s = await login(es.base, 'admin');
      assert.equal(JSON.parse(Buffer.from(s.access_token.split('.')[0], 'base64url')).alg, 'ES256');
      assert.equal((await client(es.base, s.access_token)('GET', '/v1/me')).status, 200);
      const payload = s.access_token.split('.')[1];
      const header = Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url');
      const sig = createHmac('sha256', readFileSync(join(dir, 'pub.pem'))).update(`${header}.${payload}`).digest('base64url');
      await assertProblem(await client(es.base, `${header}.${payload}.${sig}`)('GET', '/v1/me'), 401, 'unauthorized');
      // A token of the HS256 instance means nothing here.
      const hs = await login(g.base, 'admin');
      await assertProblem(await client(es.base, hs.access_token)('GET', '/v1/me'), 401, 'unauthorized');
    } finally {
      await es.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('gridd demo creates one account per role, once', async () => {
  const demoDb = await createDatabase('demo');
  await migrate(demoDb);
  const { execFileSync } = await import('node:child_process');
  const env = { ...process.env, GRIDD_DB_URL: demoDb, GRIDD_DEMO_PASSWORD: 'demo-accounts-2026' };
  assert.match(execFileSync(process.env.GRIDD_BIN, ['demo'], { env, encoding: 'utf8' }), /9 created/);
  assert.match(execFileSync(process.env.GRIDD_BIN, ['demo'], { env, encoding: 'utf8' }), /0 created, 9 already there/);
  const roles = (await psql(demoDb, "SELECT string_agg(login || ':' || role, ',' ORDER BY login) FROM users WHERE login IN ('admin','dispatcher1','supervisor1','unit1','worker1')")).trim();
  assert.equal(roles, 'admin:admin,dispatcher1:dispatcher,supervisor1:supervisor,unit1:unit_staff,worker1:grid_worker');
  const d = await startGridd({ dbUrl: demoDb });
  try {
    const s = await login(d.base, 'worker1', 'demo-accounts-2026');
    assert.deepEqual(s.user.cells, ['110101001001001', '110101001001002', '110101001001003']);
  } finally {
    await d.stop();
  }
});
