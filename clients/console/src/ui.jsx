// Small building blocks: modal dialogs (native <dialog>: focus stays inside,
// Escape closes, Enter submits the form), toasts in an aria-live region,
// photos fetched with the Authorization header, state badges, and a loader
// hook that reloads when a live event concerns the view.
import { cloneElement, isValidElement } from 'preact';
import { useCallback, useEffect, useId, useRef, useState } from 'preact/hooks';
import { ApiError } from '../../shared/api.js';
import { t } from './i18n.js';
import { onLive } from './live.js';
import { photoUrl, fmtDuration } from './util.js';

// -------------------------------------------------------------- loader ---

/**
 * Runs fn now, when deps change, and (throttled) on live events that pass
 * `live` (a predicate of the event data; true = every case event).
 */
export function useLoader(fn, deps = [], { live = true, throttleMs = 300, pollMs = 0 } = {}) {
  const [state, setState] = useState({ data: null, error: null, loading: true });
  const fnRef = useRef(fn);
  fnRef.current = fn;
  const liveRef = useRef(live);
  liveRef.current = live;
  const gen = useRef(0);
  const busy = useRef(false);
  const again = useRef(false);
  const run = useCallback(async () => {
    if (busy.current) { again.current = true; return; }
    busy.current = true;
    const my = gen.current;
    try {
      const data = await fnRef.current();
      if (my === gen.current) setState({ data, error: null, loading: false });
      else again.current = true;
    } catch (error) {
      if (my === gen.current) setState((s) => ({ ...s, error, loading: false }));
      else again.current = true;
    } finally {
      busy.current = false;
      if (again.current) { again.current = false; run(); }
    }
  }, []);
  useEffect(() => {
    gen.current++;
    setState((s) => ({ ...s, loading: true }));
    run();
  }, deps);
  useEffect(() => {
    let timer = null;
    const off = onLive((ev) => {
      const want = liveRef.current;
      if (!want) return;
      if (ev.type === 'open' && !ev.reconnect) return;
      if (ev.type !== 'open' && typeof want === 'function' && !want(ev.data ?? {})) return;
      if (timer) return;
      timer = setTimeout(() => { timer = null; run(); }, throttleMs);
    });
    return () => { off(); clearTimeout(timer); };
  }, []);
  useEffect(() => {
    if (!pollMs) return undefined;
    const every = setInterval(() => { if (!document.hidden) run(); }, pollMs);
    return () => clearInterval(every);
  }, [pollMs]);
  return { ...state, reload: run };
}

// -------------------------------------------------------------- toasts ---

const toastListeners = new Set();
let toastSeq = 0;
export function toast(text, kind = 'ok') {
  const item = { id: ++toastSeq, text, kind };
  for (const fn of toastListeners) fn(item);
}
export function Toasts() {
  const [items, setItems] = useState([]);
  useEffect(() => {
    const fn = (item) => {
      setItems((xs) => [...xs.slice(-3), item]);
      setTimeout(() => setItems((xs) => xs.filter((x) => x.id !== item.id)), item.kind === 'error' ? 8000 : 4000);
    };
    toastListeners.add(fn);
    return () => toastListeners.delete(fn);
  }, []);
  return (
    <div class="toasts" role="status" aria-live="polite">
      {items.map((x) => <div key={x.id} class={`toast toast-${x.kind}`}>{x.text}</div>)}
    </div>
  );
}

/** The words of an error for people: the server's problem detail, or what it means. */
export function errorText(e) {
  if (e instanceof ApiError) {
    if (e.status === 412) return t('err.stale');
    if (e.status === 409 && e.problem?.allowed_actions) {
      return `${t('err.conflict')} (${t('state.' + e.problem.state)})`;
    }
    const fields = (e.errors ?? []).map((x) => `${x.pointer}: ${x.detail}`).join('; ');
    return [e.message, fields].filter(Boolean).join(' — ');
  }
  if (e?.name === 'TypeError') return t('err.network');
  return String(e?.message ?? e);
}

// ------------------------------------------------------------- dialogs ---

/**
 * A modal dialog. onSubmit runs on Enter or the primary button; Escape and
 * the cancel button call onClose. Focus returns where it was.
 */
export function Dialog({ title, onClose, onSubmit, submitLabel, busy, error, children, wide, testid,
  danger, extraButtons, closeLabel }) {
  const ref = useRef(null);
  const id = useId();
  useEffect(() => {
    const d = ref.current;
    const prev = document.activeElement;
    if (!d.open) d.showModal();
    return () => {
      try { d.close(); } catch { /* gone */ }
      if (prev && prev.isConnected) prev.focus?.();
    };
  }, []);
  return (
    <dialog ref={ref} class={`dialog${wide ? ' dialog-wide' : ''}`} aria-labelledby={`${id}-t`} data-testid={testid}
      onCancel={(e) => { e.preventDefault(); onClose(); }}>
      <form onSubmit={(e) => { e.preventDefault(); if (!busy) onSubmit?.(e); }}>
        <header class="dialog-head">
          <h2 id={`${id}-t`}>{title}</h2>
          <button type="button" class="icon" aria-label={t('close')} onClick={onClose}>×</button>
        </header>
        <div class="dialog-body">{children}</div>
        {error && <p class="error" role="alert">{error}</p>}
        <footer class="dialog-actions">
          <button type="button" onClick={onClose}>{closeLabel ?? t('cancel')}</button>
          {extraButtons}
          {onSubmit && (
            <button type="submit" class={danger ? 'danger' : 'primary'} disabled={busy} aria-busy={busy ? 'true' : 'false'}>
              {busy ? t('working') : submitLabel ?? t('confirm')}
            </button>
          )}
        </footer>
      </form>
    </dialog>
  );
}

/** A confirm dialog: resolves through onConfirm (async), closes itself. */
export function ConfirmDialog({ title, text, onConfirm, onClose, confirmLabel, danger, testid }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  return (
    <Dialog title={title} onClose={onClose} busy={busy} error={error} danger={danger} testid={testid}
      submitLabel={confirmLabel}
      onSubmit={async () => {
        setBusy(true);
        setError(null);
        try { await onConfirm(); onClose(); } catch (e) { setError(errorText(e)); setBusy(false); }
      }}>
      <p>{text}</p>
    </Dialog>
  );
}

// -------------------------------------------------------------- fields ---

export function Field({ label, hint, children, id: given }) {
  const auto = useId();
  const id = given ?? auto;
  const child = Array.isArray(children) ? children : [children];
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {child.map((c, i) => (i === 0 && isValidElement(c) ? cloneElement(c, { id }) : c))}
      {hint && <small class="hint">{hint}</small>}
    </div>
  );
}

/** Tabs as a row of buttons (aria-pressed), keyboard friendly. */
export function Segmented({ value, options, onChange, label }) {
  return (
    <div class="segmented" role="group" aria-label={label}>
      {options.map(([v, text, count]) => (
        <button type="button" key={v} aria-pressed={value === v ? 'true' : 'false'} onClick={() => onChange(v)}>
          {text}{count != null && <span class="count">{count}</span>}
        </button>
      ))}
    </div>
  );
}

// -------------------------------------------------------------- badges ---

export function StateBadge({ state, suspended, pending, overdue }) {
  return (
    <span class="badges">
      <span class={`badge st-${state}`}>{t('state.' + state)}</span>
      {suspended && <span class="badge warn">{t('suspended')}</span>}
      {pending && <span class="badge info">{t('extensionPending')}</span>}
      {overdue && <span class="badge danger">{t('overdue')}</span>}
    </span>
  );
}

export function TimeLeft({ c }) {
  if (c.working_seconds_left == null) return <span class="muted">—</span>;
  const late = c.due_at ? (Date.now() - Date.parse(c.due_at)) / 1000 : 0;
  if (c.overdue || late > 0) {
    return <span class="left overdue">{t('overdueBy')} {late > 0 ? fmtDuration(late) : ''}</span>;
  }
  const s = c.working_seconds_left;
  // Due later today, after the working hours: no working time is left, but it is not late yet.
  if (s <= 0) return <span class="left soon">{t('noWorkingTime')}</span>;
  return <span class={`left${s < 3600 ? ' soon' : ''}`}>{fmtDuration(s)}</span>;
}

// -------------------------------------------------------------- photos ---

const FLAG_KEYS = { no_exif: 'flag.no_exif', far_from_report: 'flag.far', taken_long_before: 'flag.old' };
export function flagText(f) { return t(FLAG_KEYS[f] ?? f); }

export function Photo({ sha256, kind, flags = [], size = 'thumb', onOpen, alt }) {
  const [url, setUrl] = useState(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let alive = true;
    setUrl(null);
    photoUrl(sha256, size).then((u) => alive && setUrl(u), () => alive && setFailed(true));
    return () => { alive = false; };
  }, [sha256, size]);
  const label = alt ?? `${t('photo.' + (kind ?? 'before'))} ${sha256.slice(0, 8)}`;
  const img = url ? <img src={url} alt={label} /> : <span class="photo-empty">{failed ? t('photoFailed') : '…'}</span>;
  return (
    <figure class={`photo${flags.length ? ' flagged' : ''}`} data-kind={kind}>
      {onOpen ? <button type="button" class="photo-btn" onClick={onOpen} aria-label={`${label}: ${t('enlarge')}`}>{img}</button> : img}
      <figcaption>
        {kind && <span class="badge">{t('photo.' + kind)}</span>}
        {flags.map((f) => <span key={f} class="badge danger" title={flagText(f)}>{flagText(f)}</span>)}
      </figcaption>
    </figure>
  );
}

export function PhotoGrid({ photos }) {
  const [open, setOpen] = useState(null);
  if (!photos?.length) return <p class="muted">{t('noPhotos')}</p>;
  return (
    <>
      <div class="photos">
        {photos.map((p) => <Photo key={p.sha256 + p.kind} {...p} onOpen={() => setOpen(p)} />)}
      </div>
      {open && (
        <Dialog title={`${t('photo.' + open.kind)} · ${open.sha256.slice(0, 12)}`} onClose={() => setOpen(null)} wide closeLabel={t('close')}>
          <Photo sha256={open.sha256} kind={open.kind} flags={open.flags} size="large" />
        </Dialog>
      )}
    </>
  );
}

export function Loading({ what }) {
  return <p class="muted" role="status">{what ?? t('loading')}</p>;
}
export function ErrorLine({ error, retry }) {
  if (!error) return null;
  return (
    <p class="error" role="alert">
      {errorText(error)} {retry && <button type="button" class="link" onClick={retry}>{t('retry')}</button>}
    </p>
  );
}
