// Test harness for the API tests: real PostgreSQL clusters, real gridd processes.
//
// deploy/local.sh test exports:
//   GRIDD_BIN          the gridd binary under test
//   GRIDD_ROOT         the project directory
//   GRIDD_PGCLUSTER    deploy/pgcluster.sh
//   GRIDD_TEST_PGDIR, GRIDD_TEST_PGPORT, GRIDD_TEST_PGHOST   the shared test cluster
// Without the last three, the first createDatabase() makes a private cluster
// for this test file and removes it when the process exits.
//
// Every gridd and every cluster started here is also stopped by an exit hook,
// so a failing or forgotten test leaves nothing behind. gridd's output is kept
// in memory and printed when the test file fails (or always with
// GRIDD_TEST_VERBOSE=1).
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after } from 'node:test';
import net from 'node:net';

const here = dirname(fileURLToPath(import.meta.url));
export const ROOT = process.env.GRIDD_ROOT ?? resolve(here, '..', '..', '..');
export const GRIDD_BIN = process.env.GRIDD_BIN ?? join(ROOT, 'build', 'server', 'gridd');
export const PGCLUSTER = process.env.GRIDD_PGCLUSTER ?? join(ROOT, 'deploy', 'pgcluster.sh');
const PGUSER = process.env.GRIDD_TEST_PGUSER ?? 'gridd';
const PSQL = existsSync('/usr/lib/postgresql/15/bin/psql') ? '/usr/lib/postgresql/15/bin/psql' : 'psql';
const VERBOSE = process.env.GRIDD_TEST_VERBOSE === '1';

// ------------------------------------------------------------ processes ---

/** Runs a command to completion; resolves { code, signal, stdout, stderr }. */
export function run(cmd, args, { env = process.env, input } = {}) {
  return new Promise((resolveRun, reject) => {
    const p = spawn(cmd, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.setEncoding('utf8').on('data', (d) => { stdout += d; });
    p.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; });
    p.on('error', reject);
    p.on('close', (code, signal) => resolveRun({ code, signal, stdout, stderr }));
    p.stdin.on('error', () => {});
    p.stdin.end(input ?? '');
  });
}

async function runOk(cmd, args, opts) {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited with ${r.code ?? r.signal}\n${r.stderr}${r.stdout}`);
  }
  return r;
}

// ------------------------------------------------------------- clusters ---

const clusters = new Set();   // directories to destroy at exit
let counter = 0;

function uniqueName(prefix) {
  const clean = String(prefix ?? 'db').toLowerCase().replace(/[^a-z0-9_]/g, '_').replace(/^[^a-z_]/, 't_').slice(0, 30);
  const rand = Math.random().toString(36).slice(2, 8);
  return `${clean}_${process.pid}_${++counter}_${rand}`.slice(0, 63);
}

function conninfo(host, port, dbname) {
  const q = (v) => (/^[A-Za-z0-9_./:-]+$/.test(v) ? v : `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`);
  return `host=${q(host)} port=${port} dbname=${q(dbname)} user=${PGUSER}`;
}

async function clusterEnv(dir, port) {
  const r = await runOk(PGCLUSTER, ['env', dir, String(port)]);
  const host = /GRIDD_PGHOST='([^']*)'/.exec(r.stdout)?.[1];
  if (!host) throw new Error(`pgcluster.sh env printed no GRIDD_PGHOST:\n${r.stdout}`);
  return host;
}

// Ports here only name the unix socket (the clusters have no TCP listener), and
// each cluster has its own socket directory, so any port will do.
function randomPgPort() { return 20000 + Math.floor(Math.random() * 20000); }

/**
 * A private throw-away cluster (own directory, own socket), for tests that stop
 * and start PostgreSQL. Database `gridd` exists in it.
 */
export async function createCluster() {
  const dir = mkdtempSync(join(tmpdir(), 'gridd-pg-'));
  clusters.add(dir);
  const port = randomPgPort();
  try {
    await runOk(PGCLUSTER, ['init', dir, String(port)]);
    await runOk(PGCLUSTER, ['start', dir, String(port)]);
    await runOk(PGCLUSTER, ['createdb', dir, String(port), 'gridd']);
  } catch (e) {
    await destroyCluster(dir);
    throw e;
  }
  const host = await clusterEnv(dir, port);
  return {
    dir,
    port,
    host,
    dbUrl: conninfo(host, port, 'gridd'),
    async stop() { await runOk(PGCLUSTER, ['stop', dir]); },
    async start() { await runOk(PGCLUSTER, ['start', dir, String(port)]); },
    async destroy() { await destroyCluster(dir); },
  };
}

async function destroyCluster(dir) {
  await run(PGCLUSTER, ['destroy', dir]);
  rmSync(dir, { recursive: true, force: true });
  clusters.delete(dir);
}

let shared = null;   // { dir, port, host } of the cluster createDatabase uses

async function sharedCluster() {
  if (shared) return shared;
  const { GRIDD_TEST_PGDIR: dir, GRIDD_TEST_PGPORT: port, GRIDD_TEST_PGHOST: host } = process.env;
  if (dir && port) {
    shared = { dir, port, host: host || await clusterEnv(dir, port) };
  } else {
    const c = await createCluster();   // running outside deploy/local.sh test
    shared = { dir: c.dir, port: c.port, host: c.host };
  }
  return shared;
}

/** Creates a fresh, uniquely named database in the shared test cluster; returns its conninfo. */
export async function createDatabase(prefix = 'test') {
  const c = await sharedCluster();
  const name = uniqueName(prefix);
  await runOk(PGCLUSTER, ['createdb', c.dir, String(c.port), name]);
  return conninfo(c.host, c.port, name);
}

/** Runs SQL with psql (-X -A -t -q, stop on the first error); returns stdout. */
export async function psql(dbUrl, sql) {
  const r = await run(PSQL, ['-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1', '-d', dbUrl, '-f', '-'],
    { input: sql });
  if (r.code !== 0) throw new Error(`psql failed (${r.code}): ${r.stderr}\nSQL: ${sql}`);
  return r.stdout;
}

// ---------------------------------------------------------------- gridd ---

const processes = new Set();   // live gridd handles
const allLogs = [];            // [{ name, logs }] of every gridd of this file

/** `gridd migrate` against dbUrl; throws with gridd's stderr when it fails. */
export async function migrate(dbUrl, env = {}) {
  const r = await run(GRIDD_BIN, ['migrate'], { env: griddEnv({ GRIDD_DB_URL: dbUrl, ...env }) });
  if (r.code !== 0) throw new Error(`gridd migrate exited with ${r.code ?? r.signal}:\n${r.stderr}${r.stdout}`);
  return r;
}

// The test runner's environment without gridd settings that could leak in.
// One photo directory per test process (GRIDD_PHOTO_DIR), removed at exit:
// gridd's default (var/photos under the working directory) is for real runs.
let photoDir = null;
export function testPhotoDir() {
  if (!photoDir) photoDir = mkdtempSync(join(tmpdir(), 'gridd-photos-'));
  return photoDir;
}

// Likewise one directory for background export files (GRIDD_EXPORT_DIR).
let exportDir = null;
export function testExportDir() {
  if (!exportDir) exportDir = mkdtempSync(join(tmpdir(), 'gridd-exports-'));
  return exportDir;
}

function griddEnv(extra) {
  const env = { GRIDD_PHOTO_DIR: testPhotoDir(), GRIDD_EXPORT_DIR: testExportDir() };
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('GRIDD_') && !/^GRIDD_(BIN|ROOT|PGCLUSTER|TEST_)/.test(k)) continue;
    env[k] = v;
  }
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = String(v);
  return env;
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort() {
  return new Promise((resolvePort, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolvePort(port));
    });
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts `gridd serve` on a free port and waits until GET /healthz answers 200.
 * Returns { base, port, proc, logs, stop(), kill(signal), exited, alive }:
 * stop() sends SIGTERM and resolves the exit code (or the signal's name when
 * killed), kill(signal) sends a signal and resolves the same, exited is that
 * promise, alive is true until the process has exited.
 * Reconnects are capped at 500 ms unless env says otherwise, so recovery
 * tests stay short.
 */
export async function startGridd({ dbUrl, env = {}, threads = 2, healthTries = 300 } = {}) {
  let lastError;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    try {
      return await spawnGridd({ dbUrl, env, threads, port, healthTries });
    } catch (e) {
      lastError = e;
      if (!e.portInUse) break;   // only a lost race for the port is worth another try
    }
  }
  throw lastError;
}

async function spawnGridd({ dbUrl, env, threads, port, healthTries }) {
  const logs = [];
  const name = `gridd :${port}`;
  allLogs.push({ name, logs });
  const proc = spawn(GRIDD_BIN, ['serve'], {
    env: griddEnv({
      GRIDD_LISTEN: `127.0.0.1:${port}`,
      GRIDD_DB_URL: dbUrl,
      GRIDD_THREADS: threads,
      GRIDD_LOG_LEVEL: 'info',
      GRIDD_DB_RECONNECT_MAX_MS: 500,
      ...env,
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const [stream, tag] of [[proc.stdout, 'out'], [proc.stderr, 'err']]) {
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (d) => {
      const lines = (partial + d).split('\n');
      partial = lines.pop();
      for (const l of lines) {
        logs.push(l);
        if (VERBOSE) process.stderr.write(`[${name} ${tag}] ${l}\n`);
      }
    });
    stream.on('end', () => { if (partial) logs.push(partial); partial = ''; });
  }
  let exited = null;   // { code, signal }
  const exitPromise = new Promise((resolveExit) => {
    const onExit = (code, signal) => {
      if (exited) return;
      exited = { code, signal };
      processes.delete(handle);
      resolveExit(code ?? signal);
    };
    proc.on('exit', onExit);
    // Could not be started at all (ENOENT, EACCES): there will be no 'exit'.
    proc.on('error', (e) => { if (proc.pid === undefined) onExit(null, e.code ?? 'spawn-error'); });
  });
  const spawnError = new Promise((_, reject) => proc.on('error', reject));
  spawnError.catch(() => {});

  const base = `http://127.0.0.1:${port}`;
  const handle = {
    base,
    port,
    proc,
    logs,
    /** SIGTERM, wait for the exit (SIGKILL after timeoutMs); resolves the exit code or signal name. */
    async stop({ timeoutMs = 30000 } = {}) {
      if (!exited) {
        proc.kill('SIGTERM');
        const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
        await exitPromise;
        clearTimeout(timer);
      }
      return exitPromise;
    },
    /** Sends a signal (default SIGKILL); resolves like stop() once the process has exited. */
    kill(signal = 'SIGKILL') {
      if (!exited) proc.kill(signal);
      return exitPromise;
    },
    exited: exitPromise,
    get alive() { return exited === null; },
  };
  processes.add(handle);

  for (let i = 0; i < healthTries; i++) {
    if (exited) break;
    try {
      const res = await Promise.race([
        fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2000) }),
        spawnError,
      ]);
      await res.arrayBuffer();
      if (res.status === 200) return handle;
    } catch (e) {
      if (e.code === 'ENOENT' || e.code === 'EACCES') throw new Error(`cannot run ${GRIDD_BIN}: ${e.message}`);
    }
    await sleep(50);
  }
  if (!exited) await handle.stop({ timeoutMs: 5000 });
  else await exitPromise;
  const text = logs.join('\n');
  const err = new Error(`gridd on port ${port} did not answer /healthz` +
    (exited ? ` (exited with ${exited.code ?? exited.signal})` : '') + `:\n${text}`);
  err.portInUse = /address already in use|EADDRINUSE/i.test(text);
  throw err;
}

// ---------------------------------------------------------------- polling ---

/**
 * Calls fn until it returns a truthy value (which is returned); an exception
 * counts as "not yet". Throws after `tries` attempts.
 */
export async function waitFor(fn, { tries = 100, intervalMs = 100, what } = {}) {
  let lastError;
  for (let i = 0; i < tries; i++) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      lastError = e;
    }
    if (i + 1 < tries) await sleep(intervalMs);
  }
  throw new Error(`waitFor: ${what ?? fn.toString().slice(0, 200)} not met after ${tries} tries` +
    (lastError ? ` (last error: ${lastError.message})` : ''));
}

/** fetch with a bounded wait (default 10 s), for polling loops. */
export function get(url, init = {}) {
  return fetch(url, { signal: AbortSignal.timeout(init.timeoutMs ?? 10000), ...init });
}

// -------------------------------------------------------------- raw HTTP ---

/**
 * Writes exactly the given bytes to 127.0.0.1:port (a Buffer, or a string whose
 * characters are all below U+0100, written one byte each; other strings as UTF-8),
 * then reads one response. Resolves { status, statusText, headers, body, bodyBuffer, raw }.
 * headers has lower-case names; repeated headers are joined with ", ".
 */
export function rawRequest(port, text, { timeoutMs = 10000 } = {}) {
  const bytes = Buffer.isBuffer(text) ? text
    // eslint-disable-next-line no-control-regex
    : (/^[\u0000-\u00ff]*$/.test(text) ? Buffer.from(text, 'latin1') : Buffer.from(text, 'utf8'));
  return new Promise((resolveRaw, reject) => {
    const chunks = [];
    let done = false;
    const socket = net.connect(port, '127.0.0.1');
    const finish = (err) => {
      if (done) return;
      const parsed = parseResponse(Buffer.concat(chunks));
      if (parsed && (parsed.complete || err !== undefined)) {
        done = true;
        clearTimeout(timer);
        socket.destroy();
        resolveRaw(parsed);
      } else if (err !== undefined) {
        done = true;
        clearTimeout(timer);
        socket.destroy();
        reject(err ?? new Error(`connection closed before a complete response:\n${Buffer.concat(chunks).toString('latin1')}`));
      }
    };
    const timer = setTimeout(() => finish(new Error(`rawRequest: no complete response within ${timeoutMs} ms`)), timeoutMs);
    socket.on('connect', () => socket.write(bytes));
    socket.on('data', (d) => { chunks.push(d); finish(); });
    socket.on('end', () => finish(null));
    socket.on('close', () => finish(null));
    socket.on('error', (e) => finish(e));
  });
}

// Parses one HTTP/1.x response; null while the header block is incomplete.
function parseResponse(buf) {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const head = buf.subarray(0, end).toString('latin1').split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3}) ?(.*)$/.exec(head[0]);
  if (!m) return null;
  const headers = {};
  for (const line of head.slice(1)) {
    const i = line.indexOf(':');
    if (i < 0) continue;
    const k = line.slice(0, i).trim().toLowerCase();
    const v = line.slice(i + 1).trim();
    headers[k] = k in headers ? `${headers[k]}, ${v}` : v;
  }
  let rest = buf.subarray(end + 4);
  let complete = false;
  let body = rest;
  if (headers['transfer-encoding']?.toLowerCase().includes('chunked')) {
    const parts = [];
    let off = 0;
    for (;;) {
      const nl = rest.indexOf('\r\n', off);
      if (nl < 0) break;
      const size = parseInt(rest.subarray(off, nl).toString('latin1'), 16);
      if (Number.isNaN(size)) break;
      if (size === 0) { complete = true; break; }
      if (rest.length < nl + 2 + size + 2) break;
      parts.push(rest.subarray(nl + 2, nl + 2 + size));
      off = nl + 2 + size + 2;
    }
    body = Buffer.concat(parts);
  } else if (headers['content-length'] !== undefined) {
    const len = Number(headers['content-length']);
    complete = rest.length >= len;
    body = rest.subarray(0, len);
  } else if (m[1].startsWith('1') || m[1] === '204' || m[1] === '304') {
    complete = true;
    body = Buffer.alloc(0);
  }
  return {
    status: Number(m[1]),
    statusText: m[2],
    headers,
    body: body.toString('utf8'),
    bodyBuffer: body,
    raw: buf,
    complete,
  };
}

// ------------------------------------------------------------- problems ---

/**
 * Checks an RFC 9457 answer: status, application/problem+json, a JSON body with
 * string `type` and `title` and `status` equal to the HTTP status, and an
 * X-Request-Id header. Takes a fetch Response or a rawRequest result; returns the body.
 */
export async function expectProblem(res, status, assert) {
  const a = assert ?? (await import('node:assert/strict')).default;
  const headerOf = (name) => (typeof res.headers?.get === 'function' ? res.headers.get(name) : res.headers[name]) ?? null;
  const text = typeof res.text === 'function' ? await res.text() : res.body;
  a.equal(res.status, status, `expected HTTP ${status}, got ${res.status}: ${text}`);
  a.equal((headerOf('content-type') ?? '').split(';')[0].trim(), 'application/problem+json',
    `content type of the ${status} answer`);
  a.ok(headerOf('x-request-id'), `X-Request-Id missing on the ${status} answer`);
  let body;
  try { body = JSON.parse(text); } catch { a.fail(`problem body is not JSON: ${text}`); }
  a.equal(typeof body.type, 'string', `problem.type: ${text}`);
  a.equal(typeof body.title, 'string', `problem.title: ${text}`);
  a.equal(body.status, status, `problem.status: ${text}`);
  return body;
}

// ------------------------------------------------------------- clean-up ---

// When the test file is done: stop what is still running, remove the clusters.
after(async () => {
  await Promise.all([...processes].map((h) => h.stop({ timeoutMs: 10000 }).catch(() => {})));
  for (const dir of [...clusters]) await destroyCluster(dir).catch(() => {});
});

// Safety net (a crash, Ctrl-C): kill and remove synchronously; print gridd's
// output when the file failed.
process.on('exit', (code) => {
  for (const h of processes) {
    try { h.proc.kill('SIGKILL'); } catch { /* gone */ }
  }
  if ((code !== 0 || process.exitCode > 0) && allLogs.length && !VERBOSE) {
    for (const { name, logs } of allLogs) {
      process.stderr.write(`\n----- ${name} output (${logs.length} lines) -----\n`);
      for (const l of logs.slice(-200)) process.stderr.write(`${l}\n`);
    }
  }
  for (const dir of clusters) {
    try { execFileSync(PGCLUSTER, ['destroy', dir], { stdio: 'ignore' }); } catch { /* best effort */ }
    try { rmSync(dir, { recursive: true, force: true }); } catch { /* best effort */ }
  }
  if (photoDir) try { rmSync(photoDir, { recursive: true, force: true }); } catch { /* best effort */ }
  if (exportDir) try { rmSync(exportDir, { recursive: true, force: true }); } catch { /* best effort */ }
});
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => process.exit(130));
}
