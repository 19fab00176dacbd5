// The dispatch centre (受理/派遣): the live queue of new reports and of
// registered cases waiting for a unit, the map, the overdue and near-deadline
// board, returned cases and extension requests.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../../../shared/api.js';
import { t } from '../i18n.js';
import { catName, cellName, unitName, cityTime, listAll, pool, caseDetail, fmtDuration } from '../util.js';
import { CaseDetail, CaseDialog, ActionDialog, SimpleActionDialog, OPEN_STATES } from '../CaseDetail.jsx';
import { CaseMap, STATE_COLOURS } from '../CaseMap.jsx';
import { useLoader, Loading, ErrorLine, Segmented, StateBadge, TimeLeft, Photo, toast } from '../ui.jsx';

const byQueueOrder = (a, b) => (b.urgent - a.urgent) || (Date.parse(a.created_at) - Date.parse(b.created_at));

function ago(iso) {
  const s = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  if (s < 60) return t('justNow');
  return t('ago', { d: fmtDuration(s) });
}

// ---------------------------------------------------------------- queue ---

export function QueueView() {
  const [tab, setTab] = useState('reported');
  const [sel, setSel] = useState(null);
  const known = useRef(null);
  const [fresh, setFresh] = useState(() => new Set());
  const [announce, setAnnounce] = useState('');
  const q = useLoader(async () => {
    const [reported, registered] = await Promise.all([
      listAll('/v1/cases?state=reported', 3), listAll('/v1/cases?state=registered', 3)]);
    const details = await pool(registered, 4, (x) => caseDetail(x.id, x.version).catch(() => null));
    registered.forEach((x, i) => { x.return_count = details[i]?.return_count ?? 0; });
    return { reported: reported.sort(byQueueOrder), registered: registered.sort(byQueueOrder) };
  }, [], { pollMs: 15_000 });   // photos added to a report raise no live event (yet): look again now and then

  useEffect(() => {
    if (!q.data) return;
    const ids = new Set(q.data.reported.map((c) => c.id));
    if (known.current) {
      const added = q.data.reported.filter((c) => !known.current.has(c.id));
      if (added.length) {
        setFresh((s) => new Set([...s, ...added.map((c) => c.id)]));
        setAnnounce(t('newReports', { list: added.map((c) => `#${c.id} ${catName(c.category)}`).join(', ') }));
        setTimeout(() => setFresh((s) => new Set([...s].filter((id) => !added.some((c) => c.id === id)))), 15_000);
      }
    }
    known.current = ids;
    if (sel == null && q.data.reported.length) setSel(q.data.reported[0].id);
  }, [q.data]);

  const list = q.data ? q.data[tab] : [];
  return (
    <div class="split">
      <section class="pane list-pane" aria-labelledby="queue-h">
        <div class="pane-head">
          <h1 id="queue-h">{t('nav.queue')}</h1>
          <Segmented label={t('nav.queue')} value={tab} onChange={setTab} options={[
            ['reported', t('queue.reported'), q.data?.reported.length],
            ['registered', t('queue.registered'), q.data?.registered.length],
          ]} />
        </div>
        <p class="sr-only" role="status" aria-live="polite">{announce}</p>
        <ErrorLine error={q.error} retry={q.reload} />
        {q.loading && !q.data ? <Loading /> : list.length === 0 ? <p class="muted empty">{t('queue.empty')}</p> : (
          <ul class="queue" data-testid={`queue-${tab}`}>
            {list.map((c) => (
              <li key={c.id}>
                <QueueRow c={c} selected={c.id === sel} fresh={fresh.has(c.id)} onSelect={() => setSel(c.id)} />
              </li>
            ))}
          </ul>
        )}
      </section>
      <section class="pane detail-pane" aria-label={t('caseDetail')}>
        {sel ? <CaseDetail key={sel} id={sel} /> : <p class="muted empty">{t('pickCase')}</p>}
      </section>
    </div>
  );
}

function QueueRow({ c, selected, fresh, onSelect }) {
  const [d, setD] = useState(null);
  useEffect(() => {
    let alive = true;
    caseDetail(c.id, c.version).then((x) => alive && setD(x), () => {});
    return () => { alive = false; };
  }, [c.id, c.version]);
  const first = d?.photos?.[0];
  const flagged = d?.photos?.some((p) => p.flags?.length);
  return (
    <button type="button" class={`queue-row${selected ? ' selected' : ''}${fresh ? ' fresh' : ''}`} onClick={onSelect}
      aria-current={selected ? 'true' : undefined} data-case-id={c.id}>
      <span class="thumb">{first ? <Photo sha256={first.sha256} alt="" /> : <span class="photo-empty">{t('noPhotoShort')}</span>}</span>
      <span class="queue-main">
        <span class="queue-title">
          <b>#{c.id}</b> {catName(c.category)}
          {c.urgent && <span class="badge danger">{t('urgent')}</span>}
          {fresh && <span class="badge info">{t('new')}</span>}
          {c.return_count > 0 && <span class="badge warn">{t('returned')}</span>}
          {flagged && <span class="badge warn">{t('flaggedPhoto')}</span>}
        </span>
        <span class="queue-desc">{c.description}</span>
        <span class="muted small">{cellName(c.cell)} · {ago(c.created_at)}{d ? ` · ${t('photos')} ${d.photos.length}` : ''}{c.unit_id ? ` · ${unitName(c.unit_id)}` : ''}</span>
      </span>
    </button>
  );
}

// ------------------------------------------------------------------ map ---

export function MapView() {
  const [sel, setSel] = useState(null);
  const [show, setShow] = useState('open');
  const q = useLoader(async () => {
    const lists = await Promise.all(OPEN_STATES.map((s) => listAll(`/v1/cases?state=${s}`, 2)));
    return lists.flat();
  }, [], { throttleMs: 2000 });
  const all = q.data ?? [];
  const cases = show === 'overdue' ? all.filter((c) => c.overdue) : show === 'open' ? all : all.filter((c) => c.state === show);
  const counts = Object.fromEntries(OPEN_STATES.map((s) => [s, all.filter((c) => c.state === s).length]));
  return (
    <div class="split map-split">
      <section class="pane" aria-labelledby="map-h">
        <div class="pane-head">
          <h1 id="map-h">{t('nav.map')}</h1>
          <Segmented label={t('filter')} value={show} onChange={setShow} options={[
            ['open', t('allOpen'), all.length],
            ...OPEN_STATES.map((s) => [s, t('state.' + s), counts[s]]),
            ['overdue', t('overdue'), all.filter((c) => c.overdue).length],
          ]} />
        </div>
        <ErrorLine error={q.error} retry={q.reload} />
        <CaseMap cases={cases} selectedId={sel} onSelect={setSel} height={560} />
        <details class="map-list">
          <summary>{t('mapList', { n: cases.length })}</summary>
          <ul>
            {cases.map((c) => (
              <li key={c.id}>
                <button type="button" class="link" onClick={() => setSel(c.id)}>
                  <i class="dot" style={{ background: STATE_COLOURS[c.state] }} />#{c.id} {catName(c.category)} · {cellName(c.cell)} · {t('state.' + c.state)}{c.overdue ? ` · ${t('overdue')}` : ''}
                </button>
              </li>
            ))}
          </ul>
        </details>
      </section>
      <section class="pane detail-pane" aria-label={t('caseDetail')}>
        {sel ? <CaseDetail key={sel} id={sel} showMap={false} /> : <p class="muted empty">{t('pickOnMap')}</p>}
      </section>
    </div>
  );
}

// -------------------------------------------------------- overdue board ---

export function OverdueBoard() {
  const [horizon, setHorizon] = useState('4');
  const [open, setOpen] = useState(null);
  const [urge, setUrge] = useState(null);
  const q = useLoader(async () => {
    const soonBefore = new Date(Date.now() + Number(horizon) * 3600_000).toISOString();
    const [overdue, d1, d2] = await Promise.all([
      listAll('/v1/cases?overdue=true', 3),
      listAll(`/v1/cases?state=dispatched&overdue=false&due_before=${encodeURIComponent(soonBefore)}`, 2),
      listAll(`/v1/cases?state=in_progress&overdue=false&due_before=${encodeURIComponent(soonBefore)}`, 2),
    ]);
    const soon = [...d1, ...d2].filter((c) => !c.suspended && c.due_at);
    const withDetail = async (xs) => (await pool(xs.slice(0, 150), 4, (x) => api('GET', `/v1/cases/${x.id}`).catch(() => ({ ...x, cell: { code: x.cell, name: cellName(x.cell) }, unit: { id: x.unit_id } }))));
    const byDue = (a, b) => Date.parse(a.due_at) - Date.parse(b.due_at);
    return { overdue: (await withDetail(overdue)).sort(byDue), soon: (await withDetail(soon)).sort(byDue) };
  }, [horizon], { throttleMs: 3000, pollMs: 60_000 });   // time passes: working time left too
  const perUnit = {};
  for (const c of q.data?.overdue ?? []) perUnit[c.unit?.id] = (perUnit[c.unit?.id] ?? 0) + 1;
  return (
    <section class="pane wide" aria-labelledby="overdue-h">
      <div class="pane-head">
        <h1 id="overdue-h">{t('nav.overdue')}</h1>
        <label class="inline">{t('horizon')}
          <select value={horizon} onChange={(e) => setHorizon(e.target.value)}>
            {['1', '2', '4', '8', '24'].map((h) => <option key={h} value={h}>{t('hours', { n: h })}</option>)}
          </select>
        </label>
        <button type="button" onClick={q.reload}>{t('refresh')}</button>
      </div>
      <ErrorLine error={q.error} retry={q.reload} />
      {q.loading && !q.data ? <Loading /> : q.data && (
        <>
          {Object.keys(perUnit).length > 0 && (
            <p class="chips" aria-label={t('overdueByUnit')}>
              {Object.entries(perUnit).sort((a, b) => b[1] - a[1]).map(([u, n]) => (
                <span key={u} class="chip danger">{unitName(u)} <b>{n}</b></span>
              ))}
            </p>
          )}
          <h2>{t('board.overdue')} <span class="count danger">{q.data.overdue.length}</span></h2>
          <CaseTable cases={q.data.overdue} onOpen={setOpen} onUrge={setUrge} testid="overdue-table" />
          <h2>{t('board.soon', { h: horizon })} <span class="count warn">{q.data.soon.length}</span></h2>
          <CaseTable cases={q.data.soon} onOpen={setOpen} onUrge={setUrge} testid="soon-table" />
        </>
      )}
      {open && <CaseDialog id={open} onClose={() => setOpen(null)} />}
      {urge && <SimpleActionDialog action="urge" c={urge} onClose={() => setUrge(null)} onDone={() => { setUrge(null); toast(t('action.urge')); q.reload(); }} />}
    </section>
  );
}

export function CaseTable({ cases, onOpen, onUrge, testid, extra }) {
  if (!cases.length) return <p class="muted">{t('none')}</p>;
  return (
    <div class="table-wrap">
      <table class="grid" data-testid={testid}>
        <thead>
          <tr>
            <th scope="col">{t('caseNo')}</th><th scope="col">{t('category')}</th><th scope="col">{t('unit')}</th>
            <th scope="col">{t('cell')}</th><th scope="col">{t('state')}</th><th scope="col">{t('dueAt')}</th>
            <th scope="col">{t('workingLeft')}</th><th scope="col">{t('urges')}</th>{extra && <th scope="col">{extra.title}</th>}<th scope="col"><span class="sr-only">{t('actions')}</span></th>
          </tr>
        </thead>
        <tbody>
          {cases.map((c) => (
            <tr key={c.id} data-case-id={c.id} class={c.overdue ? 'row-overdue' : ''}>
              <td><button type="button" class="link" onClick={() => onOpen(c.id)}>#{c.id}</button></td>
              <td>{catName(c.category)}{c.urgent && <span class="badge danger">{t('urgent')}</span>}</td>
              <td>{c.unit?.name ?? unitName(c.unit?.id)}</td>
              <td>{c.cell?.name ?? cellName(c.cell)}</td>
              <td><StateBadge state={c.state} suspended={c.suspended} pending={c.extension_pending} /></td>
              <td>{cityTime(c.due_at)}</td>
              <td><TimeLeft c={c} /></td>
              <td>{c.urge_count ?? 0}</td>
              {extra && <td>{extra.cell(c)}</td>}
              <td class="row-actions">
                {onUrge && c.allowed_actions?.includes('urge') && <button type="button" onClick={() => onUrge(c)}>{t('action.urge')}</button>}
                {extra?.actions?.(c)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

// -------------------------------------------- returns and extension requests ---

async function lastEvent(id, kind) {
  const { events } = await api('GET', `/v1/cases/${id}/events`);
  return [...events].reverse().find((e) => e.kind === kind) ?? null;
}

export function ReturnsView() {
  const [dialog, setDialog] = useState(null);
  const [open, setOpen] = useState(null);
  const q = useLoader(async () => {
    const registered = await listAll('/v1/cases?state=registered', 3);
    const details = (await pool(registered, 4, (x) => api('GET', `/v1/cases/${x.id}`).catch(() => null))).filter(Boolean);
    const returned = details.filter((c) => c.return_count > 0);
    const reasons = await pool(returned, 4, (c) => lastEvent(c.id, 'return').catch(() => null));
    returned.forEach((c, i) => { c.lastReturn = reasons[i]; });
    return returned;
  }, [], { throttleMs: 1500 });
  return (
    <section class="pane wide" aria-labelledby="returns-h">
      <div class="pane-head"><h1 id="returns-h">{t('nav.returns')}</h1></div>
      <h2>{t('returnsTitle')} <span class="count warn">{q.data?.length ?? ''}</span></h2>
      <p class="muted">{t('returnsHint')}</p>
      <ErrorLine error={q.error} retry={q.reload} />
      {q.loading && !q.data ? <Loading /> : (
        <CaseTable cases={q.data ?? []} onOpen={setOpen} testid="returns-table" extra={{
          title: t('returnReason'),
          cell: (c) => c.lastReturn ? <>{c.lastReturn.data?.reason} <small class="muted">— {c.lastReturn.actor?.display_name} {cityTime(c.lastReturn.at)}</small></> : '—',
          actions: (c) => c.allowed_actions.includes('dispatch') && (
            <button type="button" class="primary" onClick={() => setDialog({ action: 'dispatch', c })}>{t('redispatch')}</button>),
        }} />
      )}
      <ExtensionRequests />
      {open && <CaseDialog id={open} onClose={() => setOpen(null)} />}
      {dialog && <ActionDialog action={dialog.action} c={dialog.c} onClose={() => setDialog(null)}
        onDone={() => { setDialog(null); toast(t('done')); q.reload(); }} />}
    </section>
  );
}

/** In-progress cases with an extension request: supervisors decide, dispatchers forward. */
export function ExtensionRequests() {
  const [dialog, setDialog] = useState(null);
  const [open, setOpen] = useState(null);
  const q = useLoader(async () => {
    const running = await listAll('/v1/cases?state=in_progress', 5);
    const pending = running.filter((c) => c.extension_pending);
    const details = (await pool(pending, 4, (x) => api('GET', `/v1/cases/${x.id}`).catch(() => null))).filter(Boolean);
    const reqs = await pool(details, 4, (c) => lastEvent(c.id, 'request_extension').catch(() => null));
    details.forEach((c, i) => { c.request = reqs[i]; });
    return details;
  }, [], { throttleMs: 1500 });
  return (
    <section aria-labelledby="ext-h" data-testid="extension-requests">
      <h2 id="ext-h">{t('extRequests')} <span class="count info">{q.data?.length ?? ''}</span></h2>
      <ErrorLine error={q.error} retry={q.reload} />
      {q.loading && !q.data ? <Loading /> : (
        <CaseTable cases={q.data ?? []} onOpen={setOpen} testid="extensions-table" extra={{
          title: t('extRequest'),
          cell: (c) => (
            <>
              {t('proposedDue')} <b>{cityTime(c.proposed_due_at)}</b>
              {c.request && <div class="small">{c.request.data?.reason} <span class="muted">— {c.request.actor?.display_name}</span></div>}
            </>
          ),
          actions: (c) => c.allowed_actions.includes('approve-extension') ? (
            <>
              <button type="button" class="primary" onClick={() => setDialog({ action: 'approve-extension', c })}>{t('action.approve-extension')}</button>
              <button type="button" onClick={() => setDialog({ action: 'deny-extension', c })}>{t('action.deny-extension')}</button>
            </>
          ) : (
            <button type="button" onClick={() => setDialog({ action: 'comment', c, preset: t('forwardText', { at: cityTime(c.proposed_due_at) }) })}>{t('forward')}</button>
          ),
        }} />
      )}
      {open && <CaseDialog id={open} onClose={() => setOpen(null)} />}
      {dialog && <SimpleActionDialog action={dialog.action} c={dialog.c} presetText={dialog.preset}
        onClose={() => setDialog(null)} onDone={() => { setDialog(null); toast(t('done')); q.reload(); }} />}
    </section>
  );
}
