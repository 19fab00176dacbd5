import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { cityTime } from '../../../shared/i18n.js';
import { t, catName } from '../i18n.js';
import { useCached, categoryIndex, useOnline } from '../store.js';
import { AuthImage, BlobImage, CameraIcon, Lightbox, StateChip, problemText } from '../components/ui.jsx';
import { call, send } from '../net.js';
import { preparePhoto } from '../image.js';

function PhotoColumn({ title, photos, kind, onOpen }) {
  return (
    <figure class="photo-col" data-kind={kind}>
      <figcaption>{title}</figcaption>
      {!photos.length && <div class="photo-box empty">{t('noPhoto')}</div>}
      {photos.map((p, i) => (
        <AuthImage key={p.sha256} sha256={p.sha256} size="large" alt={t('photoAlt', { kind: title, n: i + 1 })} onOpen={onOpen} />
      ))}
    </figure>
  );
}

export function CaseView({ id }) {
  const online = useOnline();
  const cats = useCached('categories', '/v1/categories');
  const catIdx = useMemo(() => categoryIndex(cats.data), [cats.data]);
  const [c, setCase] = useState(null);
  const [error, setError] = useState(null);
  const [note, setNote] = useState('');
  const [photo, setPhoto] = useState(null);
  const [confirm, setConfirm] = useState(null);   // 'passed' | 'failed'
  const [busy, setBusy] = useState(null);
  const [actError, setActError] = useState(null);
  const [fieldErrors, setFieldErrors] = useState({});
  const [done, setDone] = useState(null);
  const [lightbox, setLightbox] = useState(null);

  const load = useCallback(async () => {
    setError(null);
    try {
      setCase(await call('GET', `/v1/cases/${id}`));
    } catch (e) {
      setError(e);
    }
  }, [id]);
  useEffect(() => { load(); }, [load]);

  async function addPhoto(e) {
    const file = e.currentTarget.files?.[0];
    e.currentTarget.value = '';
    if (!file) return;
    try {
      setPhoto(await preparePhoto(file));
      setFieldErrors((x) => ({ ...x, photo: null }));
    } catch (err) {
      setActError(err.message);
    }
  }

  function ask(result) {
    const fe = {};
    if (result === 'failed') {
      if (!note.trim()) fe.note = t('needNote');
      if (!photo) fe.photo = t('needCheckPhoto');
    }
    setFieldErrors(fe);
    if (Object.keys(fe).length) return;
    setConfirm(result);
  }

  async function submit(result) {
    setBusy('submitting');
    setActError(null);
    try {
      if (photo) {
        setBusy('uploading');
        // The same bytes again answer 200 with the same photo: a retry after a lost answer is safe.
        await send('POST', `/v1/cases/${id}/photos?kind=check`, photo.blob, { headers: { 'content-type': 'image/jpeg' } });
      }
      setBusy('submitting');
      const body = { result };
      if (note.trim()) body.note = note.trim();
      const next = await call('POST', `/v1/cases/${id}/check`, body, { headers: { 'if-match': `"${c.version}"` } });
      setCase(next);
      setDone(result);
      setConfirm(null);
      setPhoto(null);
      setNote('');
    } catch (e) {
      if (e.status === 409 || e.status === 412) {
        setActError(t('conflict', { detail: problemText(e) }));
        load();
      } else {
        setActError(problemText(e));
      }
      setConfirm(null);
    } finally {
      setBusy(null);
    }
  }

  if (error) {
    return (
      <main id="main" tabIndex={-1} class="screen" data-screen="case">
        <a href="#/" class="btn small back">← {t('back')}</a>
        <p class="alert error" role="alert">{t('loadFailed', { detail: problemText(error) })}</p>
        <button type="button" class="btn" onClick={load}>{t('retry')}</button>
      </main>
    );
  }
  if (!c) return <main id="main" tabIndex={-1} class="screen" data-screen="case"><p role="status">{t('loading')}</p></main>;

  const before = c.photos.filter((p) => p.kind === 'before');
  const after = c.photos.filter((p) => p.kind === 'after');
  const checks = c.photos.filter((p) => p.kind === 'check');
  const canCheck = c.allowed_actions?.includes('check');
  const open = (url, alt) => setLightbox({ url, alt });

  return (
    <main id="main" tabIndex={-1} class="screen" data-screen="case" data-case-id={c.id} data-state={c.state}>
      <a href="#/" class="btn small back">← {t('back')}</a>
      <div class="row between">
        <h1>{t('caseTitle', { id: c.id })}</h1>
        <StateChip state={c.state} />
      </div>
      <section class="card">
        <h2>{catName(catIdx.get(c.category)) || c.category}</h2>
        <p class="desc">{c.description}</p>
        <p class="small muted">{c.cell?.name} ({c.cell?.code})</p>
        {c.unit && <p class="small muted">{t('unitName', { name: c.unit.name })}</p>}
        {c.due_at && <p class={`small ${c.overdue ? 'error-text' : 'muted'}`}>{t('due', { time: cityTime(c.due_at) })}{c.overdue ? ` · ${t('overdue')}` : ''}</p>}
        {c.resolved_at && <p class="small muted">{t('resolvedAt', { time: cityTime(c.resolved_at) })}</p>}
      </section>

      <section class="card" aria-label={`${t('before')} / ${t('after')}`}>
        <div class="compare" data-testid="compare">
          <PhotoColumn title={t('before')} kind="before" photos={before} onOpen={open} />
          <PhotoColumn title={t('after')} kind="after" photos={after} onOpen={open} />
        </div>
        {checks.length > 0 && (
          <div class="compare single">
            <PhotoColumn title={t('checkPhotos')} kind="check" photos={checks} onOpen={open} />
          </div>
        )}
      </section>

      {done && <p class="alert ok" role="status" data-testid="check-done">{done === 'passed' ? t('checkedPassed') : t('checkedFailed')}</p>}
      {!canCheck && !done && c.state !== 'resolved' && <p class="muted">{t('notCheckable', { state: t(`st_${c.state}`) })}</p>}

      {canCheck && (
        <section class="card form" aria-labelledby="h-check" data-testid="check-form">
          <h2 id="h-check">{t('checkTitle')}</h2>
          <p class="small muted">{t('checkHint')}</p>
          {!online && <p class="alert warn" role="status">{t('checkNeedsNetwork')}</p>}
          <div class="field">
            <label for="check-note">{t('checkNote')}</label>
            <textarea id="check-note" rows={3} maxLength={500} value={note}
              aria-describedby={fieldErrors.note ? 'err-note' : undefined}
              onInput={(e) => { setNote(e.currentTarget.value); setFieldErrors((x) => ({ ...x, note: null })); }} />
            {fieldErrors.note && <p id="err-note" class="field-error">{fieldErrors.note}</p>}
          </div>
          <div class="field">
            <span class="label" id="check-photo-label">{t('checkPhoto')}</span>
            {photo && (
              <div class="photo-item">
                <BlobImage blob={photo.thumb} alt={t('checkPhoto')} />
                <div class="photo-meta small">
                  <div>{photo.width}×{photo.height}</div>
                  {photo.exif?.takenAt && <div>{t('exifTaken', { time: photo.exif.takenAt })}</div>}
                </div>
                <button type="button" class="btn small icon" aria-label={t('removePhoto', { n: 1 })} onClick={() => setPhoto(null)}>✕</button>
              </div>
            )}
            <input id="check-photo" class="visually-hidden" type="file" accept="image/*" capture="environment" onChange={addPhoto}
              aria-describedby={fieldErrors.photo ? 'err-photo' : undefined} />
            <label for="check-photo" class="btn block file-btn"><CameraIcon /> {t('addCheckPhoto')}</label>
            {fieldErrors.photo && <p id="err-photo" class="field-error">{fieldErrors.photo}</p>}
          </div>
          {actError && <p class="alert error" role="alert">{actError}</p>}
          {busy && <p role="status" class="small">{busy === 'uploading' ? t('uploadingCheck') : t('submitting')}</p>}
          {!confirm && (
            <div class="row gap two">
              <button type="button" class="btn pass" disabled={!online || !!busy} onClick={() => ask('passed')}>✓ {t('pass')}</button>
              <button type="button" class="btn fail" disabled={!online || !!busy} onClick={() => ask('failed')}>✕ {t('fail')}</button>
            </div>
          )}
          {confirm && (
            <div class="row gap two">
              <button type="button" class={`btn ${confirm === 'passed' ? 'pass' : 'fail'}`} disabled={!online || !!busy} onClick={() => submit(confirm)}>
                {confirm === 'passed' ? t('confirmPass') : t('confirmFail')}
              </button>
              <button type="button" class="btn" disabled={!!busy} onClick={() => setConfirm(null)}>{t('cancel')}</button>
            </div>
          )}
        </section>
      )}
      {lightbox && <Lightbox url={lightbox.url} alt={lightbox.alt} onClose={() => setLightbox(null)} />}
    </main>
  );
}
