// Live updates from GET /v1/events (Server-Sent Events). EventSource cannot
// send the Authorization header, so the stream is read with fetch() and a
// ReadableStream and parsed here. On a drop it reconnects with exponential
// backoff (1 s .. 30 s, jitter), sending Last-Event-ID so the server replays
// what was missed from the audit table; a stream silent for longer than three
// heartbeats is taken as dead. An expired access token (401) is refreshed
// through api() once, then the stream is opened again.
import { api, accessToken, ApiError } from '../../shared/api.js';

const listeners = new Set();
const statusListeners = new Set();
let status = 'idle';        // idle | connecting | open | retrying | stopped
let running = null;

export function onLive(fn) { listeners.add(fn); return () => listeners.delete(fn); }
export function onLiveStatus(fn) { statusListeners.add(fn); fn(status); return () => statusListeners.delete(fn); }
export function liveStatus() { return status; }

function setStatus(s) {
  status = s;
  for (const fn of statusListeners) fn(s);
}
function emit(ev) {
  for (const fn of listeners) {
    try { fn(ev); } catch (e) { console.error(e); }
  }
}

/** Parses SSE text: returns [events, rest]. Each event {id, event, data}. */
export function parseSse(buffer) {
  const events = [];
  let text = buffer.replace(/\r\n/g, '\n');
  let i;
  while ((i = text.indexOf('\n\n')) >= 0) {
    const block = text.slice(0, i);
    text = text.slice(i + 2);
    const ev = { id: null, event: 'message', data: [] , comment: false };
    for (const line of block.split('\n')) {
      if (line === '') continue;
      if (line.startsWith(':')) { ev.comment = true; continue; }
      const c = line.indexOf(':');
      const field = c < 0 ? line : line.slice(0, c);
      let value = c < 0 ? '' : line.slice(c + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'id') ev.id = value;
      else if (field === 'event') ev.event = value;
      else if (field === 'data') ev.data.push(value);
    }
    events.push(ev);
  }
  return [events, text];
}

const sleep = (ms, signal) => new Promise((resolve) => {
  const t = setTimeout(resolve, ms);
  signal?.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
});

/** Starts the stream (once); returns stop(). */
export function startLive() {
  if (running) return running.stop;
  const stop = new AbortController();
  let lastId = null;
  let delay = 1000;
  let ctrl = null;
  let watchdog = null;
  const SILENCE_MS = 50_000;
  const arm = () => {
    clearTimeout(watchdog);
    watchdog = setTimeout(() => ctrl?.abort(), SILENCE_MS);
  };
  (async () => {
    let refreshed = false;
    let opened = false;
    while (!stop.signal.aborted) {
      ctrl = new AbortController();
      const abortAll = () => ctrl.abort();
      stop.signal.addEventListener('abort', abortAll, { once: true });
      setStatus(status === 'open' || status === 'retrying' ? 'retrying' : 'connecting');
      try {
        const headers = { accept: 'text/event-stream' };
        const token = accessToken();
        if (token) headers.authorization = `Bearer ${token}`;
        if (lastId) headers['last-event-id'] = lastId;
        arm();
        const res = await fetch('/v1/events', { headers, signal: ctrl.signal, cache: 'no-store' });
        if (res.status === 401 && !refreshed) {
          refreshed = true;
          await res.body?.cancel().catch(() => {});
          // api() refreshes the access token on 401; when the session is gone it throws.
          await api('GET', '/v1/me');
          continue;
        }
        if (!res.ok || !res.body) throw new ApiError(res.status, await res.json().catch(() => null));
        refreshed = false;
        delay = 1000;
        setStatus('open');
        // After a reconnect the views load again (the replay covers at most 1,000 events).
        emit({ type: 'open', reconnect: opened });
        opened = true;
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buf = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          arm();
          buf += value;
          const [events, rest] = parseSse(buf);
          buf = rest;
          for (const ev of events) {
            if (ev.id) lastId = ev.id;
            if (!ev.data.length) continue;
            let data;
            try { data = JSON.parse(ev.data.join('\n')); } catch { continue; }
            emit({ type: ev.event, id: ev.id, data });
          }
        }
      } catch (e) {
        if (e instanceof ApiError && e.status === 401) {
          setStatus('stopped');
          return;   // the session ended: the app shows the login
        }
      } finally {
        clearTimeout(watchdog);
        stop.signal.removeEventListener('abort', abortAll);
      }
      if (stop.signal.aborted) break;
      setStatus('retrying');
      await sleep(delay * (0.75 + Math.random() * 0.5), stop.signal);
      delay = Math.min(delay * 2, 30_000);
    }
    setStatus('stopped');
  })();
  running = {
    stop() {
      stop.abort();
      running = null;
    },
  };
  return running.stop;
}

/** Stops the stream (logout). */
export function stopLive() { running?.stop(); }

/** Tells the views of this page about a change it made itself (before the stream echoes it). */
export function notifyLocal(data) { emit({ type: 'case', id: null, data, local: true }); }
