import { useEffect, useState } from 'preact/hooks';
import { setLanguage } from '../../../shared/i18n.js';
import { t, language } from '../i18n.js';
import { call } from '../net.js';

export function LangSwitch() {
  const lang = language();
  return (
    <div class="lang" role="group" aria-label={t('language')}>
      <button type="button" class={`btn small ${lang === 'zh' ? 'on' : ''}`} aria-pressed={lang === 'zh'} lang="zh-CN" onClick={() => setLanguage('zh')}>中文</button>
      <button type="button" class={`btn small ${lang === 'en' ? 'on' : ''}`} aria-pressed={lang === 'en'} lang="en" onClick={() => setLanguage('en')}>EN</button>
    </div>
  );
}

export function StateChip({ state }) {
  return <span class={`chip st-${state}`} data-state={state}>{t(`st_${state}`)}</span>;
}

/**
 * A photo from GET /v1/photos/{sha256}: it needs the Authorization header, so
 * it is fetched and shown from an object URL (revoked when it goes).
 */
export function AuthImage({ sha256, size = 'large', alt, onOpen }) {
  const [url, setUrl] = useState(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let gone = false;
    let made = null;
    setUrl(null);
    setFailed(false);
    call('GET', `/v1/photos/${sha256}?size=${size}`, undefined, { raw: true })
      .then((res) => res.blob())
      .then((blob) => {
        if (gone) return;
        made = URL.createObjectURL(blob);
        setUrl(made);
      })
      .catch(() => { if (!gone) setFailed(true); });
    return () => { gone = true; if (made) URL.revokeObjectURL(made); };
  }, [sha256, size]);
  if (failed) return <div class="photo-box failed" role="img" aria-label={`${alt}: ${t('photoFailed')}`}>{t('photoFailed')}</div>;
  if (!url) return <div class="photo-box loading" role="img" aria-label={`${alt}: ${t('photoLoading')}`}>{t('photoLoading')}</div>;
  const img = <img src={url} alt={alt} class="photo" data-sha={sha256} />;
  return onOpen
    ? <button type="button" class="photo-btn" onClick={() => onOpen(url, alt)} aria-label={`${alt} · ${t('openPhoto')}`}>{img}</button>
    : img;
}

/** A local Blob shown as an image (object URL managed). */
export function BlobImage({ blob, alt, className = 'thumb' }) {
  const [url, setUrl] = useState(null);
  useEffect(() => {
    if (!blob) return undefined;
    const u = URL.createObjectURL(blob);
    setUrl(u);
    return () => URL.revokeObjectURL(u);
  }, [blob]);
  if (!url) return <div class={`${className} empty`} role="img" aria-label={alt} />;
  return <img src={url} alt={alt} class={className} />;
}

export function Lightbox({ url, alt, onClose }) {
  useEffect(() => {
    const key = (e) => { if (e.key === 'Escape') onClose(); };
    window.addEventListener('keydown', key);
    return () => window.removeEventListener('keydown', key);
  }, [onClose]);
  return (
    <div class="lightbox" role="dialog" aria-modal="true" aria-label={alt}>
      <img src={url} alt={alt} />
      <button type="button" class="btn primary" onClick={onClose} autofocus>{t('close')}</button>
    </div>
  );
}

/** Problem text of an error (ApiError / NetworkError). */
export function problemText(e) {
  if (!e) return '';
  if (e.network) return t('networkDown');
  const p = e.problem;
  const fields = (p?.errors ?? []).map((x) => `${x.pointer}: ${x.detail}`).join('; ');
  return [p?.detail ?? p?.title ?? e.message, fields].filter(Boolean).join(' — ');
}

/** A camera glyph (inline SVG: no icon font, no emoji font needed). */
export function CameraIcon() {
  return (
    <svg width="22" height="22" viewBox="0 0 24 24" aria-hidden="true" focusable="false" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">
      <path d="M4 8h3l2-3h6l2 3h3a1 1 0 0 1 1 1v10a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1V9a1 1 0 0 1 1-1z" />
      <circle cx="12" cy="13.5" r="3.5" />
    </svg>
  );
}
