// gridd consoles (/console/): the dispatch centre, the responsible units'
// desk and the supervisors' dashboard in one web app. After login the views
// of the account's role (GET /v1/me) are offered; live updates come from
// GET /v1/events. Chinese first, English switchable.
import 'leaflet/dist/leaflet.css';
import 'uplot/dist/uPlot.min.css';
import './style.css';
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, session, ApiError } from '../../shared/api.js';
import { t, language, setLanguage, onLanguage } from './i18n.js';
import { startLive, stopLive, onLiveStatus } from './live.js';
import { loadRef, resetRef, dropPhotos, cityTime } from './util.js';
import { Toasts, Dialog, Loading, ErrorLine, errorText, useLoader } from './ui.jsx';
import { CaseDialog } from './CaseDetail.jsx';
import { QueueView, MapView, OverdueBoard, ReturnsView } from './views/dispatcher.jsx';
import { TasksView } from './views/unit.jsx';
import { StatsView, RankingView, ApprovalsView, AuditView, FlaggedPhotosView } from './views/supervisor.jsx';

session.use('console');

const VIEWS = {
  queue: { roles: ['dispatcher', 'admin'], render: () => <QueueView /> },
  tasks: { roles: ['unit_staff'], render: (me) => <TasksView me={me} /> },
  map: { roles: ['dispatcher', 'supervisor', 'admin'], render: () => <MapView /> },
  overdue: { roles: ['dispatcher', 'supervisor', 'admin'], render: () => <OverdueBoard /> },
  returns: { roles: ['dispatcher', 'admin'], render: () => <ReturnsView /> },
  stats: { roles: ['supervisor', 'admin', 'dispatcher', 'unit_staff'], render: () => <StatsView /> },
  ranking: { roles: ['supervisor', 'admin', 'dispatcher', 'unit_staff'], render: (me) => <RankingView me={me} /> },
  approvals: { roles: ['supervisor', 'admin'], render: () => <ApprovalsView /> },
  audit: { roles: ['supervisor', 'admin', 'dispatcher'], render: (me, arg) => <AuditView initial={arg ? Number(arg) : null} /> },
  photos: { roles: ['supervisor', 'admin'], render: () => <FlaggedPhotosView /> },
};
const HOME = { dispatcher: 'queue', unit_staff: 'tasks', supervisor: 'stats', admin: 'queue' };

function parseHash() {
  const [, view, arg] = /^#\/([a-z]+)(?:\/(\w+))?/.exec(location.hash) ?? [];
  return { view, arg };
}

function useHash() {
  const [h, setH] = useState(parseHash);
  useEffect(() => {
    const fn = () => setH(parseHash());
    addEventListener('hashchange', fn);
    return () => removeEventListener('hashchange', fn);
  }, []);
  return h;
}

function LangSwitch() {
  const other = language() === 'en' ? 'zh' : 'en';
  return (
    <button type="button" class="lang" onClick={() => setLanguage(other)} lang={other === 'en' ? 'en' : 'zh-CN'}
      data-testid="lang-switch">
      {other === 'en' ? 'English' : '中文'}
    </button>
  );
}

// ----------------------------------------------------------------- login ---

function Login({ onIn }) {
  const [login, setLogin] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onIn(await session.login(login.trim(), password));
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? t('login.bad')
        : err instanceof ApiError && err.status === 429 ? t('login.throttled') : errorText(err));
      setBusy(false);
    }
  };
  return (
    <main class="login" id="main">
      <form class="login-card" onSubmit={submit} aria-labelledby="login-h">
        <div class="login-brand" aria-hidden="true">▦</div>
        <h1 id="login-h">{t('appTitle')}</h1>
        <p class="muted">{t('login.sub')}</p>
        <div class="field">
          <label for="login-name">{t('login.name')}</label>
          <input id="login-name" name="username" autoComplete="username" required value={login} onInput={(e) => setLogin(e.target.value)} autoFocus />
        </div>
        <div class="field">
          <label for="login-password">{t('login.password')}</label>
          <input id="login-password" name="password" type="password" autoComplete="current-password" required value={password} onInput={(e) => setPassword(e.target.value)} />
        </div>
        {error && <p class="error" role="alert">{error}</p>}
        <button type="submit" class="primary block" disabled={busy}>{busy ? t('working') : t('login.submit')}</button>
        <div class="login-foot"><LangSwitch /></div>
      </form>
    </main>
  );
}

// ----------------------------------------------------------------- shell ---

function LiveIndicator() {
  const [s, setS] = useState('idle');
  useEffect(() => onLiveStatus(setS), []);
  const ok = s === 'open';
  return (
    <span class={`live ${ok ? 'live-ok' : 'live-off'}`} role="status" data-testid="live-status" data-status={s}>
      <i aria-hidden="true" /> {ok ? t('live.open') : s === 'stopped' ? t('live.stopped') : t('live.connecting')}
    </span>
  );
}

function Notifications() {
  const [open, setOpen] = useState(false);
  const [caseId, setCaseId] = useState(null);
  const q = useLoader(() => api('GET', '/v1/notifications?limit=50'), [], { throttleMs: 2000 });
  const unread = (q.data?.items ?? []).filter((n) => !n.read).length;
  const markAll = async () => {
    await api('POST', '/v1/notifications/read', { all: true }).catch(() => {});
    q.reload();
  };
  return (
    <>
      <button type="button" class="bell" onClick={() => setOpen(true)} aria-label={t('notifications.count', { n: unread })}>
        {t('notifications')}{unread > 0 && <span class="count danger">{unread}</span>}
      </button>
      {open && (
        <Dialog title={t('notifications')} onClose={() => setOpen(false)} closeLabel={t('close')}
          extraButtons={unread > 0 && <button type="button" onClick={markAll}>{t('markAllRead')}</button>}>
          <ErrorLine error={q.error} retry={q.reload} />
          {(q.data?.items ?? []).length === 0 ? <p class="muted">{t('none')}</p> : (
            <ul class="plain notes">
              {q.data.items.map((n) => (
                <li key={n.id} class={n.read ? 'muted' : ''}>
                  <button type="button" class="link" onClick={() => setCaseId(n.case_id)}>#{n.case_id}</button>{' '}
                  <b>{t('note.' + n.kind)}</b> · {t('state.' + n.case_state)} · {cityTime(n.created_at)}
                </li>
              ))}
            </ul>
          )}
        </Dialog>
      )}
      {caseId && <CaseDialog id={caseId} onClose={() => setCaseId(null)} />}
    </>
  );
}

function Shell({ me, onOut }) {
  const { view, arg } = useHash();
  const allowed = Object.keys(VIEWS).filter((v) => VIEWS[v].roles.includes(me.role));
  const current = allowed.includes(view) ? view : HOME[me.role] ?? allowed[0];
  useEffect(() => startLive(), []);
  useEffect(() => { document.title = `${t('nav.' + current)} · ${t('appTitle')}`; }, [current, language()]);
  return (
    <div class="shell">
      <a class="skip" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById('main')?.focus(); }}>{t('skip')}</a>
      <header class="top">
        <div class="brand"><span aria-hidden="true">▦</span> {t('appTitle')}</div>
        <nav aria-label={t('nav')}>
          <ul>
            {allowed.map((v) => (
              <li key={v}>
                <a href={`#/${v}`} aria-current={v === current ? 'page' : undefined} data-view={v}>{t('nav.' + v)}</a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="me">
          <LiveIndicator />
          <Notifications />
          <span class="who" data-testid="who">{me.display_name} <small>{t('role.' + me.role)}</small></span>
          <LangSwitch />
          <button type="button" onClick={onOut}>{t('logout')}</button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {allowed.length === 0 ? <NotForRole me={me} /> : VIEWS[current].render(me, arg)}
      </main>
      <Toasts />
    </div>
  );
}

function NotForRole({ me }) {
  return (
    <section class="pane">
      <h1>{t('notForRole.title')}</h1>
      <p>{t('notForRole.text', { role: t('role.' + me.role) })}</p>
      {me.role === 'grid_worker' && <p><a href="/app/">{t('notForRole.app')}</a></p>}
    </section>
  );
}

// ------------------------------------------------------------------- app ---

function App() {
  const [me, setMe] = useState(() => session.get()?.me ?? null);
  const [ready, setReady] = useState(false);
  const [error, setError] = useState(null);
  const [, setLang] = useState(language());
  useEffect(() => onLanguage(setLang), []);
  useEffect(() => session.onChange((s) => { if (!s) { setMe(null); setReady(false); stopLive(); } }), []);
  useEffect(() => {
    if (!me) return;
    let alive = true;
    setError(null);
    (async () => {
      // Checks the session (refreshing the access token) and loads the names of things.
      const fresh = await api('GET', '/v1/me');
      if (!alive) return;
      if (fresh.id !== me.id || fresh.role !== me.role) setMe(fresh);
      await loadRef(fresh);
      if (alive) setReady(true);
    })().catch((e) => { if (alive && !(e instanceof ApiError && e.status === 401)) setError(e); });
    return () => { alive = false; };
  }, [me?.id]);
  useEffect(() => { document.documentElement.lang = language() === 'en' ? 'en' : 'zh-CN'; }, []);

  const logout = async () => {
    stopLive();
    await session.logout();
    resetRef();
    dropPhotos();
    setMe(null);
    setReady(false);
    location.hash = '';
  };
  if (!me) return <Login onIn={(m) => { setMe(m); }} />;
  if (error) return <main class="login" id="main"><div class="login-card"><ErrorLine error={error} retry={() => location.reload()} /><button type="button" onClick={logout}>{t('logout')}</button></div></main>;
  if (!ready) return <main class="login" id="main"><Loading /></main>;
  return <Shell me={me} onOut={logout} />;
}

render(<App />, document.getElementById('root'));
