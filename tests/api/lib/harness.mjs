// Test harness: databases in the test cluster that deploy/local.sh test started
// (GRIDD_TEST_PGHOST / GRIDD_TEST_PGPORT), gridd processes on free ports, and
// small helpers. Every process started here is stopped when the test file ends.
import { spawn, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import net from 'node:net';
import { after } from 'node:test';

const exec = promisify(execFile);
const BIN = process.env.GRIDD_BIN;
const PGHOST = process.env.GRIDD_TEST_PGHOST;
const PGPORT = process.env.GRIDD_TEST_PGPORT;
const PGUSER = process.env.GRIDD_TEST_PGUSER ?? 'gridd';
if (!BIN || !PGHOST || !PGPORT) throw new Error('run through deploy/local.sh test (GRIDD_BIN, GRIDD_TEST_PGHOST, GRIDD_TEST_PGPORT)');

const running = new Set();
after(async () => { for (const g of running) await g.stop().catch(() => {}); });

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls fn until it returns truthy; throws after `tries` attempts. */
export async function waitFor(fn, { tries = 200, intervalMs = 50 } = {}) {
  let last;
  for (let i = 0; i < tries; i++) {
    try { if (await fn()) return; } catch (e) { last = e; }
    await sleep(intervalMs);
  }
  throw new Error(`condition not met after ${tries} tries${last ? `: ${last.message}` : ''}`);
}

export async function psql(dbUrl, sql) {
  const { stdout } = await exec('psql', ['-X', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-d', dbUrl, '-c', sql]);
  return stdout;
}

let counter = 0;
/** A fresh empty database in the test cluster; returns its conninfo. */
export async function createDatabase(prefix = 'test') {
  const name = `${prefix}_${process.pid}_${++counter}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  const admin = `host=${PGHOST} port=${PGPORT} user=${PGUSER} dbname=postgres`;
  await psql(admin, `CREATE DATABASE ${name}`);
  return `host=${PGHOST} port=${PGPORT} user=${PGUSER} dbname=${name}`;
}

export async function migrate(dbUrl) {
  try {
    await exec(BIN, ['migrate'], { env: { ...process.env, GRIDD_DB_URL: dbUrl } });
  } catch (e) {
    throw new Error(`gridd migrate failed: ${e.stderr}`);
  }
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

/** Starts gridd serve; resolves once /healthz answers. */
export async function startGridd({ dbUrl, env = {}, threads = 2 } = {}) {
  const port = await freePort();
  const logs = [];
  const proc = spawn(BIN, ['serve'], {
    env: { ...process.env, GRIDD_LISTEN: `127.0.0.1:${port}`, GRIDD_DB_URL: dbUrl, GRIDD_THREADS: String(threads),
      GRIDD_LOG_LEVEL: 'info', GRIDD_DB_RECONNECT_MAX_MS: '500', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const collect = (d) => {
    for (const line of d.toString().split('\n')) if (line) {
      logs.push(line);
      if (process.env.GRIDD_TEST_VERBOSE) console.error(`[gridd:${port}] ${line}`);
    }
  };
  proc.stdout.on('data', collect);
  proc.stderr.on('data', collect);
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve(code ?? signal)));
  const base = `http://127.0.0.1:${port}`;
  const g = {
    base, port, proc, logs, exited,
    async stop() {
      running.delete(g);
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      return exited;
    },
    kill(signal = 'SIGKILL') { running.delete(g); proc.kill(signal); return exited; },
  };
  running.add(g);
  try {
    await waitFor(async () => {
      if (proc.exitCode !== null) throw new Error(`gridd exited: ${logs.join('\n')}`);
      return (await fetch(`${base}/healthz`)).status === 200;
    }, { tries: 200, intervalMs: 50 });
  } catch (e) {
    await g.stop();
    throw new Error(`gridd did not start: ${e.message}\n${logs.join('\n')}`);
  }
  return g;
}

/** Writes exactly `data` to 127.0.0.1:port and parses the HTTP response. */
export function rawRequest(port, data) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    const chunks = [];
    s.on('connect', () => s.end(data));
    s.on('data', (c) => chunks.push(c));
    s.on('error', (e) => (chunks.length ? finish() : reject(e)));
    s.on('close', finish);
    let done = false;
    function finish() {
      if (done) return;
      done = true;
      const text = Buffer.concat(chunks).toString('utf8');
      const [head, ...rest] = text.split('\r\n\r\n');
      const lines = head.split('\r\n');
      const status = Number(lines[0].split(' ')[1]);
      const headers = {};
      for (const l of lines.slice(1)) { const i = l.indexOf(':'); headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim(); }
      resolve({ status, headers, body: rest.join('\r\n\r\n') });
    }
  });
}
