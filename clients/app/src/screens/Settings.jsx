import { useEffect, useState } from 'preact/hooks';
import { session } from '../../../shared/api.js';
import { t, language } from '../i18n.js';
import { LangSwitch } from '../components/ui.jsx';
import { LONG_EDGE_CHOICES, longEdgeSetting, setLongEdge, formatBytes } from '../image.js';
import { useOutboxCounts } from './Home.jsx';

export function Settings({ me }) {
  const [edge, setEdge] = useState(longEdgeSetting());
  const [storage, setStorage] = useState(null);
  const counts = useOutboxCounts(me.login);
  useEffect(() => {
    (async () => {
      const persisted = await navigator.storage?.persisted?.().catch(() => null);
      const est = await navigator.storage?.estimate?.().catch(() => null);
      setStorage({ persisted, usage: est?.usage, quota: est?.quota });
    })();
  }, []);
  const pending = counts.queued + counts.failed;
  return (
    <main id="main" tabIndex={-1} class="screen" data-screen="settings">
      <h1>{t('settingsTitle')}</h1>
      <section class="card">
        <h2>{t('language')}</h2>
        <LangSwitch />
      </section>
      <section class="card">
        <fieldset class="field">
          <legend>{t('photoSize')}</legend>
          {LONG_EDGE_CHOICES.map((v) => (
            <label class="check" key={v}>
              <input type="radio" name="edge" value={v} checked={edge === v} onChange={() => { setLongEdge(v); setEdge(v); }} />
              <span>{v ? t('px', { n: v }) : t('originalSize')}</span>
            </label>
          ))}
        </fieldset>
      </section>
      <section class="card">
        <h2>{t('storage')}</h2>
        {storage && (
          <p class="small muted">
            {storage.usage != null ? `${formatBytes(storage.usage)} / ${formatBytes(storage.quota)} · ` : ''}
            {storage.persisted ? t('storagePersisted') : t('storageNotPersisted')}
          </p>
        )}
      </section>
      <section class="card">
        <h2>{t('account')}</h2>
        <p>{me.display_name} <span class="muted">({me.login})</span></p>
        {me.cells?.length > 0 && <p class="small muted">{t('cellsOf', { cells: me.cells.join(language() === 'en' ? ', ' : '、') })}</p>}
        {pending > 0 && <p class="alert warn">{t('logoutPending', { n: pending })}</p>}
        <button type="button" class="btn danger block" onClick={() => session.logout()}>{t('logout')}</button>
      </section>
    </main>
  );
}
