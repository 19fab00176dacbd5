// Network helpers the shared api.js does not have: uploads with progress
// (XMLHttpRequest), the Retry-After of an answer, and telling a network
// failure from an answer of the server.
import { api, accessToken, session, ApiError } from '../../shared/api.js';

/** No answer at all: offline, connection lost, timeout. Always worth a retry. */
export class NetworkError extends Error {
  constructor(message) {
    super(message);
    this.network = true;
  }
}

/** Seconds from a Retry-After header (seconds or an HTTP date); null without one. */
export function parseRetryAfter(value) {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const t = Date.parse(value);
  return Number.isNaN(t) ? null : Math.max(0, Math.round((t - Date.now()) / 1000));
}

// api.js throws ApiError without the answer's headers; the login screen needs
// the Retry-After of a 429. This watches fetch answers (only the status and
// that one header) and remembers the last Retry-After per path.
const retryAfterByPath = new Map();
let watching = false;
export function watchRetryAfter() {
  if (watching || typeof window === 'undefined') return;
  watching = true;
  const original = window.fetch.bind(window);
  window.fetch = async (input, init) => {
    const res = await original(input, init);
    if (res.status === 429 || res.status === 503) {
      const path = new URL(typeof input === 'string' ? input : input.url, location.href).pathname;
      retryAfterByPath.set(path, { seconds: parseRetryAfter(res.headers.get('retry-after')), at: Date.now() });
    }
    return res;
  };
}
/** The Retry-After (seconds, counted from when it was received) last seen on a path. */
export function lastRetryAfter(path) {
  const r = retryAfterByPath.get(path);
  if (!r || r.seconds == null) return null;
  return Math.max(0, r.seconds - Math.floor((Date.now() - r.at) / 1000));
}

function xhrOnce(method, path, body, headers, onProgress, timeoutMs) {
  return new Promise((resolve, reject) => {
    const x = new XMLHttpRequest();
    x.open(method, path);
    x.timeout = timeoutMs;
    const token = accessToken();
    if (token) x.setRequestHeader('authorization', `Bearer ${token}`);
    for (const [k, v] of Object.entries(headers)) x.setRequestHeader(k, v);
    if (onProgress && x.upload) {
      x.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : (body?.size ?? 0));
    }
    x.onload = () => {
      let json = null;
      try { json = x.responseText ? JSON.parse(x.responseText) : null; } catch { json = null; }
      resolve({
        status: x.status,
        json,
        retryAfter: parseRetryAfter(x.getResponseHeader('retry-after')),
        replayed: x.getResponseHeader('idempotent-replayed') === 'true',
      });
    };
    x.onerror = () => reject(new NetworkError('network error'));
    x.ontimeout = () => reject(new NetworkError('timeout'));
    x.onabort = () => reject(new NetworkError('aborted'));
    x.send(body ?? null);
  });
}

/**
 * One request with the session's token; on 401 the tokens are refreshed once
 * (through api.js, which serialises refreshes) and the request repeated.
 * Resolves { status, json, retryAfter, replayed } for 2xx; throws ApiError
 * (with .retryAfter) for an answer >= 300, NetworkError without an answer.
 */
export async function send(method, path, body, { headers = {}, onProgress, timeoutMs = 120_000 } = {}) {
  let r = await xhrOnce(method, path, body, headers, onProgress, timeoutMs);
  if (r.status === 401 && session.get()?.refresh) {
    try {
      await api('GET', '/v1/me');
    } catch (e) {
      if (e instanceof ApiError) throw e;
      throw new NetworkError(e.message);
    }
    r = await xhrOnce(method, path, body, headers, onProgress, timeoutMs);
  }
  if (r.status >= 200 && r.status < 300) return r;
  const err = new ApiError(r.status, r.json);
  err.retryAfter = r.retryAfter;
  throw err;
}

/** api() with network failures (fetch TypeError) turned into NetworkError. */
export async function call(method, path, body, opts) {
  try {
    return await api(method, path, body, opts);
  } catch (e) {
    if (e instanceof ApiError) throw e;
    throw new NetworkError(e.message);
  }
}

/** True when the error deserves a later retry rather than a human. */
export function retryable(e) {
  if (e?.network) return true;
  const s = e?.status;
  return s === 408 || s === 425 || s === 429 || (s >= 500 && s <= 599);
}
