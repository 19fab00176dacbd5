// One case as a desk sees it: what was reported (reports, photos and their
// flags, place, cell, routed unit), possible duplicates, the deadline and
// working time left, the actions the server allows the caller now, the audit
// trail with its hash chain and the chain's verification.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../../shared/api.js';
import { t, language } from './i18n.js';
import { notifyLocal } from './live.js';
import {
  ref, catName, catFull, unitName, cellName, cityTime, fmtDuration, fmtLimit, distanceM,
  toCityInput, fromCityInput, forgetCase,
} from './util.js';
import { CaseMap } from './CaseMap.jsx';
import {
  Dialog, Field, PhotoGrid, Photo, StateBadge, TimeLeft, Loading, ErrorLine, errorText, toast, useLoader, flagText,
} from './ui.jsx';

const OPEN_STATES = ['reported', 'registered', 'dispatched', 'in_progress', 'resolved'];
const DUP_RADIUS_M = 50;        // report_duplicate_radius_m's default
const DUP_WINDOW_H = 72;        // report_duplicate_window_h's default

/** Runs one workflow action; tells the other views. */
export async function act(c, action, body = {}, { ifMatch = false } = {}) {
  const headers = ifMatch ? { 'if-match': `"${c.version}"` } : {};
  const out = await api('POST', `/v1/cases/${c.id}/${action}`, body, { headers });
  forgetCase(c.id);
  notifyLocal({ id: c.id, action, state: out.state });
  return out;
}

/** Possible duplicates of a case: open cases of its category near it, opened shortly before or after. */
export async function findDuplicates(c) {
  const page = await api('GET', `/v1/cases?category=${encodeURIComponent(c.category)}&limit=200`);
  const at = Date.parse(c.created_at);
  return page.items
    .filter((x) => x.id !== c.id && OPEN_STATES.includes(x.state))
    .map((x) => ({ ...x, distance_m: distanceM(c.location.coordinates, x.location.coordinates) }))
    .filter((x) => x.distance_m <= DUP_RADIUS_M && Math.abs(at - Date.parse(x.created_at)) <= DUP_WINDOW_H * 3600_000)
    .sort((a, b) => a.distance_m - b.distance_m);
}

const ACTION_ORDER = ['verify', 'dispatch', 'reject', 'merge', 'accept', 'resolve', 'return', 'request-extension',
  'approve-extension', 'deny-extension', 'check', 'urge', 'suspend', 'resume', 'cancel', 'comment'];

export function CaseDetail({ id, showMap = true, compact = false, onChanged, autoAudit = false }) {
  const [dialog, setDialog] = useState(null);
  const q = useLoader(async () => {
    const c = await api('GET', `/v1/cases/${id}`);
    const [reports, events, dups] = await Promise.all([
      Promise.all(c.reports.map((r) => api('GET', `/v1/reports/${r.id}`).catch(() => null))),
      api('GET', `/v1/cases/${id}/events`).then((b) => b.events).catch(() => []),
      ['reported', 'registered'].includes(c.state) ? findDuplicates(c).catch(() => []) : Promise.resolve([]),
    ]);
    return { c, reports: reports.filter(Boolean), events, dups };
  }, [id], { live: (d) => d.id === id, pollMs: 20_000 });

  if (q.loading && !q.data) return <Loading />;
  if (q.error && !q.data) return <ErrorLine error={q.error} retry={q.reload} />;
  const { c, reports, events, dups } = q.data;
  const cat = ref.categories.get(c.category);
  const actions = ACTION_ORDER.filter((a) => c.allowed_actions.includes(a));
  const done = (next, message) => {
    setDialog(null);
    toast(message ?? t('done'));
    q.reload();
    onChanged?.(next);
  };
  const run = async (action, body) => {
    try {
      const next = await act(c, action, body);
      done(next, `${t('action.' + action)} · #${c.id}`);
    } catch (e) {
      toast(errorText(e), 'error');
      q.reload();
    }
  };
  const open = (action) => {
    if (action === 'accept' || action === 'resume') return run(action, {});
    setDialog({ action, c });
  };

  return (
    <article class="case" data-testid="case-detail" data-case-id={c.id} data-state={c.state} aria-labelledby={`case-${c.id}-h`}>
      <header class="case-head">
        <h2 id={`case-${c.id}-h`}>
          <span class="case-no">#{c.id}</span> {catName(c.category)}
          {c.urgent && <span class="badge danger">{t('urgent')}</span>}
        </h2>
        <StateBadge state={c.state} suspended={c.suspended} pending={c.extension_pending} overdue={c.overdue} />
      </header>
      <p class="case-desc">{c.description}</p>
      <dl class="facts">
        <dt>{t('category')}</dt><dd>{catFull(c.category)} <small class="muted">{c.category} · {t('limit')} {fmtLimit(c.urgent ? cat?.urgent_limit ?? cat?.limit : cat?.limit)}</small></dd>
        <dt>{t('cell')}</dt><dd>{c.cell.name} <small class="muted">{c.cell.code}</small></dd>
        <dt>{['reported', 'registered'].includes(c.state) ? t('suggestedUnit') : t('unit')}</dt><dd>{c.unit?.name ?? '—'}</dd>
        <dt>{t('reportedAt')}</dt><dd>{cityTime(c.created_at)}</dd>
        {c.dispatched_at && <><dt>{t('dispatchedAt')}</dt><dd>{cityTime(c.dispatched_at)}</dd></>}
        {c.due_at && <><dt>{t('dueAt')}</dt><dd data-testid="due-at">{cityTime(c.due_at)}</dd></>}
        {c.working_seconds_left != null && <><dt>{t('workingLeft')}</dt><dd><TimeLeft c={c} /></dd></>}
        {c.extension_pending && c.proposed_due_at && <><dt>{t('proposedDue')}</dt><dd>{cityTime(c.proposed_due_at)}</dd></>}
        {c.closed_at && <><dt>{t('closedAt')}</dt><dd>{cityTime(c.closed_at)}</dd></>}
        {c.merged_into && <><dt>{t('mergedInto')}</dt><dd>#{c.merged_into}</dd></>}
        <dt>{t('counts')}</dt>
        <dd class="muted">{t('reworks')} {c.rework_count ?? 0} · {t('extensions')} {c.extension_count ?? 0} · {t('returns')} {c.return_count ?? 0} · {t('urges')} {c.urge_count ?? 0}</dd>
      </dl>

      {actions.length > 0 && (
        <div class="actions" role="group" aria-label={t('actions')}>
          {actions.map((a) => (
            <button type="button" key={a} class={['verify', 'dispatch', 'accept', 'resolve', 'approve-extension'].includes(a) ? 'primary' : a === 'reject' || a === 'cancel' ? 'danger-outline' : ''}
              data-action={a} onClick={() => open(a)}>{t('action.' + a)}</button>
          ))}
        </div>
      )}

      <section>
        <h3>{t('reports')} <small class="muted">({reports.length})</small></h3>
        {reports.map((r) => (
          <div class="report" key={r.id}>
            <div><b>{r.reporter.display_name}</b> <span class="muted">{cityTime(r.observed_at)} · {catName(r.category)}</span></div>
            {r.address && <div>{t('address')}: {r.address}</div>}
            {reports.length > 1 && <div>{r.description}</div>}
            <div class="muted small">{r.location.coordinates.map((x) => x.toFixed(6)).join(', ')}{r.accuracy_m != null ? ` ±${Math.round(r.accuracy_m)} m` : ''}
              {r.flags.map((f) => <span key={f} class="badge warn">{t('rflag.' + f)}</span>)}</div>
          </div>
        ))}
      </section>

      <section>
        <h3>{t('photos')} <small class="muted">({c.photos.length})</small></h3>
        <PhotoGrid photos={c.photos} />
      </section>

      {['reported', 'registered'].includes(c.state) && (
        <section data-testid="duplicates">
          <h3>{t('possibleDuplicates')}</h3>
          {dups.length === 0 ? <p class="muted">{t('noDuplicates')}</p> : (
            <ul class="dups">
              {dups.map((d) => (
                <li key={d.id}>#{d.id} {t('state.' + d.state)} · {Math.round(d.distance_m)} m · {cityTime(d.created_at)} — {d.description}</li>
              ))}
            </ul>
          )}
        </section>
      )}

      {showMap && ref.cells && (
        <section>
          <h3>{t('position')}</h3>
          <CaseMap cases={[{ ...c, cell: c.cell.code }, ...dups]} selectedId={c.id} height={compact ? 200 : 260} legend={false}
            zoomTo={c.location.coordinates} />
        </section>
      )}

      <Trail id={c.id} events={events} auto={autoAudit} />

      {dialog && (
        <ActionDialog action={dialog.action} c={dialog.c} dups={dups} onClose={() => setDialog(null)} onDone={done}
          onChain={(action, next) => { setDialog({ action, c: next }); q.reload(); onChanged?.(next); }} />
      )}
    </article>
  );
}

// ------------------------------------------------------------ the trail ---

const EVENT_KEYS = {
  reported: 'ev.reported', verify: 'action.verify', reject: 'action.reject', merge: 'action.merge', merged_from: 'ev.merged_from',
  dispatch: 'action.dispatch', accept: 'action.accept', return: 'action.return', request_extension: 'action.request-extension',
  approve_extension: 'action.approve-extension', deny_extension: 'action.deny-extension', suspend: 'action.suspend',
  resume: 'action.resume', resolve: 'action.resolve', check: 'action.check', cancel: 'action.cancel', urge: 'action.urge',
  comment: 'action.comment', photo_added: 'ev.photo_added', overdue: 'ev.overdue', escalated: 'ev.escalated', rework: 'ev.rework',
};

function eventDetail(e) {
  const d = e.data ?? {};
  const parts = [];
  if (d.unit_id != null && e.kind !== 'reported') parts.push(`${t('unit')}: ${unitName(d.unit_id)}`);
  if (d.category && e.kind !== 'reported') parts.push(`${t('category')}: ${catName(d.category)}`);
  if (d.urgent != null) parts.push(d.urgent ? t('urgent') : t('notUrgent'));
  if (d.result) parts.push(t('check.' + d.result));
  if (d.reason) parts.push(`${t('reason')}: ${d.reason}`);
  if (d.note) parts.push(`${t('note')}: ${d.note}`);
  if (d.text) parts.push(d.text);
  if (d.proposed_due_at) parts.push(`${t('proposedDue')}: ${cityTime(d.proposed_due_at)}`);
  if (d.due_at) parts.push(`${t('dueAt')}: ${cityTime(d.due_at)}`);
  if (d.target_case_id) parts.push(`→ #${d.target_case_id}`);
  if (d.from_case_id) parts.push(`← #${d.from_case_id}`);
  if (d.kind && e.kind === 'photo_added') parts.push(t('photo.' + d.kind));
  if (d.flags?.length) parts.push(d.flags.map(flagText).join(', '));
  return parts.join(' · ');
}

export function Trail({ id, events, auto = false }) {
  const [audit, setAudit] = useState(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const verify = async () => {
    setBusy(true);
    setError(null);
    try { setAudit(await api('GET', `/v1/cases/${id}/audit`)); } catch (e) { setError(e); } finally { setBusy(false); }
  };
  useEffect(() => { setAudit(null); if (auto) verify(); }, [id, events.length]);
  return (
    <section data-testid="audit-trail">
      <h3>{t('trail')} <small class="muted">({events.length})</small></h3>
      <div class="audit-line">
        <button type="button" onClick={verify} disabled={busy} data-testid="verify-chain">{t('verifyChain')}</button>
        {audit && (
          <span class={`badge ${audit.valid ? 'ok' : 'danger'}`} data-testid="audit-verdict" data-valid={String(audit.valid)}>
            {audit.valid ? t('chainValid', { n: audit.events }) : t('chainBroken', { at: audit.broken_at, reason: audit.reason ?? '' })}
          </span>
        )}
        <ErrorLine error={error} />
      </div>
      <ol class="trail">
        {events.map((e, i) => {
          const linked = i === 0 ? e.prev_hash == null : e.prev_hash === events[i - 1].hash;
          return (
            <li key={e.seq} data-kind={e.kind}>
              <div class="trail-head">
                <span class="seq">{e.seq}</span>
                <b>{t(EVENT_KEYS[e.kind] ?? e.kind)}</b>
                <span class="muted">{cityTime(e.at, { seconds: true })} · {e.actor?.display_name ?? t('system')}</span>
              </div>
              {eventDetail(e) && <div class="trail-body">{eventDetail(e)}</div>}
              <div class="hash" title={e.hash}>
                <code>{e.hash.slice(0, 16)}…</code> {linked ? '' : <span class="badge danger">{t('linkBroken')}</span>}
              </div>
            </li>
          );
        })}
      </ol>
    </section>
  );
}

// -------------------------------------------------------------- dialogs ---

export function ActionDialog({ action, c, dups, onClose, onDone, onChain }) {
  if (action === 'verify') return <VerifyDialog c={c} onClose={onClose} onDone={onDone} onChain={onChain} />;
  if (action === 'dispatch') return <DispatchDialog c={c} onClose={onClose} onDone={onDone} />;
  if (action === 'merge') return <MergeDialog c={c} dups={dups ?? []} onClose={onClose} onDone={onDone} />;
  if (action === 'resolve') return <ResolveDialog c={c} onClose={onClose} onDone={onDone} />;
  return <SimpleActionDialog action={action} c={c} onClose={onClose} onDone={onDone} />;
}

function useSubmit(c, action, onDone, ifMatch = false) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const submit = async (body, then) => {
    setBusy(true);
    setError(null);
    try {
      const next = await act(c, action, body, { ifMatch });
      if (then) then(next); else onDone(next, `${t('action.' + action)} · #${c.id}`);
    } catch (e) {
      setError(errorText(e));
      setBusy(false);
    }
  };
  return { busy, error, submit };
}

function CategorySelect({ value, onChange, id }) {
  const en = language() === 'en';
  return (
    <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
      {ref.tree.map((major) => (
        <optgroup key={major.id} label={`${major.kind === 'event' ? t('kind.event') : t('kind.component')} · ${en ? major.name_en : major.name}`}>
          {(major.children ?? []).map((m) => <option key={m.id} value={m.id}>{m.code} {en ? m.name_en : m.name}</option>)}
        </optgroup>
      ))}
    </select>
  );
}

function VerifyDialog({ c, onClose, onDone, onChain }) {
  const [category, setCategory] = useState(c.category);
  const [urgent, setUrgent] = useState(c.urgent);
  const { busy, error, submit } = useSubmit(c, 'verify', onDone, true);
  const body = () => {
    const b = {};
    if (category !== c.category) b.category = category;
    if (urgent !== c.urgent) b.urgent = urgent;
    return b;
  };
  return (
    <Dialog title={`${t('action.verify')} · #${c.id}`} onClose={onClose} busy={busy} error={error} testid="verify-dialog"
      submitLabel={t('verifyOnly')}
      onSubmit={(e) => submit(body(), e?.submitter?.dataset?.then === 'dispatch'
        ? (next) => { toast(`${t('action.verify')} · #${c.id}`); onChain('dispatch', next); } : null)}
      extraButtons={(
        <button type="submit" class="primary" disabled={busy} data-then="dispatch" data-testid="verify-and-dispatch">
          {t('verifyAndDispatch')}
        </button>
      )}>
      <p class="muted">{t('verifyHint')}</p>
      <Field label={t('category')} hint={t('suggested') + ': ' + catFull(c.category)}>
        <CategorySelect value={category} onChange={setCategory} />
      </Field>
      <div class="field check">
        <input type="checkbox" id={`urgent-${c.id}`} checked={urgent} onChange={(e) => setUrgent(e.target.checked)} />
        <label for={`urgent-${c.id}`}>{t('urgent')}</label>
      </div>
    </Dialog>
  );
}

function DispatchDialog({ c, onClose, onDone }) {
  const [unitId, setUnitId] = useState(String(c.unit?.id ?? ''));
  const [note, setNote] = useState('');
  const [deadline, setDeadline] = useState(null);
  const [dlError, setDlError] = useState(null);
  const { busy, error, submit } = useSubmit(c, 'dispatch', onDone, true);
  const cat = ref.categories.get(c.category);
  useEffect(() => {
    const start = new Date().toISOString();
    api('GET', `/v1/deadline?start=${encodeURIComponent(start)}&category=${encodeURIComponent(c.category)}${c.urgent ? '&urgent=true' : ''}`)
      .then(setDeadline, setDlError);
  }, [c.id]);
  const units = ref.unitList.filter((u) => u.active);
  return (
    <Dialog title={`${t('action.dispatch')} · #${c.id}`} onClose={onClose} busy={busy} error={error} testid="dispatch-dialog"
      submitLabel={t('confirmDispatch')}
      onSubmit={() => {
        if (!unitId) return;
        submit(note.trim() ? { unit_id: Number(unitId), note: note.trim() } : { unit_id: Number(unitId) });
      }}>
      <p><b>{catName(c.category)}</b> · {c.cell.name}{c.urgent && <span class="badge danger">{t('urgent')}</span>}</p>
      <Field label={t('unit')} hint={c.unit ? `${t('suggestedUnit')}: ${c.unit.name}` : null}>
        <select value={unitId} onChange={(e) => setUnitId(e.target.value)} required data-testid="unit-picker">
          <option value="" disabled>{t('pickUnit')}</option>
          {units.map((u) => (
            <option key={u.id} value={String(u.id)}>
              {u.parent_id ? '　' : ''}{u.name}{u.id === c.unit?.id ? ` (${t('suggested')})` : ''}
            </option>
          ))}
        </select>
      </Field>
      <Field label={t('noteOptional')}>
        <textarea rows={2} maxLength={500} value={note} onInput={(e) => setNote(e.target.value)} />
      </Field>
      <div class="deadline" data-testid="deadline-preview" aria-live="polite">
        <h3>{t('deadline')}</h3>
        {dlError ? <ErrorLine error={dlError} /> : !deadline ? <Loading what={t('computingDeadline')} /> : (
          <>
            <p class="due" data-testid="deadline-due" data-due-at={deadline.due_at}>{cityTime(deadline.due_at)}</p>
            <p class="muted">
              {t('limit')} {fmtLimit(deadline.limit)}{c.urgent && cat?.urgent_limit ? ` (${t('urgent')})` : ''} · {t('workingTime')} {fmtDuration(deadline.working_seconds)}
            </p>
            <p class="muted small">{t('deadlineHint')}</p>
          </>
        )}
      </div>
    </Dialog>
  );
}

function MergeDialog({ c, dups, onClose, onDone }) {
  const [target, setTarget] = useState(dups[0] ? String(dups[0].id) : '');
  const { busy, error, submit } = useSubmit(c, 'merge', onDone, true);
  return (
    <Dialog title={`${t('action.merge')} · #${c.id}`} onClose={onClose} busy={busy} error={error} testid="merge-dialog"
      submitLabel={t('action.merge')}
      onSubmit={() => { const n = Number(target); if (n > 0) submit({ target_case_id: n }); }}>
      <p class="muted">{t('mergeHint')}</p>
      {dups.length > 0 && (
        <fieldset>
          <legend>{t('possibleDuplicates')}</legend>
          {dups.map((d) => (
            <div class="field check" key={d.id}>
              <input type="radio" name="merge-target" id={`mt-${d.id}`} checked={target === String(d.id)} onChange={() => setTarget(String(d.id))} />
              <label for={`mt-${d.id}`}>#{d.id} · {Math.round(d.distance_m)} m · {d.description}</label>
            </div>
          ))}
        </fieldset>
      )}
      <Field label={t('targetCase')}>
        <input type="number" min="1" required value={target} onInput={(e) => setTarget(e.target.value)} />
      </Field>
    </Dialog>
  );
}

const SIMPLE = {
  reject: { field: 'reason', required: true, danger: true, quick: ['quick.duplicate', 'quick.notCity', 'quick.unclear', 'quick.gone'] },
  return: { field: 'reason', required: true, quick: ['quick.notOurs', 'quick.wrongPlace'] },
  'request-extension': { field: 'reason', required: true, proposed: true },
  'approve-extension': { field: 'reason', required: false },
  'deny-extension': { field: 'reason', required: false, danger: true },
  suspend: { field: 'reason', required: true },
  cancel: { field: 'reason', required: true, danger: true },
  urge: { field: 'note', required: true },
  comment: { field: 'text', required: true },
  check: { field: 'note', required: false, result: true },
  resume: { field: 'reason', required: false },
  accept: { field: 'note', required: false },
};

function defaultProposed(c) {
  const base = Math.max(Date.parse(c.due_at ?? 0) || 0, Date.now());
  return toCityInput(new Date(base + 2 * 86400_000).toISOString());
}

export function SimpleActionDialog({ action, c, onClose, onDone, presetText }) {
  const spec = SIMPLE[action] ?? { field: 'note', required: false };
  const [text, setText] = useState(presetText ?? '');
  const [proposed, setProposed] = useState(() => defaultProposed(c));
  const [result, setResult] = useState('passed');
  const { busy, error, submit } = useSubmit(c, action, onDone);
  const maxLen = spec.field === 'text' ? 2000 : 500;
  return (
    <Dialog title={`${t('action.' + action)} · #${c.id}`} onClose={onClose} busy={busy} error={error} testid={`${action}-dialog`}
      danger={spec.danger} submitLabel={t('action.' + action)}
      onSubmit={() => {
        const body = {};
        if (text.trim()) body[spec.field] = text.trim();
        if (spec.proposed) body.proposed_due_at = fromCityInput(proposed);
        if (spec.result) body.result = result;
        submit(body);
      }}>
      {action === 'approve-extension' || action === 'deny-extension' ? (
        <p>{t('proposedDue')}: <b>{cityTime(c.proposed_due_at)}</b> · {t('dueAt')}: {cityTime(c.due_at)}</p>
      ) : null}
      {spec.result && (
        <fieldset>
          <legend>{t('checkResult')}</legend>
          {['passed', 'failed'].map((r) => (
            <div class="field check" key={r}>
              <input type="radio" id={`res-${r}`} name="check-result" checked={result === r} onChange={() => setResult(r)} />
              <label for={`res-${r}`}>{t('check.' + r)}</label>
            </div>
          ))}
        </fieldset>
      )}
      {spec.proposed && (
        <Field label={t('proposedDue')} hint={`${t('dueAt')}: ${cityTime(c.due_at)} · ${t('cityTimeHint')}`}>
          <input type="datetime-local" required value={proposed} onInput={(e) => setProposed(e.target.value)} />
        </Field>
      )}
      {spec.quick && (
        <div class="quick" role="group" aria-label={t('quickReasons')}>
          {spec.quick.map((k) => <button type="button" key={k} onClick={() => setText(t(k))}>{t(k)}</button>)}
        </div>
      )}
      <Field label={t(`field.${spec.field}`) + (spec.required ? '' : ` (${t('optional')})`)}>
        <textarea rows={3} maxLength={maxLen} required={spec.required} value={text} onInput={(e) => setText(e.target.value)}
          onKeyDown={(e) => { if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) e.currentTarget.form.requestSubmit(); }} />
      </Field>
    </Dialog>
  );
}

export function ResolveDialog({ c, onClose, onDone }) {
  const [photos, setPhotos] = useState(() => c.photos.filter((p) => p.kind === 'after'));
  const [uploading, setUploading] = useState(0);
  const [upError, setUpError] = useState(null);
  const [note, setNote] = useState('');
  const { busy, error, submit } = useSubmit(c, 'resolve', onDone);
  const need = ref.categories.get(c.category)?.after_photo_required;
  const onFiles = async (e) => {
    const files = [...e.target.files];
    e.target.value = '';
    setUpError(null);
    for (const f of files) {
      setUploading((n) => n + 1);
      try {
        const p = await api('POST', `/v1/cases/${c.id}/photos?kind=after`, f);
        setPhotos((xs) => [...xs.filter((x) => x.sha256 !== p.sha256), p]);
        notifyLocal({ id: c.id, action: 'photo_added' });
      } catch (err) {
        setUpError(`${f.name}: ${errorText(err)}`);
      } finally {
        setUploading((n) => n - 1);
      }
    }
  };
  const ready = !uploading && (!need || photos.length > 0);
  return (
    <Dialog title={`${t('action.resolve')} · #${c.id}`} onClose={onClose} busy={busy || uploading > 0} error={error || upError}
      testid="resolve-dialog" submitLabel={t('confirmResolve')}
      onSubmit={() => { if (ready) submit(note.trim() ? { note: note.trim() } : {}); }}>
      <p><b>{catName(c.category)}</b> · {c.cell.name} · {c.description}</p>
      <Field label={t('afterPhotos')} hint={need ? t('afterRequired') : t('afterOptional')}>
        <input type="file" accept="image/jpeg,image/png,image/webp,image/heic" multiple onChange={onFiles} data-testid="after-photo-input" />
      </Field>
      {uploading > 0 && <Loading what={t('uploading', { n: uploading })} />}
      <div class="photos" data-testid="after-photos">
        {photos.map((p) => <Photo key={p.sha256} sha256={p.sha256} kind="after" flags={p.flags ?? []} />)}
      </div>
      <Field label={`${t('field.note')} (${t('optional')})`}>
        <textarea rows={2} maxLength={500} value={note} onInput={(e) => setNote(e.target.value)} />
      </Field>
      {!ready && !uploading && <p class="hint" role="note">{t('afterFirst')}</p>}
    </Dialog>
  );
}

/** A case in a modal, from boards and lists. */
export function CaseDialog({ id, onClose }) {
  return (
    <Dialog title={`${t('case')} #${id}`} onClose={onClose} wide testid="case-dialog" closeLabel={t('close')}>
      <CaseDetail id={id} compact />
    </Dialog>
  );
}

export { OPEN_STATES };
