import { useEffect, useMemo, useState } from 'preact/hooks';
import { cityTime } from '../../../shared/i18n.js';
import { t, catName } from '../i18n.js';
import { useCached, categoryIndex, useOnline } from '../store.js';
import { CellMap } from '../components/CellMap.jsx';
import { StateChip, problemText } from '../components/ui.jsx';
import { call } from '../net.js';
import { outboxOf, onOutboxChange } from '../db.js';

/** The narrowest area (district, street, community) holding all of the worker's cells. */
export function areaOf(cells) {
  if (!cells?.length) return null;
  for (const len of [12, 9, 6]) {
    const prefix = cells[0].slice(0, len);
    if (cells.every((c) => c.startsWith(prefix))) return len === 12 ? cells[0].slice(0, 9) : prefix;
  }
  return null;
}

export function cellsPath(me) {
  const area = areaOf(me?.cells);
  return area ? `/v1/cells?area=${area.slice(0, 6)}` : '/v1/cells';
}

export function cellName(cells, code) {
  const f = cells?.features?.find((x) => (x.properties?.code ?? x.id) === code);
  return f?.properties?.name ?? code;
}

export function useOutboxCounts(login) {
  const [counts, setCounts] = useState({ queued: 0, failed: 0 });
  useEffect(() => {
    const load = () => outboxOf(login).then((all) => setCounts({
      queued: all.filter((r) => r.stage === 'queued').length,
      failed: all.filter((r) => r.stage === 'failed').length,
    }));
    load();
    return onOutboxChange(load);
  }, [login]);
  return counts;
}

function Offline({ at }) {
  if (!at) return null;
  return <p class="small muted">{t('cachedAt', { time: cityTime(new Date(at).toISOString()) })}</p>;
}

export function Home({ me }) {
  const online = useOnline();
  const cells = useCached('cells', cellsPath(me));
  const cats = useCached('categories', '/v1/categories');
  const tasks = useCached('tasks', '/v1/cases?state=resolved&limit=50');
  const notes = useCached('notifications', '/v1/notifications?limit=20');
  const reports = useCached('reports', '/v1/reports?reporter=me&limit=20');
  const counts = useOutboxCounts(me.login);
  const catIdx = useMemo(() => categoryIndex(cats.data), [cats.data]);
  const [markError, setMarkError] = useState(null);

  // Fresh data when the network or the page comes back, and after a report was sent.
  useEffect(() => {
    const again = () => { tasks.reload(); notes.reload(); reports.reload(); };
    const visible = () => { if (document.visibilityState === 'visible') again(); };
    window.addEventListener('online', again);
    document.addEventListener('visibilitychange', visible);
    const off = onOutboxChange(() => reports.reload());
    const timer = setInterval(() => { if (document.visibilityState === 'visible') again(); }, 60_000);
    return () => {
      window.removeEventListener('online', again);
      document.removeEventListener('visibilitychange', visible);
      off();
      clearInterval(timer);
    };
  }, []);

  const taskItems = tasks.data?.items ?? [];
  const noteItems = notes.data?.items ?? [];
  const unread = noteItems.filter((n) => !n.read).length;
  const reportItems = reports.data?.items ?? [];

  async function markAll() {
    setMarkError(null);
    try {
      await call('POST', '/v1/notifications/read', { all: true });
      notes.reload();
    } catch (e) {
      setMarkError(problemText(e));
    }
  }

  const markers = taskItems.map((c) => ({
    id: c.id, coordinates: c.location.coordinates,
    title: `${t('case', { id: c.id })} ${catName(catIdx.get(c.category))}`,
    onClick: () => { location.hash = `#/case/${c.id}`; },
  }));

  return (
    <main id="main" tabIndex={-1} class="screen" data-screen="home">
      <h1 class="visually-hidden">{t('app')}</h1>
      <p class="hello">{t('hello', { name: me.display_name })}</p>
      {!online && <p class="alert warn" role="status">{t('offlineBanner')}</p>}
      {(counts.queued > 0 || counts.failed > 0) && (
        <a href="#/outbox" class={`card link outbox-card ${counts.failed ? 'has-failed' : ''}`} data-testid="outbox-card">
          {counts.queued > 0 && <span>{t('outboxCard', { n: counts.queued })}</span>}
          {counts.failed > 0 && <span class="error-text">{t('outboxFailedCard', { n: counts.failed })}</span>}
        </a>
      )}

      <section class="card" aria-labelledby="h-cells">
        <div class="row between">
          <h2 id="h-cells">{t('myCells')}</h2>
          <span class="small muted">{t('cellsCount', { n: me.cells?.length ?? 0 })}</span>
        </div>
        <CellMap cells={cells.data} mine={me.cells ?? []} markers={markers} label={t('mapLabel')} height={230} testId="home-map" />
        {cells.fromCache && <Offline at={cells.at} />}
        {cells.error && !cells.data && <p class="alert error">{t('loadFailed', { detail: problemText(cells.error) })}</p>}
      </section>

      <a href="#/new" class="btn primary block big">＋ {t('newReport')}</a>

      <section class="card" aria-labelledby="h-tasks">
        <div class="row between">
          <h2 id="h-tasks">{t('tasks')} <span class="badge" aria-label={String(taskItems.length)}>{taskItems.length}</span></h2>
        </div>
        <p class="small muted">{t('tasksHint')}</p>
        {tasks.fromCache && <Offline at={tasks.at} />}
        {tasks.error && !tasks.data && <p class="alert error">{t('loadFailed', { detail: problemText(tasks.error) })}</p>}
        {tasks.data && !taskItems.length && <p class="muted">{t('noTasks')}</p>}
        <ul class="list" data-testid="tasks">
          {taskItems.map((c) => (
            <li key={c.id}>
              <a href={`#/case/${c.id}`} class="item link" data-case-id={c.id}>
                <span class="item-main">
                  <strong>{catName(catIdx.get(c.category)) || c.category}</strong>
                  <span class="desc">{c.description}</span>
                  <span class="small muted">{t('case', { id: c.id })} · {cellName(cells.data, c.cell)} · {cityTime(c.updated_at)}</span>
                </span>
                <StateChip state={c.state} />
              </a>
            </li>
          ))}
        </ul>
      </section>

      <section class="card" aria-labelledby="h-notes">
        <div class="row between">
          <h2 id="h-notes">{t('notifications')} {unread > 0 && <span class="badge alert-badge" data-testid="unread">{t('unread', { n: unread })}</span>}</h2>
          {unread > 0 && online && <button type="button" class="btn small" onClick={markAll}>{t('markAllRead')}</button>}
        </div>
        {markError && <p class="alert error">{markError}</p>}
        {notes.fromCache && <Offline at={notes.at} />}
        {notes.data && !noteItems.length && <p class="muted">{t('noNotifications')}</p>}
        <ul class="list">
          {noteItems.map((n) => (
            <li key={n.id}>
              <a href={`#/case/${n.case_id}`} class={`item link ${n.read ? '' : 'unread'}`}>
                <span class="item-main">
                  <strong>{t(`nk_${n.kind}`)}{!n.read && <span class="dot" role="img" aria-label={t('unreadOne')} />}</strong>
                  <span class="small muted">{t('case', { id: n.case_id })} · {cellName(cells.data, n.cell)} · {cityTime(n.created_at)}</span>
                </span>
                <StateChip state={n.case_state} />
              </a>
            </li>
          ))}
        </ul>
      </section>

      <section class="card" aria-labelledby="h-reports">
        <h2 id="h-reports">{t('myReports')}</h2>
        {reports.fromCache && <Offline at={reports.at} />}
        {reports.data && !reportItems.length && <p class="muted">{t('noReports')}</p>}
        <ul class="list" data-testid="my-reports">
          {reportItems.map((r) => (
            <li key={r.id}>
              <a href={`#/case/${r.case_id}`} class="item link" data-report-id={r.id}>
                <span class="item-main">
                  <strong>{catName(catIdx.get(r.category)) || r.category}</strong>
                  <span class="desc">{r.description}</span>
                  <span class="small muted">{cityTime(r.created_at)} · {r.cell?.name} · {t('photosN', { n: r.photos?.length ?? 0 })}</span>
                </span>
                <StateChip state={r.status} />
              </a>
            </li>
          ))}
        </ul>
      </section>
    </main>
  );
}
