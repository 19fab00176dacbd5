// Reading the API with an offline copy: each answer the app shows is kept in
// IndexedDB (cache store) per account, shown at once on the next start, and
// refreshed from the network when there is one.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { session } from '../../shared/api.js';
import { cacheGet, cachePut } from './db.js';
import { call } from './net.js';
import { initials } from './pinyin.js';

export function currentLogin() {
  return session.get()?.me?.login ?? 'anonymous';
}

/** Loads path (GET) with an offline copy named name. */
export async function loadCached(name, path) {
  const key = `${currentLogin()}:${name}`;
  try {
    const data = await call('GET', path);
    await cachePut(key, data).catch(() => {});
    return { data, at: Date.now(), fromCache: false, error: null };
  } catch (error) {
    const hit = await cacheGet(key).catch(() => null);
    if (hit) return { data: hit.data, at: hit.at, fromCache: true, error };
    throw error;
  }
}

/** A hook: { data, at, fromCache, error, loading, reload }; the cached copy shows first. */
export function useCached(name, path, { enabled = true } = {}) {
  const [state, setState] = useState({ data: null, at: null, fromCache: false, error: null, loading: true });
  const seq = useRef(0);
  const reload = useCallback(async () => {
    if (!enabled || !path) return;
    const mine = ++seq.current;
    setState((s) => ({ ...s, loading: true }));
    if (!state.data) {
      const hit = await cacheGet(`${currentLogin()}:${name}`).catch(() => null);
      if (hit && mine === seq.current) setState((s) => (s.data ? s : { ...s, data: hit.data, at: hit.at, fromCache: true }));
    }
    try {
      const r = await loadCached(name, path);
      if (mine === seq.current) setState({ ...r, loading: false });
    } catch (error) {
      if (mine === seq.current) setState((s) => ({ ...s, error, loading: false }));
    }
  }, [name, path, enabled]);
  useEffect(() => { reload(); }, [reload]);
  return { ...state, reload };
}

export function useOnline() {
  const [online, setOnline] = useState(navigator.onLine !== false);
  useEffect(() => {
    const up = () => setOnline(true);
    const down = () => setOnline(false);
    window.addEventListener('online', up);
    window.addEventListener('offline', down);
    return () => { window.removeEventListener('online', up); window.removeEventListener('offline', down); };
  }, []);
  return online;
}

/** The minor categories with their major and search keys, from GET /v1/categories. */
export function flattenCategories(tree) {
  const out = [];
  for (const major of tree?.categories ?? []) {
    for (const c of major.children ?? []) {
      out.push({
        ...c,
        major: { id: major.id, name: major.name, name_en: major.name_en },
        search: [c.name, c.name_en.toLowerCase(), c.id, c.code, initials(c.name), major.name, initials(major.name)],
      });
    }
  }
  return out;
}

export function matchCategory(c, query) {
  const q = query.trim().toLowerCase();
  if (!q) return true;
  const [name, nameEn, id, code, ini, majorName, majorIni] = c.search;
  if (/^[a-z]+$/.test(q) && (ini.startsWith(q) || ini.includes(q) || majorIni.startsWith(q))) return true;
  return name.includes(q) || nameEn.includes(q) || id.includes(q) || code.includes(q) || majorName.includes(q);
}

export function categoryIndex(tree) {
  const m = new Map();
  for (const major of tree?.categories ?? []) {
    m.set(major.id, major);
    for (const c of major.children ?? []) m.set(c.id, c);
  }
  return m;
}
