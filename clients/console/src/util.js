// Shared helpers of the consoles: reference data (categories, units, cells,
// the city's UTC offset), formatting, photos and downloads that need the
// Authorization header.
import { api } from '../../shared/api.js';
import { language } from '../../shared/i18n.js';

// ------------------------------------------------------------ reference ---

let refPromise = null;
export const ref = {
  categories: new Map(),   // 'event:0102' -> category (majors too)
  tree: [],                // majors with children
  units: new Map(),        // id -> unit
  unitList: [],
  cells: null,             // GeoJSON FeatureCollection
  cellMap: new Map(),      // code -> feature properties
  offsetMin: 480,          // the city's UTC offset in minutes
};

/** Loads what every view names things with; once per session. */
export function loadRef(me) {
  refPromise ??= (async () => {
    const area = me?.area ? `?area=${encodeURIComponent(me.area)}` : '';
    const [cats, units, cells, cal] = await Promise.all([
      api('GET', '/v1/categories'),
      api('GET', '/v1/units'),
      // The cells of the caller's area (dispatchers, supervisors) or all; too many (422): names show as codes.
      api('GET', `/v1/cells${area}`).catch((e) => {
        if (e.status === 422) return { type: 'FeatureCollection', features: [] };
        throw e;
      }),
      api('GET', '/v1/calendar/settings').catch(() => null),
    ]);
    ref.tree = cats.categories;
    for (const major of cats.categories) {
      ref.categories.set(major.id, major);
      for (const minor of major.children ?? []) ref.categories.set(minor.id, { ...minor, majorName: major.name, majorNameEn: major.name_en });
    }
    ref.unitList = units.units;
    for (const u of units.units) ref.units.set(u.id, u);
    ref.cells = cells;
    for (const f of cells.features) ref.cellMap.set(f.properties.code, f.properties);
    if (cal && Number.isInteger(cal.utc_offset_minutes)) ref.offsetMin = cal.utc_offset_minutes;
    return ref;
  })().catch((e) => { refPromise = null; throw e; });
  return refPromise;
}
export function resetRef() { refPromise = null; }

export function catName(id) {
  const c = ref.categories.get(id);
  if (!c) return id ?? '';
  return language() === 'en' ? (c.name_en || c.name) : c.name;
}
export function catFull(id) {
  const c = ref.categories.get(id);
  if (!c) return id ?? '';
  const en = language() === 'en';
  const major = en ? c.majorNameEn : c.majorName;
  return major ? `${major} / ${en ? (c.name_en || c.name) : c.name}` : catName(id);
}
export function unitName(id) {
  if (id == null) return '';
  return ref.units.get(Number(id))?.name ?? `#${id}`;
}
export function cellName(code) {
  if (!code) return '';
  return ref.cellMap.get(code)?.name ?? code;
}

// ------------------------------------------------------------ formatting ---

/** A time in the city's zone: 2026-11-24 14:00. */
export function cityTime(iso, { seconds = false } = {}) {
  if (!iso) return '';
  const d = new Date(Date.parse(iso) + ref.offsetMin * 60_000);
  const s = d.toISOString();
  return `${s.slice(0, 10)} ${s.slice(11, seconds ? 19 : 16)}`;
}
/** The city's calendar month of a time (or now): 2026-11. */
export function cityMonth(iso) {
  const ms = iso ? Date.parse(iso) : Date.now();
  return new Date(ms + ref.offsetMin * 60_000).toISOString().slice(0, 7);
}
export function prevMonth(month) {
  const [y, m] = month.split('-').map(Number);
  const d = new Date(Date.UTC(y, m - 2, 1));
  return d.toISOString().slice(0, 7);
}
/** datetime-local value (city time) <-> RFC 3339. */
export function toCityInput(iso) {
  return new Date(Date.parse(iso) + ref.offsetMin * 60_000).toISOString().slice(0, 16);
}
export function fromCityInput(value) {
  const ms = Date.parse(`${value}:00Z`) - ref.offsetMin * 60_000;
  return new Date(ms).toISOString();
}

/** 1 h 05 min, in the language of the page. */
export function fmtDuration(seconds) {
  const s = Math.abs(Math.round(seconds));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
  const en = language() === 'en';
  if (h === 0) return en ? `${m} min` : `${m}分钟`;
  return en ? `${h} h ${String(m).padStart(2, '0')} min` : `${h}小时${String(m).padStart(2, '0')}分`;
}
export function fmtLimit(limit) {
  if (!limit) return '';
  const en = language() === 'en';
  const names = en
    ? { working_minutes: 'working minutes', working_hours: 'working hours', working_days: 'working days',
      calendar_minutes: 'minutes', calendar_hours: 'hours', calendar_days: 'days' }
    : { working_minutes: '工作分钟', working_hours: '工作小时', working_days: '工作日',
      calendar_minutes: '分钟', calendar_hours: '小时', calendar_days: '天' };
  return `${limit.value} ${names[limit.unit] ?? limit.unit}`;
}
export function pct(v) { return v == null ? '—' : `${Number(v).toFixed(2)}%`; }
export function num(v) { return v == null ? '—' : String(v); }

/** Metres between two WGS-84 points. */
export function distanceM([lon1, lat1], [lon2, lat2]) {
  const r = 6371008.8, rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad, dLon = (lon2 - lon1) * rad;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * r * Math.asin(Math.sqrt(a));
}

// -------------------------------------------------------------- lists ---

/** Every page of a list (up to maxPages x 200 items). */
export async function listAll(path, maxPages = 5) {
  const items = [];
  let after = null;
  for (let i = 0; i < maxPages; i++) {
    const sep = path.includes('?') ? '&' : '?';
    const page = await api('GET', `${path}${sep}limit=200${after ? `&after=${encodeURIComponent(after)}` : ''}`);
    items.push(...page.items);
    if (!page.next) break;
    after = page.next;
  }
  return items;
}

/** Runs fn over items with at most n at a time; resolves the results in order. */
export async function pool(items, n, fn) {
  const out = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  }));
  return out;
}

// One GET /v1/cases/{id} per case version: lists show what details add.
const details = new Map();
export function caseDetail(id, version) {
  const key = `${id}:${version ?? ''}`;
  if (!details.has(key)) {
    const p = api('GET', `/v1/cases/${id}`).catch((e) => { details.delete(key); throw e; });
    details.set(key, p);
    if (details.size > 2000) details.delete(details.keys().next().value);
  }
  return details.get(key);
}
export function forgetCase(id) {
  for (const k of [...details.keys()]) if (k.startsWith(`${id}:`)) details.delete(k);
}

// -------------------------------------------------------------- photos ---

const photos = new Map();   // sha:size -> Promise<object URL>
/** An object URL of a photo, fetched with the Authorization header. */
export function photoUrl(sha256, size = 'thumb') {
  const key = `${sha256}:${size}`;
  if (!photos.has(key)) {
    const p = api('GET', `/v1/photos/${sha256}?size=${size}`, undefined, { raw: true })
      .then((res) => res.blob())
      .then((blob) => URL.createObjectURL(blob))
      .catch((e) => { photos.delete(key); throw e; });
    photos.set(key, p);
  }
  return photos.get(key);
}
export function dropPhotos() {
  for (const p of photos.values()) p.then((u) => URL.revokeObjectURL(u)).catch(() => {});
  photos.clear();
}

// ------------------------------------------------------------ downloads ---

/**
 * Fetches a file with the Authorization header and saves it through <a download>.
 * A long case ledger answers 202 and a job instead (GET /v1/exports/jobs/{id}):
 * onProgress(job) hears of it and of every poll, which waits what Retry-After
 * says, until the file comes (or the job's problem is thrown as an ApiError).
 */
export async function download(path, fallbackName, { onProgress } = {}) {
  let res = await api('GET', path, undefined, { raw: true });
  while (res.status === 202) {
    const job = await res.json();
    onProgress?.(job);
    const wait = Math.min(60, Math.max(1, Number(res.headers.get('retry-after')) || 2));
    await new Promise((r) => setTimeout(r, wait * 1000));
    res = await api('GET', job.url, undefined, { raw: true });
  }
  const blob = await res.blob();
  const cd = res.headers.get('content-disposition') ?? '';
  const name = /filename\*=UTF-8''([^;]+)/i.exec(cd)?.[1] ?? /filename="?([^";]+)"?/i.exec(cd)?.[1] ?? fallbackName;
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = decodeURIComponent(name);
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return { name: a.download, bytes: blob.size };
}
