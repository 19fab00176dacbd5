// Checks real responses against proto/openapi.yaml (OpenAPI 3.1 = JSON Schema 2020-12).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import Ajv2020 from 'ajv/dist/2020.js';

const root = process.env.GRIDD_ROOT ?? join(import.meta.dirname, '..', '..', '..');
export const openapi = parse(readFileSync(join(root, 'proto', 'openapi.yaml'), 'utf8'));

const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addSchema({ $id: 'openapi', components: openapi.components });

function resolve(obj) {
  while (obj && obj.$ref) {
    const path = obj.$ref.replace(/^#\//, '').split('/');
    obj = path.reduce((o, k) => o[k], openapi);
  }
  return obj;
}

// Rewrites local refs so Ajv resolves them inside the registered document.
function schemaFor(schema) {
  const text = JSON.stringify(schema).replaceAll('"#/components/', '"openapi#/components/');
  return JSON.parse(text);
}

const validators = new Map();
function validator(schema) {
  const key = JSON.stringify(schema);
  if (!validators.has(key)) validators.set(key, ajv.compile(schemaFor(schema)));
  return validators.get(key);
}

/** Asserts that (method, path template, response) is documented and matches its schema. */
export async function assertMatchesContract(method, template, res, bodyText) {
  const op = openapi.paths?.[template]?.[method.toLowerCase()];
  assert.ok(op, `${method} ${template} is not in proto/openapi.yaml`);
  const documented = resolve(op.responses[String(res.status)]);
  assert.ok(documented, `${method} ${template}: status ${res.status} is not documented`);
  if (!documented.content) {
    assert.equal(bodyText, '', `${method} ${template} ${res.status}: no body is documented`);
    return;
  }
  for (const name of Object.keys(documented.headers ?? {}))
    assert.ok(res.headers.get(name) !== null, `${method} ${template} ${res.status}: header ${name} missing`);
  const type = (res.headers.get('content-type') ?? '').split(';')[0].trim();
  const media = documented.content?.[type];
  assert.ok(media, `${method} ${template} ${res.status}: content type ${type} is not documented`);
  if (type.endsWith('json')) {
    const validate = validator(media.schema);
    const body = JSON.parse(bodyText);
    assert.ok(validate(body), `${method} ${template} ${res.status}: ${ajv.errorsText(validate.errors)}\n${bodyText}`);
  }
}

/** Asserts a problem+json answer with the given status (and slug, if given). */
export async function assertProblem(res, status, slug) {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}`);
  assert.equal((res.headers.get('content-type') ?? '').split(';')[0], 'application/problem+json');
  assert.ok(res.headers.get('x-request-id'), 'X-Request-Id missing');
  const body = await res.json();
  const validate = validator({ $ref: '#/components/schemas/Problem' });
  assert.ok(validate(body), ajv.errorsText(validate.errors));
  assert.equal(body.status, status);
  if (slug) assert.equal(body.type, `urn:gridd:problem:${slug}`);
  if (status === 503) assert.match(res.headers.get('retry-after') ?? '', /^\d+$/, 'Retry-After missing on 503');
  return body;
}
