// Bad input of every kind gets a clear 4xx problem answer, and the server
// keeps serving afterwards. One gridd (with the test-only routes) for the file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createDatabase, migrate, startGridd, rawRequest, expectProblem } from './lib/harness.mjs';

let g;

before(async () => {
  const dbUrl = await createDatabase('limits');
  await migrate(dbUrl);
  g = await startGridd({ dbUrl, env: { GRIDD_TEST_ROUTES: '1' } });
});
after(async () => { await g?.stop(); });

const problem = (res, status) => expectProblem(res, status, assert);

function echo(body, contentType = 'application/json') {
  return fetch(`${g.base}/v1/echo`, { method: 'POST', headers: { 'content-type': contentType }, body });
}

// A raw request with a body; the Content-Length is computed from the bytes.
function rawPost(path, body, headers = {}) {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  const head = [`POST ${path} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close',
    `Content-Length: ${bytes.length}`,
    ...Object.entries({ 'Content-Type': 'application/json', ...headers }).map(([k, v]) => `${k}: ${v}`)];
  return rawRequest(g.port, Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1'), bytes]));
}

const nested = (depth) => '['.repeat(depth) + ']'.repeat(depth);

test('unknown route: 404 problem', async () => {
  await problem(await fetch(`${g.base}/v1/nope`), 404);
});

test('known path, wrong method: 405 problem with Allow', async () => {
  const res = await fetch(`${g.base}/healthz`, { method: 'DELETE' });
  await problem(res, 405);
  const allow = (res.headers.get('allow') ?? '').split(',').map((m) => m.trim());
  assert.ok(allow.includes('GET'), `Allow: ${res.headers.get('allow')}`);
  assert.ok(!allow.includes('DELETE'));
});

test('valid JSON object is echoed back: 200', async () => {
  const value = { a: 1, b: [true, null, 'x'], c: { d: '网格 ✓' }, e: -2.5 };
  const res = await echo(JSON.stringify(value));
  assert.equal(res.status, 200);
  assert.equal((res.headers.get('content-type') ?? '').split(';')[0], 'application/json');
  assert.ok(res.headers.get('x-request-id'));
  assert.deepEqual(await res.json(), value);
});

test('body over the 256 KiB JSON limit: 413 problem', async () => {
  const big = JSON.stringify({ s: 'x'.repeat(300 * 1024) });
  assert.ok(Buffer.byteLength(big) > 256 * 1024);
  await problem(await echo(big), 413);
});

test('a body just under the limit is accepted', async () => {
  const value = { s: 'y'.repeat(256 * 1024 - 100) };
  const res = await echo(JSON.stringify(value));
  assert.equal(res.status, 200);
  assert.equal((await res.json()).s.length, value.s.length);
});

test('malformed JSON: 400 problem', async () => {
  await problem(await echo('{"a":'), 400);
  await problem(await echo('{a: 1}'), 400);
  await problem(await echo(''), 400);
});

test('duplicate keys: 400 problem', async () => {
  await problem(await echo('{"a":1,"a":2}'), 400);
  await problem(await echo('{"x":{"b":1,"b":1}}'), 400);
});

test('invalid UTF-8 inside a JSON string: 400 problem', async () => {
  const body = Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
  const res = await rawPost('/v1/echo', body);
  await problem(res, 400);
});

test('nesting depth 33 is refused (400), depth 32 is accepted (200)', async () => {
  await problem(await echo(nested(33)), 400);
  const res = await echo(nested(32));
  assert.equal(res.status, 200);
  let v = await res.json();
  let depth = 0;
  while (Array.isArray(v)) { depth++; v = v[0]; }
  assert.equal(depth, 32);
});

test('a body that is not JSON by its Content-Type: 415 problem', async () => {
  await problem(await echo('{"a":1}', 'text/plain'), 415);
});

test('headers above 16 KiB in total: 431 problem', async () => {
  const req = 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n' +
    `X-Big: ${'a'.repeat(20000)}\r\n\r\n`;
  const res = await rawRequest(g.port, req);
  await problem(res, 431);
});

test('a safe client X-Request-Id is echoed', async () => {
  const res = await fetch(`${g.base}/healthz`, { headers: { 'x-request-id': 'abc-123' } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('x-request-id'), 'abc-123');
  // Also on an error answer.
  const err = await fetch(`${g.base}/v1/nope`, { headers: { 'x-request-id': 'abc-123' } });
  assert.equal(err.headers.get('x-request-id'), 'abc-123');
  assert.equal((await problem(err, 404)).status, 404);
});

test('an unsafe client X-Request-Id is replaced by a generated one', async () => {
  for (const unsafe of ['x'.repeat(300), 'has spaces in it', 'semi;colon', '<script>']) {
    const res = await fetch(`${g.base}/healthz`, { headers: { 'x-request-id': unsafe } });
    await res.arrayBuffer();
    const id = res.headers.get('x-request-id');
    assert.ok(id && id.length > 0, `no X-Request-Id for ${unsafe.slice(0, 20)}`);
    assert.notEqual(id, unsafe);
    assert.ok(!id.includes(' ') && id.length <= 64, `generated id looks unsafe: ${id}`);
  }
  // Generated ids differ between requests.
  const a = (await fetch(`${g.base}/healthz`)).headers.get('x-request-id');
  const b = (await fetch(`${g.base}/healthz`)).headers.get('x-request-id');
  assert.ok(a && b && a !== b, `ids ${a} ${b}`);
});

test('GET /metrics: Prometheus text', async () => {
  const res = await fetch(`${g.base}/metrics`);
  assert.equal(res.status, 200);
  const type = res.headers.get('content-type') ?? '';
  assert.match(type, /^text\/plain/);
  assert.match(type, /version=0\.0\.4/);
  const text = await res.text();
  assert.match(text, /^gridd_http_requests_total\{/m);
  assert.match(text, /gridd_db_pool_connections/);
});

test('after all of that the server still answers /healthz 200', async () => {
  const res = await fetch(`${g.base}/healthz`);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { status: 'ok' });
  assert.ok(g.alive);
});
