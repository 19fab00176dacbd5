// The outbox sender: takes the reports waiting in IndexedDB (db.js) to gridd.
//
// For each queued report of the logged-in account, oldest first:
//   1. POST /v1/reports with the body frozen at creation, which carries the
//      phone-made id; the same id goes in Idempotency-Key. gridd keeps the
//      answer under (account, key): a retry after a lost answer replays the
//      first 201 instead of filing a second report. Marked reportDone.
//   2. each photo not yet done: POST /v1/reports/{id}/photos (raw body, the
//      Blob stored at creation, so the same bytes every time; gridd stores by
//      sha256 and answers 200 with the same body for a photo it already has;
//      a 409 is checked against the report's photos, see alreadyFiled).
//      Progress per photo; marked done (and the blob dropped) in one
//      transaction.
//   3. stage 'sent'.
// Network errors, 408/425/429 and 5xx: the report stays queued, retried with
// exponential backoff (2 s .. 5 min, jitter) or after Retry-After; a network
// error, 429 or 503 also ends the round (the next reports would fail alike),
// another 5xx only delays that one report. Other 4xx:
// stage 'failed' with the problem, for the worker to see (retry or discard).
// 401 after a failed refresh: the session is over; everything stays queued
// for the next login. Runs on start, on `online`, when the page becomes
// visible, after a new report, and every 20 s; one sender at a time across
// tabs (Web Locks), one round at a time in this tab.
import { session } from '../../shared/api.js';
import { outboxOf, getBlob, updateRecord } from './db.js';
import { send, call, retryable } from './net.js';

const MIN_DELAY = 2_000;
const MAX_DELAY = 5 * 60_000;
const PERIOD = 20_000;

const events = new EventTarget();
/** 'progress' ({ id, n, loaded, total }) and 'state' ({ id, step }) events for the UI. */
export const senderEvents = events;
export const current = { id: null, step: null, progress: {} };

let running = null;
let again = false;
let forceNext = false;
let wakeTimer = null;

export function backoff(attempts) {
  const base = Math.min(MAX_DELAY, MIN_DELAY * 2 ** Math.max(0, attempts - 1));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

function emit(type, detail) {
  events.dispatchEvent(new CustomEvent(type, { detail }));
}

function setCurrent(id, step, progress) {
  current.id = id;
  current.step = step;
  if (progress) current.progress = progress;
  emit('state', { id, step });
}

/** Starts a round now (or right after the running one). force: ignore backoff times. */
export function kick({ force = false } = {}) {
  if (force) forceNext = true;
  if (running) { again = true; return running; }
  const round = async () => {
    const f = forceNext;
    forceNext = false;
    try { await sendAll(f); } catch (e) { console.warn('outbox round failed', e); }
  };
  running = (navigator.locks
    ? navigator.locks.request('gridd-app-sender', { ifAvailable: true }, async (lock) => { if (lock) await round(); })
    : round())
    .finally(() => {
      running = null;
      if (again) { again = false; kick(); }
    });
  return running;
}

async function sendAll(force) {
  const me = session.get()?.me;
  if (!me) return;
  if (typeof navigator !== 'undefined' && navigator.onLine === false) { schedule(me.login); return; }
  const queued = (await outboxOf(me.login)).filter((r) => r.stage === 'queued').sort((a, b) => a.createdAt - b.createdAt);
  for (const rec of queued) {
    if (!force && rec.nextAt && rec.nextAt > Date.now()) continue;
    const outcome = await sendOne(rec);
    // No network, an overloaded server (429/503) or no session: stop this
    // round. A 5xx about one report does not hold back the ones after it.
    if (outcome === 'offline' || outcome === 'busy' || outcome === 'auth') break;
  }
  schedule(me.login);
}

async function schedule(login) {
  clearTimeout(wakeTimer);
  const queued = (await outboxOf(login)).filter((r) => r.stage === 'queued');
  if (!queued.length) return;
  const next = Math.min(...queued.map((r) => r.nextAt || 0));
  const delay = Math.max(1_000, next - Date.now());
  if (delay < PERIOD) wakeTimer = setTimeout(() => kick(), delay);
}

function describe(e) {
  if (e?.network) return { network: true, detail: e.message };
  return { status: e.status, title: e.problem?.title ?? null, detail: e.problem?.detail ?? e.message, errors: e.problem?.errors ?? [], type: e.problem?.type ?? null };
}

async function sha256Hex(blob) {
  if (!crypto.subtle) return null;
  const d = await crypto.subtle.digest('SHA-256', await blob.arrayBuffer());
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * A 409 may mean "already there": gridd forgets idempotency keys after about
 * eight days (then the id, the reports' primary key, still refuses a second
 * report), and refuses a report's photos beyond the limit before it looks
 * whether the photo is the one it already has. Looks at the report itself.
 */
async function alreadyFiled(rec) {
  try {
    const r = await call('GET', `/v1/reports/${rec.id}`);
    const me = session.get()?.me?.login;
    if (r.reporter?.login === me && r.category === rec.body.category && r.description === rec.body.description) return r;
  } catch { /* not there, or not ours */ }
  return null;
}

async function sendOne(rec) {
  const id = rec.id;
  try {
    if (!rec.reportDone) {
      setCurrent(id, 'report', {});
      let r;
      try {
        r = await send('POST', '/v1/reports', JSON.stringify(rec.body), {
          headers: { 'content-type': 'application/json', 'idempotency-key': id },
          timeoutMs: 60_000,
        });
      } catch (e) {
        const filed = e?.status === 409 ? await alreadyFiled(rec) : null;
        if (!filed) throw e;
        r = { json: filed, replayed: true };
      }
      const j = r.json ?? {};
      rec = await updateRecord(id, (x) => {
        x.reportDone = true;
        x.replayed = r.replayed;
        x.result = { case_id: j.case_id, status: j.status, cell: j.cell, unit: j.unit, flags: j.flags ?? [], possible_duplicates: j.possible_duplicates ?? [] };
        x.lastError = null;
        x.attempts = 0;   // progress: the next failure starts the backoff again
      });
      if (!rec) return 'gone';
    }
    for (const p of rec.photos) {
      if (p.done) continue;
      const key = `${id}/${p.n}`;
      const blob = await getBlob(key);
      if (!blob) throw Object.assign(new Error('photo missing from the phone'), { status: 0, problem: { title: 'photo missing', detail: `photo ${p.n + 1} is no longer stored on this phone` } });
      setCurrent(id, `photo:${p.n}`, { ...current.progress, [p.n]: { loaded: 0, total: blob.size } });
      let r;
      try {
        r = await send('POST', `/v1/reports/${id}/photos?kind=before`, blob, {
          headers: { 'content-type': p.type || blob.type || 'image/jpeg' },
          onProgress: (loaded, total) => {
            current.progress = { ...current.progress, [p.n]: { loaded, total } };
            emit('progress', { id, n: p.n, loaded, total });
          },
        });
      } catch (e) {
        if (e?.status !== 409) throw e;
        const [sha, filed] = await Promise.all([sha256Hex(blob), alreadyFiled(rec)]);
        const there = sha && filed?.photos?.find((x) => x.sha256 === sha);
        if (!there) throw e;
        r = { json: there };
      }
      const j = r.json ?? {};
      rec = await updateRecord(id, (x) => {
        const ph = x.photos.find((q) => q.n === p.n);
        ph.done = true;
        ph.result = { sha256: j.sha256, flags: j.flags ?? [], exif: j.exif ?? null, width: j.width, height: j.height };
        x.lastError = null;
        x.attempts = 0;
      }, { dropBlobs: [key] });
      if (!rec) return 'gone';
      current.progress = { ...current.progress, [p.n]: { loaded: blob.size, total: blob.size, done: true } };
      emit('progress', { id, n: p.n, loaded: blob.size, total: blob.size });
    }
    await updateRecord(id, (x) => { x.stage = 'sent'; x.sentAt = Date.now(); x.lastError = null; x.nextAt = 0; });
    return 'sent';
  } catch (e) {
    if (retryable(e)) {
      await updateRecord(id, (x) => {
        x.attempts = (x.attempts ?? 0) + 1;
        const wait = e.retryAfter != null ? Math.max(1, e.retryAfter) * 1000 : backoff(x.attempts);
        x.nextAt = Date.now() + wait;
        x.lastError = { ...describe(e), at: Date.now() };
      });
      if (e.network) return 'offline';
      return e.status === 429 || e.status === 503 ? 'busy' : 'retry';
    }
    if (e?.status === 401) {
      await updateRecord(id, (x) => { x.lastError = { ...describe(e), at: Date.now() }; });
      return 'auth';
    }
    await updateRecord(id, (x) => { x.stage = 'failed'; x.problem = { ...describe(e), at: Date.now() }; });
    return 'failed';
  } finally {
    setCurrent(null, null, {});
  }
}

/** A failed report back to the queue (after the worker read the problem). */
export async function retryFailed(id) {
  await updateRecord(id, (x) => { x.stage = 'queued'; x.problem = null; x.nextAt = 0; x.attempts = 0; });
  return kick({ force: true });
}

let started = false;
/** Wires the triggers once: start, online, visible again, login, and a period. */
export function startSender() {
  if (started) return;
  started = true;
  window.addEventListener('online', () => kick({ force: true }));
  document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible') kick(); });
  let login = session.get()?.me?.login ?? null;
  session.onChange((s) => {
    const now = s?.me?.login ?? null;
    if (now && now !== login) kick({ force: true });   // logged in: send what waited for this account
    login = now;
  });
  setInterval(() => kick(), PERIOD);
  kick();
}
