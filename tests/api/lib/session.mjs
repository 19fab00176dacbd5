// Accounts and sessions for API tests: create users straight in the database
// with `gridd useradd`, log in through the API.
import { spawn } from 'node:child_process';
import assert from 'node:assert/strict';

export const PASSWORD = 'grid-tests-2026-pass';

/**
 * A minimal city for tests that do not load the demo: district 110101 with
 * one street and community, cells 110101001001001..003, and units 1..9.
 */
export async function seedCity(psql, dbUrl) {
  await psql(dbUrl, `
    INSERT INTO areas (code, name, level, parent_code) VALUES
      ('110101', '东城区', 'district', NULL), ('110101001', '东华门街道', 'street', '110101'),
      ('110101001001', '韶九社区', 'community', '110101001');
    INSERT INTO grid_cells (code, name, community_code, geom)
      SELECT '110101001001' || lpad(n::text, 3, '0'), '网格' || n, '110101001001',
             ST_Multi(ST_MakeEnvelope(116.4 + n * 0.001, 39.91, 116.401 + n * 0.001, 39.911, 4326))
      FROM generate_series(1, 3) n;
    INSERT INTO units (id, code, name) SELECT n, 'unit' || n, '单位' || n FROM generate_series(1, 9) n;
    SELECT setval(pg_get_serial_sequence('units', 'id'), 9);`);
}

/** Creates an account with gridd useradd (password on stdin); returns its id. */
export function useradd(dbUrl, { login, role, name, unit, area, cells = [] }, password = PASSWORD) {
  const args = ['useradd', '--login', login, '--role', role];
  if (name) args.push('--name', name);
  if (unit) args.push('--unit', String(unit));
  if (area) args.push('--area', area);
  for (const c of cells) args.push('--cell', c);
  return new Promise((resolve, reject) => {
    const p = spawn(process.env.GRIDD_BIN, args, { env: { ...process.env, GRIDD_DB_URL: dbUrl } });
    let out = '', err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    p.on('exit', (code) => code === 0
      ? resolve(Number(out.match(/id (\d+)/)[1]))
      : reject(new Error(`useradd ${login}: ${err}`)));
    p.stdin.end(`${password}\n`);
  });
}

export async function login(base, loginName, password = PASSWORD) {
  const res = await fetch(`${base}/v1/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login: loginName, password }),
  });
  assert.equal(res.status, 200, `login ${loginName}: ${res.status} ${await res.clone().text()}`);
  return res.json();
}

/** fetch with a Bearer token and JSON body helpers. */
export function client(base, token) {
  return async (method, path, body) => fetch(`${base}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
}
