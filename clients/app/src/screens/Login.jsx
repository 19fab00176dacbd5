import { useEffect, useState } from 'preact/hooks';
import { session, ApiError } from '../../../shared/api.js';
import { t } from '../i18n.js';
import { lastRetryAfter } from '../net.js';
import { LangSwitch } from '../components/ui.jsx';

function duration(s) {
  const m = Math.floor(s / 60);
  return m ? t('minutesSeconds', { m, s: s % 60 }) : t('seconds', { s });
}

export function Login() {
  const [login, setLogin] = useState(localStorage.getItem('gridd.app.lastLogin') ?? '');
  const [password, setPassword] = useState('');
  const [show, setShow] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);     // { text, detail }
  const [until, setUntil] = useState(0);        // locked out until (ms)
  const [now, setNow] = useState(Date.now());

  useEffect(() => {
    if (until <= Date.now()) return undefined;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [until]);
  const left = Math.max(0, Math.ceil((until - now) / 1000));

  async function submit(e) {
    e.preventDefault();
    if (busy || left > 0) return;
    setBusy(true);
    setError(null);
    try {
      await session.login(login.trim(), password);
      localStorage.setItem('gridd.app.lastLogin', login.trim());
    } catch (err) {
      if (err instanceof ApiError) {
        const detail = err.problem?.detail ?? err.problem?.title ?? null;
        if (err.status === 429) {
          const wait = lastRetryAfter('/v1/auth/login');
          if (wait) { setUntil(Date.now() + wait * 1000); setNow(Date.now()); }
          setError({ kind: 'throttled', wait, detail });
        } else if (err.status === 401) {
          setError({ text: t('errWrongLogin'), detail });
        } else if (err.status >= 500) {
          setError({ text: t('errServer', { status: err.status }), detail });
        } else {
          setError({ text: t('errGeneric', { status: err.status }), detail });
        }
      } else {
        setError({ text: t('errNetwork') });
      }
    } finally {
      setBusy(false);
    }
  }

  let message = error?.text;
  if (error?.kind === 'throttled') message = left > 0 ? t('errTooMany', { time: duration(left) }) : (error.wait ? null : t('errTooManyNoTime'));

  return (
    <main class="login" id="main" tabIndex={-1}>
      <div class="login-top">
        <LangSwitch />
      </div>
      <div class="login-brand" aria-hidden="true"><img src="icon-192.png" alt="" width="72" height="72" /></div>
      <h1>{t('loginTitle')}</h1>
      <p class="muted">{t('loginSub')}</p>
      <form onSubmit={submit} class="card form" noValidate>
        <div class="field">
          <label for="login">{t('login')}</label>
          <input id="login" name="username" autocomplete="username" autocapitalize="none" spellcheck={false}
            required value={login} onInput={(e) => setLogin(e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="password">{t('password')}</label>
          <input id="password" name="password" type={show ? 'text' : 'password'} autocomplete="current-password"
            required value={password} onInput={(e) => setPassword(e.currentTarget.value)}
            aria-describedby={message ? 'login-error' : undefined} />
          <label class="check small">
            <input type="checkbox" checked={show} onChange={(e) => setShow(e.currentTarget.checked)} />
            {t('showPassword')}
          </label>
        </div>
        {message && (
          <div id="login-error" class="alert error" role="alert" data-testid="login-error">
            <p>{message}</p>
            {error?.detail && <p class="small">{t('serverSays', { detail: error.detail })}</p>}
          </div>
        )}
        <button type="submit" class="btn primary block" disabled={busy || left > 0 || !login.trim() || !password}>
          {busy ? t('signingIn') : t('signIn')}
        </button>
      </form>
    </main>
  );
}
