// The gridd API from a browser: one place that holds the session, refreshes
// the access token (15 minutes) with the refresh token (single use), and
// turns problem+json answers into errors with the server's words.
//
//   import { api, session } from '../../shared/api.js';
//   await session.login('worker1', 'secret');
//   const cases = await api('GET', '/v1/cases?limit=50');
//
// The session lives in localStorage under `gridd.session.<app>` so the PWA
// survives being closed; a refresh shared by two tabs is serialised by a
// Web Lock when the browser has them.

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem ?? null;
    this.errors = problem?.errors ?? [];
  }
}

const listeners = new Set();
let key = 'gridd.session';

function load() {
  try { return JSON.parse(localStorage.getItem(key)) ?? null; } catch { return null; }
}
function save(s) {
  if (s) localStorage.setItem(key, JSON.stringify(s)); else localStorage.removeItem(key);
  for (const fn of listeners) fn(s);
}

export const session = {
  /** Names the storage slot (one per app) before anything else. */
  use(app) { key = `gridd.session.${app}`; },
  get() { return load(); },
  onChange(fn) { listeners.add(fn); return () => listeners.delete(fn); },
  async login(login, password) {
    const res = await fetch('/v1/auth/login', {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ login, password }),
    });
    const body = await res.json().catch(() => null);
    if (!res.ok) throw new ApiError(res.status, body);
    const s = { access: body.access_token, refresh: body.refresh_token, at: Date.now() };
    save(s);
    s.me = await api('GET', '/v1/me');
    save(s);
    return s.me;
  },
  async logout() {
    const s = load();
    save(null);
    if (s?.refresh) {
      await fetch('/v1/auth/logout', { method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refresh_token: s.refresh }) }).catch(() => {});
    }
  },
};

let refreshing = null;
async function refresh() {
  const run = async () => {
    const s = load();
    if (!s?.refresh) throw new ApiError(401, { title: '请重新登录' });
    const res = await fetch('/v1/auth/refresh', { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refresh_token: s.refresh }) });
    const body = await res.json().catch(() => null);
    if (!res.ok) {
      // Another tab may have refreshed already: take its tokens.
      const now = load();
      if (now?.refresh && now.refresh !== s.refresh) return;
      save(null);
      throw new ApiError(res.status, body);
    }
    save({ ...s, access: body.access_token, refresh: body.refresh_token, at: Date.now() });
  };
  refreshing ??= (navigator.locks ? navigator.locks.request(key, run) : run()).finally(() => { refreshing = null; });
  return refreshing;
}

/**
 * One API call. body: an object (sent as JSON), a Blob/File (sent raw with its
 * type, e.g. a photo) or undefined. Returns the parsed JSON (null for 204), or
 * the Response itself with { raw: true }. Throws ApiError.
 */
export async function api(method, path, body, { headers = {}, raw = false, retry = true } = {}) {
  const s = load();
  const h = { ...headers };
  if (s?.access) h.authorization = `Bearer ${s.access}`;
  let payload;
  if (body instanceof Blob) {
    payload = body;
    h['content-type'] ??= body.type || 'application/octet-stream';
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    h['content-type'] = 'application/json';
  }
  const res = await fetch(path, { method, headers: h, body: payload });
  if (res.status === 401 && retry && s?.refresh) {
    await refresh();
    return api(method, path, body, { headers, raw, retry: false });
  }
  if (raw && res.ok) return res;
  if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => null));
  if (res.status === 204) return null;
  return res.json();
}

/** The access token, for EventSource-less streams (fetch with headers). */
export function accessToken() {
  return load()?.access ?? null;
}
