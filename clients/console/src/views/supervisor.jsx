// The supervisor's dashboard (督查): closure-rate tables and charts, the
// monthly ranking and its publication, approvals (extensions, suspensions),
// ledgers to download, the audit trail of a case, and photos that look like
// fake evidence.
import uPlot from 'uplot';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../../../shared/api.js';
import { t, language } from '../i18n.js';
import {
  catName, cellName, unitName, cityTime, cityMonth, prevMonth, listAll, pool, download, pct, num,
} from '../util.js';
import { CaseDetail, CaseDialog, SimpleActionDialog } from '../CaseDetail.jsx';
import { ExtensionRequests, CaseTable } from './dispatcher.jsx';
import {
  useLoader, Loading, ErrorLine, Segmented, ConfirmDialog, Photo, toast, errorText, flagText, StateBadge,
} from '../ui.jsx';

// A long case ledger is written in the background (202 and a job): the
// buttons show how far it is and save the file when it is ready.
function DownloadButtons({ items }) {
  const [busy, setBusy] = useState(null);
  const [progress, setProgress] = useState(null);   // { name, done, total } while a job runs
  const run = async (path, name) => {
    setBusy(name);
    let announced = false;
    try {
      const r = await download(path, name, {
        onProgress: (job) => {
          if (!announced) toast(t('dl.background'));
          announced = true;
          setProgress({ name, done: job.rows_done, total: job.rows_total });
        },
      });
      toast(t('downloaded', { name: r.name }));
    } catch (e) {
      toast(errorText(e), 'error');
    } finally {
      setBusy(null);
      setProgress(null);
    }
  };
  return (
    <div class="downloads" role="group" aria-label={t('downloads')}>
      {items.map(([label, path, name]) => (
        <button type="button" key={name + path} onClick={() => run(path, name)} disabled={busy === name} data-download={name}>
          ⤓ {label}
        </button>
      ))}
      {progress && (
        <span class="muted small export-progress" role="status" data-testid="export-progress" data-name={progress.name}>
          {progress.total == null ? <progress /> : <progress max={progress.total || 1} value={progress.done} />}
          {' '}{progress.total == null
            ? t('dl.progressNoTotal', { done: progress.done.toLocaleString() })
            : t('dl.progress', { done: progress.done.toLocaleString(), total: progress.total.toLocaleString() })}
        </span>
      )}
    </div>
  );
}

function MonthInput({ value, onChange, label }) {
  return (
    <label class="inline">{label ?? t('month')}
      <input type="month" value={value} required onInput={(e) => e.target.value && onChange(e.target.value)}
        onChange={(e) => e.target.value && onChange(e.target.value)} data-testid="month-input" />
    </label>
  );
}

// ------------------------------------------------------------ statistics ---

const GROUPS = ['unit', 'cell', 'area', 'category'];

export function StatsView() {
  const [month, setMonth] = useState(() => cityMonth());
  const [groupBy, setGroupBy] = useState('unit');
  const [areaLevel, setAreaLevel] = useState('street');
  const [catLevel, setCatLevel] = useState('minor');
  const [subunits, setSubunits] = useState(false);
  const [interval, setIntervalKind] = useState('day');
  const query = () => {
    const p = new URLSearchParams({ month, group_by: groupBy });
    if (groupBy === 'area') p.set('area_level', areaLevel);
    if (groupBy === 'category') p.set('category_level', catLevel);
    if (groupBy === 'unit' && subunits) p.set('include_subunits', 'true');
    return p.toString();
  };
  const q = useLoader(() => api('GET', `/v1/stats/closure?${query()}`), [month, groupBy, areaLevel, catLevel, subunits],
    { throttleMs: 1000 });
  const series = useLoader(() => {
    if (interval === 'day') return api('GET', `/v1/stats/timeseries?month=${month}&interval=day`);
    let first = month;
    for (let i = 0; i < 11; i++) first = prevMonth(first);
    const [y, m] = month.split('-').map(Number);
    const last = new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
    return api('GET', `/v1/stats/timeseries?from=${first}-01&to=${last}&interval=month`);
  }, [month, interval], { throttleMs: 1000 });
  const body = q.data;
  const name = (r) => {
    if (groupBy === 'unit') return r.name ?? unitName(r.key);
    if (groupBy === 'category') return catName(r.key);
    if (groupBy === 'cell') return r.name ?? cellName(r.key);
    return r.name ?? r.key;
  };
  return (
    <section class="pane wide" aria-labelledby="stats-h">
      <div class="pane-head">
        <h1 id="stats-h">{t('nav.stats')}</h1>
        <MonthInput value={month} onChange={setMonth} />
        <label class="inline">{t('groupBy')}
          <select value={groupBy} onChange={(e) => setGroupBy(e.target.value)} data-testid="group-by">
            {GROUPS.map((g) => <option key={g} value={g}>{t('group.' + g)}</option>)}
          </select>
        </label>
        {groupBy === 'area' && (
          <label class="inline">{t('areaLevel')}
            <select value={areaLevel} onChange={(e) => setAreaLevel(e.target.value)}>
              {['district', 'street', 'community'].map((l) => <option key={l} value={l}>{t('level.' + l)}</option>)}
            </select>
          </label>
        )}
        {groupBy === 'category' && (
          <label class="inline">{t('catLevel')}
            <select value={catLevel} onChange={(e) => setCatLevel(e.target.value)}>
              <option value="minor">{t('level.minor')}</option>
              <option value="major">{t('level.major')}</option>
            </select>
          </label>
        )}
        {groupBy === 'unit' && (
          <label class="inline check-inline">
            <input type="checkbox" checked={subunits} onChange={(e) => setSubunits(e.target.checked)} /> {t('includeSubunits')}
          </label>
        )}
      </div>
      <DownloadButtons items={[
        [t('dl.closureXlsx'), `/v1/exports/closure.xlsx?${query()}`, 'closure.xlsx'],
        [t('dl.closureCsv'), `/v1/exports/closure.csv?${query()}`, 'closure.csv'],
        [t('dl.casesXlsx'), `/v1/exports/cases.xlsx?month=${month}`, 'cases.xlsx'],
        [t('dl.casesCsv'), `/v1/exports/cases.csv?month=${month}`, 'cases.csv'],
      ]} />
      <ErrorLine error={q.error} retry={q.reload} />
      {q.loading && !body ? <Loading /> : body && (
        <>
          <p class="muted small">
            {t('period')}: {body.from} — {body.to} · {t('minSample')} {body.rules.min_sample}
            {body.rules.exclude_suspended ? ` · ${t('excludeSuspended')}` : ''} · {t('dueRule')}
          </p>
          <div class="table-wrap">
            <table class="grid stats" data-testid="closure-table" aria-describedby="stats-h">
              <thead>
                <tr>
                  <th scope="col">{t('rank')}</th><th scope="col">{t('group.' + groupBy)}</th>
                  <th scope="col" class="num">{t('m.due')}</th><th scope="col" class="num">{t('m.closed')}</th>
                  <th scope="col" class="num">{t('m.closed_on_time')}</th><th scope="col" class="num">{t('m.closure_rate')}</th>
                  <th scope="col" class="num">{t('m.on_time_closure_rate')}</th><th scope="col" class="num">{t('m.overdue')}</th>
                  <th scope="col" class="num">{t('m.rework_rate')}</th><th scope="col" class="num">{t('m.extension_rate')}</th>
                  <th scope="col" class="num">{t('m.returns')}</th><th scope="col" class="num">{t('m.urges')}</th>
                  <th scope="col" class="num">{t('m.mean')}</th><th scope="col" class="num">{t('m.p90')}</th>
                </tr>
              </thead>
              <tbody>
                {body.rows.length === 0 && <tr><td colSpan={14} class="muted">{t('noData')}</td></tr>}
                {body.rows.map((r) => <StatsRow key={r.key} r={r} name={name(r)} />)}
              </tbody>
              <tfoot>
                <StatsRow r={{ ...body.total, key: 'total', rank: null }} name={t('total')} total />
              </tfoot>
            </table>
          </div>
        </>
      )}
      <div class="chart-head">
        <h2>{t('trend')}</h2>
        <Segmented label={t('interval')} value={interval} onChange={setIntervalKind} options={[
          ['day', t('byDay')], ['month', t('byMonth')],
        ]} />
      </div>
      <ErrorLine error={series.error} retry={series.reload} />
      {series.data && <SeriesChart rows={series.data.rows} interval={interval} />}
    </section>
  );
}

function StatsRow({ r, name, total }) {
  return (
    <tr data-key={r.key} class={total ? 'total' : r.sample_too_small ? 'muted' : ''}>
      <td>{r.rank ?? (total ? '' : <span title={t('sampleTooSmall')}>—</span>)}</td>
      <th scope="row">{name}{r.sample_too_small && !total && <small class="muted"> ({t('sampleTooSmall')})</small>}</th>
      <td class="num" data-col="due">{num(r.due)}</td>
      <td class="num" data-col="closed">{num(r.closed)}</td>
      <td class="num" data-col="closed_on_time">{num(r.closed_on_time)}</td>
      <td class="num" data-col="closure_rate">{pct(r.closure_rate)}</td>
      <td class="num" data-col="on_time_closure_rate">{pct(r.on_time_closure_rate)}</td>
      <td class="num" data-col="overdue">{num(r.overdue)}</td>
      <td class="num">{pct(r.rework_rate)}</td>
      <td class="num">{pct(r.extension_rate)}</td>
      <td class="num">{num(r.returns)}</td>
      <td class="num">{num(r.urges)}</td>
      <td class="num">{r.mean_handling_hours == null ? '—' : r.mean_handling_hours.toFixed(2)}</td>
      <td class="num">{r.p90_handling_hours == null ? '—' : r.p90_handling_hours.toFixed(2)}</td>
    </tr>
  );
}

function SeriesChart({ rows, interval }) {
  const el = useRef(null);
  useEffect(() => {
    const xs = rows.map((r) => Date.parse(`${r.period}T00:00:00Z`) / 1000);
    const data = [xs, rows.map((r) => r.due), rows.map((r) => r.closed), rows.map((r) => r.closed_on_time),
      rows.map((r) => r.closure_rate), rows.map((r) => r.on_time_closure_rate)];
    const width = Math.max(480, el.current.clientWidth || 900);
    const fmt = interval === 'month' ? (d) => d.toISOString().slice(0, 7) : (d) => d.toISOString().slice(5, 10);
    const opts = {
      width, height: 300,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC'),
      scales: { x: { time: true }, n: { auto: true, range: (u, min, max) => [0, Math.max(4, max)] }, pct: { auto: false, range: [0, 100] } },
      axes: [
        { values: (u, splits) => splits.map((s) => fmt(new Date(s * 1000))), stroke: '#334155' },
        { scale: 'n', label: t('count'), stroke: '#334155' },
        { scale: 'pct', side: 1, label: '%', grid: { show: false }, stroke: '#334155' },
      ],
      series: [
        { label: t('period'), value: (u, v) => (v == null ? '' : fmt(new Date(v * 1000))) },
        { label: t('m.due'), scale: 'n', stroke: '#1d4ed8', width: 2, points: { show: true } },
        { label: t('m.closed'), scale: 'n', stroke: '#15803d', width: 2, points: { show: true } },
        { label: t('m.closed_on_time'), scale: 'n', stroke: '#0e7490', width: 1.5, dash: [4, 3] },
        { label: t('m.closure_rate'), scale: 'pct', stroke: '#b45309', width: 2, value: (u, v) => pct(v) },
        { label: t('m.on_time_closure_rate'), scale: 'pct', stroke: '#be123c', width: 1.5, dash: [6, 4], value: (u, v) => pct(v) },
      ],
    };
    const u = new uPlot(opts, data, el.current);
    const ro = new ResizeObserver(() => {
      const w = Math.max(480, el.current?.clientWidth ?? width);
      if (Math.abs(w - u.width) > 4) u.setSize({ width: w, height: 300 });
    });
    ro.observe(el.current);
    return () => { ro.disconnect(); u.destroy(); };
  }, [rows, interval, language()]);
  return (
    <figure class="chart" data-testid="stats-chart">
      <div ref={el} role="img" aria-label={t('chartLabel')} />
      <details>
        <summary>{t('chartData')}</summary>
        <table class="grid small">
          <thead><tr><th scope="col">{t('period')}</th><th scope="col">{t('m.due')}</th><th scope="col">{t('m.closed')}</th><th scope="col">{t('m.closure_rate')}</th></tr></thead>
          <tbody>{rows.map((r) => <tr key={r.period}><td>{r.period}</td><td>{r.due}</td><td>{r.closed}</td><td>{pct(r.closure_rate)}</td></tr>)}</tbody>
        </table>
      </details>
    </figure>
  );
}

// --------------------------------------------------------------- ranking ---

export function RankingView({ me }) {
  const [month, setMonth] = useState(() => prevMonth(cityMonth()));
  const [confirm, setConfirm] = useState(false);
  const q = useLoader(() => api('GET', `/v1/assessments/${month}`), [month], { throttleMs: 1500 });
  const a = q.data;
  const ended = month < cityMonth();
  const mayPublish = (me.role === 'supervisor' || me.role === 'admin') && !me.area;
  return (
    <section class="pane wide" aria-labelledby="rank-h">
      <div class="pane-head">
        <h1 id="rank-h">{t('nav.ranking')}</h1>
        <MonthInput value={month} onChange={setMonth} />
        {a && <span class={`badge ${a.status === 'published' ? 'ok' : 'info'}`} data-testid="assessment-status" data-status={a.status}>
          {a.status === 'published' ? t('published', { at: cityTime(a.published_at), by: a.published_by?.display_name ?? a.published_by?.login ?? '' }) : t('draft')}
        </span>}
        {a?.status === 'draft' && mayPublish && (
          <button type="button" class="primary" disabled={!ended} title={ended ? '' : t('publishNotEnded')} onClick={() => setConfirm(true)} data-testid="publish">
            {t('publish')}
          </button>
        )}
      </div>
      <DownloadButtons items={[
        [t('dl.assessmentXlsx'), `/v1/exports/assessment-${month}.xlsx`, `assessment-${month}.xlsx`],
        [t('dl.assessmentCsv'), `/v1/exports/assessment-${month}.csv`, `assessment-${month}.csv`],
      ]} />
      <ErrorLine error={q.error} retry={q.reload} />
      {q.loading && !a ? <Loading /> : a && (
        <>
          <p class="muted small">{t('weights')}: {Object.entries(a.rules.weights).map(([k, v]) => `${t('w.' + k)} ${v}`).join(' · ')} · {t('minSample')} {a.rules.min_sample}</p>
          <div class="table-wrap">
            <table class="grid stats" data-testid="ranking-table">
              <thead>
                <tr>
                  <th scope="col">{t('rank')}</th><th scope="col">{t('unit')}</th><th scope="col" class="num">{t('score')}</th>
                  <th scope="col">{t('rankChange')}</th><th scope="col" class="num">{t('m.due')}</th><th scope="col" class="num">{t('m.closed')}</th>
                  <th scope="col" class="num">{t('m.on_time_closure_rate')}</th><th scope="col" class="num">{t('m.closure_rate')}</th>
                  <th scope="col" class="num">{t('m.rework_rate')}</th><th scope="col" class="num">{t('m.extension_rate')}</th>
                  <th scope="col" class="num">{t('m.urges')}</th>
                </tr>
              </thead>
              <tbody>
                {a.rows.map((r) => (
                  <tr key={r.unit_id} data-unit={r.unit_id} class={r.rank == null ? 'muted' : ''}>
                    <td>{r.rank ?? '—'}</td>
                    <th scope="row">{r.name}{r.sample_too_small && <small class="muted"> ({t('sampleTooSmall')})</small>}</th>
                    <td class="num">{r.score == null ? '—' : r.score.toFixed(2)}</td>
                    <td><RankChange r={r} /></td>
                    <td class="num">{r.due}</td><td class="num">{r.closed}</td>
                    <td class="num">{pct(r.on_time_closure_rate)}</td><td class="num">{pct(r.closure_rate)}</td>
                    <td class="num">{pct(r.rework_rate)}</td><td class="num">{pct(r.extension_rate)}</td>
                    <td class="num">{r.urges}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {a.changed_after_publication?.length > 0 && <LateTable title={t('changedAfter')} rows={a.changed_after_publication} />}
          {a.late_changes?.length > 0 && <LateTable title={t('lateChanges')} rows={a.late_changes} />}
        </>
      )}
      {confirm && (
        <ConfirmDialog title={t('publishTitle', { month })} text={t('publishText', { month })} confirmLabel={t('publish')}
          testid="publish-dialog" onClose={() => setConfirm(false)}
          onConfirm={async () => { await api('POST', `/v1/assessments/${month}/publish`); toast(t('publishedToast', { month })); q.reload(); }} />
      )}
    </section>
  );
}

function RankChange({ r }) {
  if (r.rank == null) return <span class="muted">—</span>;
  if (r.previous_rank == null) return <span class="muted">{t('newRank')}</span>;
  const d = r.rank_change ?? (r.previous_rank - r.rank);
  if (d > 0) return <span class="up" aria-label={t('up', { n: d })}>▲ {d}</span>;
  if (d < 0) return <span class="down" aria-label={t('down', { n: -d })}>▼ {-d}</span>;
  return <span class="muted" aria-label={t('same')}>＝</span>;
}

function LateTable({ title, rows }) {
  return (
    <>
      <h2>{title}</h2>
      <table class="grid small">
        <thead><tr><th scope="col">{t('caseNo')}</th><th scope="col">{t('dueMonth')}</th><th scope="col">{t('countedIn')}</th><th scope="col">{t('unit')}</th><th scope="col">{t('at')}</th><th scope="col">{t('m.closed')}</th></tr></thead>
        <tbody>{rows.map((l) => <tr key={`${l.case_id}-${l.at}`}><td>#{l.case_id}</td><td>{l.month}</td><td>{l.counted_in}</td><td>{unitName(l.unit_id)}</td><td>{cityTime(l.at)}</td><td>{l.closed}</td></tr>)}</tbody>
      </table>
    </>
  );
}

// ------------------------------------------------------------- approvals ---

export function ApprovalsView() {
  const [open, setOpen] = useState(null);
  const [dialog, setDialog] = useState(null);
  const q = useLoader(async () => {
    const lists = await Promise.all(['dispatched', 'in_progress'].map((s) => listAll(`/v1/cases?state=${s}`, 5)));
    const suspended = lists.flat().filter((c) => c.suspended);
    return (await pool(suspended, 4, (x) => api('GET', `/v1/cases/${x.id}`).catch(() => null))).filter(Boolean);
  }, [], { throttleMs: 2000 });
  return (
    <section class="pane wide" aria-labelledby="approvals-h">
      <div class="pane-head"><h1 id="approvals-h">{t('nav.approvals')}</h1></div>
      <ExtensionRequests />
      <h2>{t('suspendedCases')} <span class="count warn">{q.data?.length ?? ''}</span></h2>
      <p class="muted">{t('suspendHint')}</p>
      <ErrorLine error={q.error} retry={q.reload} />
      {q.loading && !q.data ? <Loading /> : (
        <CaseTable cases={q.data ?? []} onOpen={setOpen} testid="suspended-table" extra={{
          title: t('suspended'),
          cell: () => '',
          actions: (c) => c.allowed_actions.includes('resume') && (
            <button type="button" onClick={() => setDialog({ action: 'resume', c })}>{t('action.resume')}</button>),
        }} />
      )}
      {open && <CaseDialog id={open} onClose={() => setOpen(null)} />}
      {dialog && <SimpleActionDialog action={dialog.action} c={dialog.c} onClose={() => setDialog(null)}
        onDone={() => { setDialog(null); toast(t('done')); q.reload(); }} />}
    </section>
  );
}

// ----------------------------------------------------------------- audit ---

export function AuditView({ initial }) {
  const [input, setInput] = useState(initial ? String(initial) : '');
  const [id, setId] = useState(initial ?? null);
  const recent = useLoader(() => api('GET', '/v1/cases?limit=15').then((b) => b.items), [], { throttleMs: 2000 });
  const go = (n) => { setInput(String(n)); setId(n); location.hash = `#/audit/${n}`; };
  return (
    <div class="split">
      <section class="pane list-pane" aria-labelledby="audit-h">
        <div class="pane-head"><h1 id="audit-h">{t('nav.audit')}</h1></div>
        <form class="inline-form" onSubmit={(e) => { e.preventDefault(); const n = Number(input); if (n > 0) go(n); }}>
          <label for="audit-case">{t('caseNo')}</label>
          <input id="audit-case" type="number" min="1" value={input} onInput={(e) => setInput(e.target.value)} required />
          <button type="submit" class="primary">{t('lookUp')}</button>
        </form>
        <h2>{t('recentCases')}</h2>
        <ErrorLine error={recent.error} retry={recent.reload} />
        <ul class="plain">
          {(recent.data ?? []).map((c) => (
            <li key={c.id}>
              <button type="button" class="link" onClick={() => go(c.id)} aria-current={c.id === id ? 'true' : undefined}>
                #{c.id} {catName(c.category)} · {t('state.' + c.state)} · {cityTime(c.updated_at)}
              </button>
            </li>
          ))}
        </ul>
      </section>
      <section class="pane detail-pane" aria-label={t('caseDetail')}>
        {id ? <CaseDetail key={id} id={id} showMap={false} autoAudit /> : <p class="muted empty">{t('auditPick')}</p>}
      </section>
    </div>
  );
}

// ------------------------------------------------------- flagged photos ---

export function FlaggedPhotosView() {
  const [open, setOpen] = useState(null);
  const q = useLoader(async () => {
    const [reports, resolved, closed] = await Promise.all([
      api('GET', '/v1/reports?limit=200').then((b) => b.items),
      listAll('/v1/cases?state=resolved', 1),
      api('GET', '/v1/cases?state=closed&limit=100').then((b) => b.items),
    ]);
    const out = [];
    for (const r of reports) {
      for (const p of r.photos) {
        if (p.flags?.length) out.push({ ...p, case_id: r.case_id, category: r.category, cell: r.cell.code, who: r.reporter.display_name, at: r.created_at, state: r.status });
      }
    }
    const cases = await pool([...resolved, ...closed], 4, (x) => api('GET', `/v1/cases/${x.id}`).catch(() => null));
    for (const c of cases.filter(Boolean)) {
      for (const p of c.photos) {
        if (p.kind !== 'before' && p.flags?.length) out.push({ ...p, case_id: c.id, category: c.category, cell: c.cell.code, who: c.unit?.name, at: c.resolved_at, state: c.state });
      }
    }
    const seen = new Set();
    return out.filter((p) => { const k = `${p.case_id}:${p.sha256}:${p.kind}`; if (seen.has(k)) return false; seen.add(k); return true; });
  }, [], { throttleMs: 3000 });
  const [kind, setKind] = useState('all');
  const rows = (q.data ?? []).filter((p) => kind === 'all' || p.flags.includes(kind));
  return (
    <section class="pane wide" aria-labelledby="flagged-h">
      <div class="pane-head">
        <h1 id="flagged-h">{t('nav.photos')}</h1>
        <Segmented label={t('filter')} value={kind} onChange={setKind} options={[
          ['all', t('all'), q.data?.length],
          ...['far_from_report', 'taken_long_before', 'no_exif'].map((f) => [f, flagText(f), q.data?.filter((p) => p.flags.includes(f)).length]),
        ]} />
      </div>
      <p class="muted">{t('flaggedHint')}</p>
      <ErrorLine error={q.error} retry={q.reload} />
      {q.loading && !q.data ? <Loading /> : rows.length === 0 ? <p class="muted empty">{t('none')}</p> : (
        <ul class="cards" data-testid="flagged-photos">
          {rows.map((p) => (
            <li key={`${p.case_id}:${p.sha256}:${p.kind}`} class="card">
              <Photo sha256={p.sha256} kind={p.kind} flags={p.flags} onOpen={() => setOpen(p.case_id)} />
              <div>
                <button type="button" class="link" onClick={() => setOpen(p.case_id)}>#{p.case_id} {catName(p.category)}</button>
                <div class="muted small">{cellName(p.cell)} · {p.who} · {cityTime(p.at)}</div>
                <StateBadge state={p.state} />
              </div>
            </li>
          ))}
        </ul>
      )}
      {open && <CaseDialog id={open} onClose={() => setOpen(null)} />}
    </section>
  );
}
