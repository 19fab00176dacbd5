// The phone's own database (IndexedDB through idb):
//
//   outbox  reports written here FIRST, before any network: { id (the
//           phone-made report id, also the Idempotency-Key), account, body
//           (the exact JSON that is POSTed, frozen at creation so every retry
//           sends the same request), photos [{ n, type, bytes, width, height,
//           orig: {name, bytes, width, height}, exif, done, result }],
//           stage 'queued' | 'sent' | 'failed', reportDone, result, attempts,
//           nextAt, lastError, problem, createdAt, sentAt }
//   blobs   the photos (Blob) under '<id>/<n>' until each is uploaded, and
//           small previews under '<id>/t<n>' kept with the record
//   cache   last answers of the API for offline reading, under
//           '<login>:<name>' -> { at, data }
//
// A record and its photos are written in one transaction, so a report is
// either wholly in the outbox or not at all; a step marked done is written in
// the same transaction that drops the photo it sent.
import { openDB } from 'idb';

const NAME = 'gridd-app';
let dbp = null;

export function db() {
  dbp ??= openDB(NAME, 1, {
    upgrade(d) {
      const outbox = d.createObjectStore('outbox', { keyPath: 'id' });
      outbox.createIndex('account', 'account');
      d.createObjectStore('blobs');
      d.createObjectStore('cache');
    },
    blocking() {
      // A newer version of the app wants to upgrade: let it.
      dbp?.then((x) => x.close());
      dbp = null;
    },
  });
  return dbp;
}

const changes = typeof BroadcastChannel !== 'undefined' ? new BroadcastChannel('gridd-app-outbox') : null;
const listeners = new Set();

/** Subscribes to outbox changes (this tab and others); returns the unsubscribe function. */
export function onOutboxChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}
function changed(id, local = true) {
  for (const fn of listeners) fn(id);
  if (local) changes?.postMessage(id);
}
if (changes) changes.onmessage = (e) => changed(e.data, false);

/**
 * Puts a new report with its photo blobs in the outbox, atomically.
 * photos: [{ blob, thumb, ...meta }]
 */
export async function addToOutbox(record, photos) {
  const d = await db();
  const tx = d.transaction(['outbox', 'blobs'], 'readwrite');
  const outbox = tx.objectStore('outbox');
  const blobs = tx.objectStore('blobs');
  if (await outbox.get(record.id)) throw new Error(`report ${record.id} is already in the outbox`);
  await Promise.all([
    outbox.add(record),
    ...photos.flatMap((p, n) => [blobs.put(p.blob, `${record.id}/${n}`), p.thumb ? blobs.put(p.thumb, `${record.id}/t${n}`) : null].filter(Boolean)),
    tx.done,
  ]);
  changed(record.id);
}

export async function outboxOf(account) {
  const d = await db();
  const all = await d.getAllFromIndex('outbox', 'account', account);
  return all.sort((a, b) => b.createdAt - a.createdAt);
}

export async function getRecord(id) {
  return (await db()).get('outbox', id);
}

export async function getBlob(key) {
  return (await db()).get('blobs', key);
}

/**
 * Changes a record with fn(record) inside one transaction (the record read
 * fresh), optionally dropping blobs in the same transaction.
 */
export async function updateRecord(id, fn, { dropBlobs = [] } = {}) {
  const d = await db();
  const tx = d.transaction(['outbox', 'blobs'], 'readwrite');
  const rec = await tx.objectStore('outbox').get(id);
  if (!rec) { await tx.done; return null; }
  const next = fn(rec) ?? rec;
  await Promise.all([
    tx.objectStore('outbox').put(next),
    ...dropBlobs.map((k) => tx.objectStore('blobs').delete(k)),
    tx.done,
  ]);
  changed(id);
  return next;
}

/** Removes a record and every blob of it. */
export async function removeRecord(id) {
  const d = await db();
  const tx = d.transaction(['outbox', 'blobs'], 'readwrite');
  await tx.objectStore('blobs').delete(IDBKeyRange.bound(`${id}/`, `${id}/\uffff`));
  await tx.objectStore('outbox').delete(id);
  await tx.done;
  changed(id);
}

/** Sent records older than maxAgeMs go (the server has them). */
export async function pruneSent(maxAgeMs = 7 * 86400_000) {
  const d = await db();
  const old = (await d.getAll('outbox')).filter((r) => r.stage === 'sent' && r.sentAt && Date.now() - r.sentAt > maxAgeMs);
  for (const r of old) await removeRecord(r.id);
}

export async function cacheGet(key) {
  return (await db()).get('cache', key);
}
export async function cachePut(key, data) {
  await (await db()).put('cache', { at: Date.now(), data }, key);
}
