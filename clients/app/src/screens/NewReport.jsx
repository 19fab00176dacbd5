import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { t, catName } from '../i18n.js';
import { useCached, flattenCategories, matchCategory, useOnline } from '../store.js';
import { CellMap } from '../components/CellMap.jsx';
import { BlobImage, CameraIcon } from '../components/ui.jsx';
import { preparePhoto, longEdgeSetting, formatBytes } from '../image.js';
import { locate, distance, round7 } from '../geo.js';
import { addToOutbox } from '../db.js';
import { kick } from '../sender.js';
import { cellsPath } from './Home.jsx';

const MAX_PHOTOS = 6;

function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  // Plain-HTTP intranets are not a secure context: build a v4 UUID by hand.
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function CategoryPicker({ categories, value, onChange, error }) {
  const [query, setQuery] = useState('');
  const [open, setOpen] = useState(!value);
  const chosen = categories.find((c) => c.id === value);
  const shown = useMemo(() => categories.filter((c) => matchCategory(c, query)), [categories, query]);
  if (chosen && !open) {
    return (
      <fieldset class="field" aria-describedby={error ? 'err-category' : undefined}>
        <legend>{t('category')}</legend>
        <div class="chosen" data-testid="category-chosen">
          <span><strong>{catName(chosen)}</strong> <span class="small muted">{chosen.id} · {catName(chosen.major)}</span></span>
          <button type="button" class="btn small" onClick={() => setOpen(true)}>{t('change')}</button>
        </div>
      </fieldset>
    );
  }
  return (
    <fieldset class="field" aria-describedby={error ? 'err-category' : undefined}>
      <legend>{t('category')}</legend>
      <label for="category-search" class="visually-hidden">{t('categorySearch')}</label>
      <input id="category-search" type="search" placeholder={t('categorySearch')} value={query}
        onInput={(e) => setQuery(e.currentTarget.value)} autocomplete="off" />
      {!categories.length && <p class="alert warn">{t('categoriesOffline')}</p>}
      {categories.length > 0 && !shown.length && <p class="muted">{t('noCategoryMatch')}</p>}
      <div class="category-list" role="radiogroup" aria-label={t('category')}>
        {shown.map((c) => (
          <label class={`category ${c.id === value ? 'on' : ''}`} key={c.id}>
            <input type="radio" name="category" value={c.id} checked={c.id === value}
              onChange={() => { onChange(c); setOpen(false); setQuery(''); }} />
            <span class="cat-name">{catName(c)}</span>
            <span class="small muted">{t(`kind_${c.kind}`)} · {catName(c.major)} · {c.code}</span>
          </label>
        ))}
      </div>
      {error && <p id="err-category" class="field-error">{error}</p>}
    </fieldset>
  );
}

function fmtCoord(v) {
  return v == null ? '' : v.toFixed(6);
}

export function NewReport({ me }) {
  const online = useOnline();
  const cats = useCached('categories', '/v1/categories');
  const cells = useCached('cells', cellsPath(me));
  const categories = useMemo(() => flattenCategories(cats.data), [cats.data]);
  const [category, setCategory] = useState(null);
  const [urgent, setUrgent] = useState(false);
  const [photos, setPhotos] = useState([]);
  const [processing, setProcessing] = useState(0);
  const [photoError, setPhotoError] = useState(null);
  const [pos, setPos] = useState(null);            // { lon, lat, accuracy, manual }
  const [gps, setGps] = useState({ status: 'locating', msg: null });
  const [description, setDescription] = useState('');
  const [address, setAddress] = useState('');
  const [errors, setErrors] = useState({});
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState(null);
  const manual = useRef(false);
  const watch = useRef(null);
  const edge = longEdgeSetting();

  function startGps() {
    if (!navigator.geolocation) { setGps({ status: 'unsupported' }); return; }
    if (watch.current != null) navigator.geolocation.clearWatch(watch.current);
    setGps({ status: 'locating' });
    watch.current = navigator.geolocation.watchPosition(
      (p) => {
        if (manual.current) return;
        setPos({ lon: p.coords.longitude, lat: p.coords.latitude, accuracy: p.coords.accuracy, manual: false });
        setGps({ status: 'ok' });
      },
      (err) => setGps({ status: 'error', msg: err.message || String(err.code) }),
      { enableHighAccuracy: true, maximumAge: 10_000, timeout: 30_000 },
    );
  }
  useEffect(() => {
    startGps();
    return () => { if (watch.current != null) navigator.geolocation?.clearWatch(watch.current); };
  }, []);

  function resetGps() {
    manual.current = false;
    startGps();
  }
  function placePin([lon, lat]) {
    manual.current = true;
    setPos({ lon, lat, accuracy: null, manual: true });
  }

  async function addFiles(e) {
    const files = [...(e.currentTarget.files ?? [])];
    e.currentTarget.value = '';
    setPhotoError(null);
    const room = MAX_PHOTOS - photos.length;
    if (files.length > room) setPhotoError(t('tooManyPhotos', { n: MAX_PHOTOS }));
    for (const file of files.slice(0, Math.max(0, room))) {
      setProcessing((n) => n + 1);
      try {
        const p = await preparePhoto(file, { longEdge: edge });
        setPhotos((list) => (list.length < MAX_PHOTOS ? [...list, { ...p, key: uuid() }] : list));
        setErrors((x) => ({ ...x, photos: null }));
      } catch (err) {
        setPhotoError(`${file.name}: ${err.message}`);
      } finally {
        setProcessing((n) => n - 1);
      }
    }
  }

  const point = pos ? [pos.lon, pos.lat] : null;
  const cell = point && cells.data ? locate(cells.data, point) : null;
  const cellCode = cell ? (cell.properties?.code ?? cell.id) : null;
  const outside = point && cells.data?.features?.length && !cell;

  function validate() {
    const e = {};
    if (!category) e.category = t('needCategory');
    if (!photos.length) e.photos = t('needPhoto');
    if (!point) e.location = t('needLocation');
    else if (outside) e.location = t('outsideCells');
    if (!description.trim()) e.description = t('needDescription');
    setErrors(e);
    return !Object.keys(e).length;
  }

  async function save(e) {
    e.preventDefault();
    if (saving || processing) return;
    if (!validate()) {
      document.querySelector('.field-error')?.closest('.field, fieldset')?.scrollIntoView?.({ block: 'center' });
      return;
    }
    setSaving(true);
    setSaveError(null);
    const id = uuid();
    const body = {
      id,
      category: category.id,
      location: { type: 'Point', coordinates: [round7(pos.lon), round7(pos.lat)] },
      description: description.trim(),
      urgent,
      observed_at: new Date().toISOString(),
    };
    if (!pos.manual && pos.accuracy != null) body.accuracy_m = Math.round(pos.accuracy * 10) / 10;
    if (address.trim()) body.address = address.trim();
    const record = {
      id,
      account: me.login,
      createdAt: Date.now(),
      body,
      position: { manual: pos.manual, accuracy: pos.accuracy, cell: cellCode, cellName: cell?.properties?.name ?? null },
      photos: photos.map((p, n) => ({
        n, type: p.type, bytes: p.bytes, width: p.width, height: p.height, orig: p.orig, exif: p.exif, done: false, result: null,
      })),
      stage: 'queued',
      reportDone: false,
      result: null,
      attempts: 0,
      nextAt: 0,
      lastError: null,
      problem: null,
      sentAt: null,
    };
    try {
      await addToOutbox(record, photos.map((p) => ({ blob: p.blob, thumb: p.thumb })));
      navigator.storage?.persist?.().catch(() => {});
      kick({ force: true });
      location.hash = '#/outbox';
    } catch (err) {
      setSaveError(t('saveFailed', { detail: err.message }));
      setSaving(false);
    }
  }

  const edgeText = edge ? t('px', { n: edge }) : t('originalSize');

  return (
    <main id="main" tabIndex={-1} class="screen" data-screen="new-report">
      <h1>{t('newTitle')}</h1>
      {!online && <p class="alert warn" role="status">{t('offlineBanner')}</p>}
      <form onSubmit={save} noValidate class="form">
        <section class="card">
          <CategoryPicker categories={categories} value={category?.id}
            onChange={(c) => { setCategory(c); setUrgent(!!c.urgent_by_default); setErrors((x) => ({ ...x, category: null })); }}
            error={errors.category} />
        </section>

        <section class="card">
          <fieldset class="field" aria-describedby={`photo-hint${errors.photos ? ' err-photos' : ''}`}>
            <legend>{t('photos')}</legend>
            <p id="photo-hint" class="small muted">{t('photoHint', { n: MAX_PHOTOS, edge: edgeText })}</p>
            <ul class="photo-list" data-testid="photos">
              {photos.map((p, i) => {
                const far = p.exif?.lat != null && point ? Math.round(distance([p.exif.lon, p.exif.lat], point)) : null;
                return (
                  <li key={p.key} class="photo-item">
                    <BlobImage blob={p.thumb} alt={`${t('photos')} ${i + 1}`} />
                    <div class="photo-meta small">
                      <div>{p.width}×{p.height} · {formatBytes(p.bytes)} <span class="muted">({t('originalSize')} {p.orig.width}×{p.orig.height} · {formatBytes(p.orig.bytes)})</span></div>
                      {p.exif?.takenAt && <div data-testid="exif-time">{t('exifTaken', { time: p.exif.takenAt })}</div>}
                      {p.exif?.lat != null && (
                        <div data-testid="exif-gps">{t('exifAt', { lat: fmtCoord(p.exif.lat), lon: fmtCoord(p.exif.lon) })}{far != null && far > 50 ? t('exifFar', { m: far }) : ''}</div>
                      )}
                      {!p.exif && <div class="muted">{t('noExif')}</div>}
                    </div>
                    <button type="button" class="btn small icon" aria-label={t('removePhoto', { n: i + 1 })}
                      onClick={() => setPhotos((list) => list.filter((x) => x.key !== p.key))}>✕</button>
                  </li>
                );
              })}
            </ul>
            {processing > 0 && <p class="small" role="status">{t('processing')}</p>}
            {photos.length < MAX_PHOTOS && (
              <div>
                <input id="photo-input" class="visually-hidden" type="file" accept="image/*" capture="environment" multiple onChange={addFiles} />
                <label for="photo-input" class="btn block file-btn"><CameraIcon /> {t('addPhotos')}</label>
              </div>
            )}
            {photoError && <p class="field-error">{photoError}</p>}
            {errors.photos && <p id="err-photos" class="field-error">{errors.photos}</p>}
          </fieldset>
        </section>

        <section class="card">
          <fieldset class="field" aria-describedby={`gps-status${errors.location ? ' err-location' : ''}`}>
            <legend>{t('location')}</legend>
            <div id="gps-status" class="gps small" role="status" data-testid="gps-status">
              {pos && !pos.manual && pos.accuracy != null && <span class="ok">{t('gpsAccuracy', { m: Math.round(pos.accuracy) })}</span>}
              {pos?.manual && <span>{t('gpsManual')}</span>}
              {!pos && gps.status === 'locating' && <span>{t('gpsLocating')}</span>}
              {gps.status === 'error' && !pos && <span class="error-text">{t('gpsError', { msg: gps.msg })}</span>}
              {gps.status === 'unsupported' && <span>{t('gpsUnsupported')}</span>}
            </div>
            <CellMap cells={cells.data} mine={me.cells ?? []} pin={point} accuracy={pos && !pos.manual ? pos.accuracy : null}
              onPin={placePin} label={t('pinMapLabel')} height={220} testId="pin-map" />
            {point && <p class="small muted">{t('coords', { lon: fmtCoord(point[0]), lat: fmtCoord(point[1]) })}</p>}
            {cell && <p class="small" data-testid="pin-cell">{t('inCell', { name: cell.properties?.name, code: cellCode })}</p>}
            {cell && !(me.cells ?? []).includes(cellCode) && <p class="small warn-text">{t('notMyCell')}</p>}
            {pos?.manual && <button type="button" class="btn small" onClick={resetGps}>{t('useGps')}</button>}
            {errors.location && <p id="err-location" class="field-error">{errors.location}</p>}
          </fieldset>
          <div class="field">
            <label for="address">{t('address')}</label>
            <input id="address" maxLength={200} value={address} onInput={(e) => setAddress(e.currentTarget.value)} autocomplete="street-address" />
          </div>
        </section>

        <section class="card">
          <div class="field">
            <label for="description">{t('description')}</label>
            <textarea id="description" rows={4} maxLength={2000} value={description} required
              aria-describedby={`desc-hint${errors.description ? ' err-description' : ''}`}
              onInput={(e) => { setDescription(e.currentTarget.value); setErrors((x) => ({ ...x, description: null })); }} />
            <p id="desc-hint" class="small muted">{t('descriptionHint')} <span aria-hidden="true">{description.length}/2000</span></p>
            {errors.description && <p id="err-description" class="field-error">{errors.description}</p>}
          </div>
          <label class="check">
            <input type="checkbox" checked={urgent} onChange={(e) => setUrgent(e.currentTarget.checked)} aria-describedby="urgent-hint" />
            <span>{t('urgent')}</span>
          </label>
          <p id="urgent-hint" class="small muted">{t('urgentHint')}</p>
        </section>

        {saveError && <p class="alert error" role="alert">{saveError}</p>}
        <button type="submit" class="btn primary block big" disabled={saving || processing > 0} data-testid="save-report">
          {saving ? t('saving') : online ? t('save') : t('saveOffline')}
        </button>
      </form>
    </main>
  );
}
