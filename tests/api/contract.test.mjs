// The contract in proto/openapi.yaml documents every route and real answers match it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createDatabase, migrate, startGridd } from './lib/harness.mjs';
import { openapi, assertMatchesContract } from './lib/contract.mjs';

let gridd;
before(async () => {
  const dbUrl = await createDatabase('contract');
  await migrate(dbUrl);
  gridd = await startGridd({ dbUrl });
});
after(async () => { await gridd?.stop(); });

test('every route of the server is documented, and nothing else is', () => {
  const routes = JSON.parse(execFileSync(process.env.GRIDD_BIN, ['routes'], { encoding: 'utf8' }));
  const served = new Set(routes.map((r) => `${r.method} ${r.pattern}`));
  const documented = new Set();
  for (const [path, ops] of Object.entries(openapi.paths))
    for (const method of Object.keys(ops))
      if (['get', 'post', 'put', 'patch', 'delete'].includes(method))
        documented.add(`${method.toUpperCase()} ${path}`);
  assert.deepEqual([...served].filter((r) => !documented.has(r)), [], 'routes missing from proto/openapi.yaml');
  assert.deepEqual([...documented].filter((r) => !served.has(r)), [], 'documented routes the server lacks');
  for (const r of routes) {
    const op = openapi.paths[r.pattern][r.method.toLowerCase()];
    assert.equal(op['x-gridd-action'], r.action, `${r.method} ${r.pattern}: x-gridd-action`);
  }
});

test('test-only routes stay out of the default route table', () => {
  const routes = JSON.parse(execFileSync(process.env.GRIDD_BIN, ['routes'], { encoding: 'utf8' }));
  assert.ok(!routes.some((r) => r.pattern.startsWith('/v1/test') || r.pattern === '/v1/echo'));
  const all = JSON.parse(execFileSync(process.env.GRIDD_BIN, ['routes', '--test-routes'], { encoding: 'utf8' }));
  assert.ok(all.some((r) => r.pattern === '/v1/echo'));
});

for (const path of ['/healthz', '/readyz', '/metrics']) {
  test(`GET ${path} answers as documented`, async () => {
    const res = await fetch(gridd.base + path);
    const text = await res.text();
    await assertMatchesContract('GET', path, res, text);
  });
}

test('the README lists exactly the settings the binary knows', async () => {
  const { readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const readme = readFileSync(join(process.env.GRIDD_ROOT, 'README.md'), 'utf8');
  const block = readme.split('<!-- config-table:begin -->\n')[1]?.split('<!-- config-table:end -->')[0];
  const table = execFileSync(process.env.GRIDD_BIN, ['help', 'config-markdown'], { encoding: 'utf8' });
  assert.equal(block, table, 'README config table is stale: paste `gridd help config-markdown`');
});
