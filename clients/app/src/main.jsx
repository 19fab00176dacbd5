// The grid worker's app (网格员): a Preact PWA served by gridd at /app/.
// Screens by hash route: #/ home, #/new report, #/outbox, #/case/<id>
// (details and on-site check), #/settings. Offline first: reports go to
// IndexedDB before the network (db.js, sender.js); the service worker
// (../sw.js) serves the app shell without a network.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { session } from '../../shared/api.js';
import { onLanguage, setLanguage } from '../../shared/i18n.js';
import { t, language } from './i18n.js';
import { watchRetryAfter } from './net.js';
import { startSender } from './sender.js';
import { pruneSent } from './db.js';
import { useOnline } from './store.js';
import { Login } from './screens/Login.jsx';
import { Home, useOutboxCounts } from './screens/Home.jsx';
import { NewReport } from './screens/NewReport.jsx';
import { Outbox } from './screens/Outbox.jsx';
import { CaseView } from './screens/CaseView.jsx';
import { Settings } from './screens/Settings.jsx';
import './style.css';

session.use('app');
watchRetryAfter();
setLanguage(language());   // sets <html lang> from the saved choice

function useRoute() {
  const parse = () => (location.hash.replace(/^#/, '') || '/').split('/').filter(Boolean);
  const [route, setRoute] = useState(parse());
  useEffect(() => {
    const on = () => { setRoute(parse()); window.scrollTo(0, 0); };
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}

function useUpdate() {
  const [ready, setReady] = useState(false);
  useEffect(() => {
    if (!('serviceWorker' in navigator)) return undefined;
    let hadController = !!navigator.serviceWorker.controller;
    const on = () => {
      // The first worker taking over a fresh page is not an update.
      if (hadController) setReady(true);
      hadController = true;
    };
    navigator.serviceWorker.addEventListener('controllerchange', on);
    return () => navigator.serviceWorker.removeEventListener('controllerchange', on);
  }, []);
  return ready;
}

function Nav({ route, login }) {
  const counts = useOutboxCounts(login);
  const here = route[0] ?? '';
  const item = (href, key, label, extra) => (
    <a href={href} class={`nav-item ${here === key ? 'on' : ''}`} aria-current={here === key ? 'page' : undefined}>
      <span>{label}</span>{extra}
    </a>
  );
  const pending = counts.queued + counts.failed;
  return (
    <nav class="bottom-nav" aria-label={t('app')}>
      {item('#/', '', t('navHome'))}
      {item('#/new', 'new', t('navNew'))}
      {item('#/outbox', 'outbox', t('navOutbox'), pending > 0 && <span class={`badge ${counts.failed ? 'alert-badge' : ''}`} data-testid="nav-outbox-count">{pending}</span>)}
      {item('#/settings', 'settings', t('navSettings'))}
    </nav>
  );
}

function App() {
  const [s, setS] = useState(session.get());
  const [, setLang] = useState(language());
  const route = useRoute();
  const online = useOnline();
  const update = useUpdate();
  // A fresh copy each time: api.js saves the same object again once /v1/me is in.
  useEffect(() => session.onChange(() => setS(session.get())), []);
  useEffect(() => onLanguage(setLang), []);
  const me = s?.access && s?.me ? s.me : null;
  if (!me) return <Login />;

  let screen;
  switch (route[0]) {
    case 'new': screen = <NewReport me={me} key="new" />; break;
    case 'outbox': screen = <Outbox me={me} />; break;
    case 'case': screen = <CaseView id={Number(route[1])} key={route[1]} />; break;
    case 'settings': screen = <Settings me={me} />; break;
    default: screen = <Home me={me} />;
  }
  return (
    <div class="shell">
      <a href="#main" class="skip" onClick={(e) => {
        // The hash is the router's: move the focus without changing it.
        e.preventDefault();
        document.getElementById('main')?.focus();
      }}>{t('skip')}</a>
      <header class="topbar">
        <span class="brand">{t('app')}</span>
        <span class="who">{me.display_name}</span>
        {!online && <span class="chip offline" role="status" data-testid="offline-chip">{t('offline')}</span>}
      </header>
      {update && (
        <div class="alert info update" role="status">
          {t('updateReady')} <button type="button" class="btn small" onClick={() => location.reload()}>{t('reload')}</button>
        </div>
      )}
      {me.role !== 'grid_worker' && <p class="alert warn">{t('notWorker', { role: me.role })}</p>}
      {screen}
      <Nav route={route} login={me.login} />
    </div>
  );
}

const root = document.getElementById('app');
root.textContent = '';
render(<App />, root);

startSender();
pruneSent().catch(() => {});

if ('serviceWorker' in navigator) {
  // The bundle sits next to sw.js (/app/main-HASH.js): the worker's scope is /app/.
  const sw = new URL('./sw.js', import.meta.url);
  navigator.serviceWorker.register(sw.href, { scope: new URL('./', sw).pathname })
    .catch((e) => console.warn('service worker not registered', e));
}
