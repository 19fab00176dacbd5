import { useEffect, useMemo, useState } from 'preact/hooks';
import { cityTime } from '../../../shared/i18n.js';
import { t, catName } from '../i18n.js';
import { useCached, categoryIndex, useOnline } from '../store.js';
import { BlobImage } from '../components/ui.jsx';
import { outboxOf, onOutboxChange, getBlob, removeRecord } from '../db.js';
import { kick, retryFailed, senderEvents, current } from '../sender.js';
import { formatBytes } from '../image.js';

const iso = (ms) => new Date(ms).toISOString();

function useSender() {
  const [, setTick] = useState(0);
  useEffect(() => {
    const bump = () => setTick((n) => n + 1);
    senderEvents.addEventListener('progress', bump);
    senderEvents.addEventListener('state', bump);
    return () => { senderEvents.removeEventListener('progress', bump); senderEvents.removeEventListener('state', bump); };
  }, []);
  return current;
}

function Thumb({ id, n, alt }) {
  const [blob, setBlob] = useState(null);
  useEffect(() => { getBlob(`${id}/t${n}`).then(setBlob).catch(() => {}); }, [id, n]);
  return <BlobImage blob={blob} alt={alt} />;
}

function Progress({ value, max, label }) {
  const pct = max ? Math.round((value / max) * 100) : 0;
  return (
    <div class="progress-row">
      <span class="small">{label}</span>
      <progress value={value} max={max || 1} aria-label={label}>{pct}%</progress>
      <span class="small muted">{pct}%</span>
    </div>
  );
}

function Item({ rec, cat, sending, online }) {
  const [confirming, setConfirming] = useState(false);
  const stage = sending ? 'sending' : rec.stage;
  const flags = [...(rec.result?.flags ?? []), ...rec.photos.flatMap((p) => p.result?.flags ?? [])];
  const uniqueFlags = [...new Set(flags)];
  return (
    <li class={`card outbox-item stage-${stage}`} data-report-id={rec.id} data-stage={stage}>
      <div class="row between">
        <strong>{catName(cat) || rec.body.category}</strong>
        <span class={`chip q-${stage}`} data-testid="outbox-state">{t(`q_${stage}`)}</span>
      </div>
      <p class="desc">{rec.body.description}</p>
      <p class="small muted">
        {t('createdAt', { time: cityTime(iso(rec.createdAt)) })}
        {rec.position?.cellName ? ` · ${rec.position.cellName}` : ''}
        {rec.body.urgent ? ` · ${t('urgent')}` : ''}
      </p>
      <p class="small muted">{t('coords', { lon: rec.body.location.coordinates[0].toFixed(6), lat: rec.body.location.coordinates[1].toFixed(6) })}
        {rec.body.accuracy_m != null ? ` · ${t('gpsAccuracy', { m: Math.round(rec.body.accuracy_m) })}` : ''}</p>
      <ul class="photo-list">
        {rec.photos.map((p) => {
          const prog = sending ? current.progress[p.n] : null;
          return (
            <li key={p.n} class="photo-item">
              <Thumb id={rec.id} n={p.n} alt={t('photoStep', { n: p.n + 1 })} />
              <div class="photo-meta small">
                <div>{p.width}×{p.height} · {formatBytes(p.bytes)} {p.done && <span class="ok">✓</span>}</div>
                {p.exif?.takenAt && <div>{t('exifTaken', { time: p.exif.takenAt })}</div>}
                {p.exif?.lat != null && <div>{t('exifAt', { lat: p.exif.lat.toFixed(6), lon: p.exif.lon.toFixed(6) })}</div>}
                {!p.exif && <div class="muted">{t('noExif')}</div>}
                {!p.done && prog && <Progress value={prog.loaded} max={prog.total} label={t('photoStep', { n: p.n + 1 })} />}
              </div>
            </li>
          );
        })}
      </ul>
      {sending && current.step === 'report' && <p class="small" role="status">{t('reportStep')}…</p>}
      {rec.reportDone && rec.stage !== 'sent' && <p class="small ok">{t('reportStepDone')}</p>}
      {rec.stage === 'queued' && !sending && (
        <p class="small muted" data-testid="queued-why">
          {!online ? t('waitingOffline')
            : rec.lastError ? t('nextTry', { why: rec.lastError.network ? t('networkDown') : `${rec.lastError.status} ${rec.lastError.detail ?? ''}`, time: cityTime(iso(rec.nextAt || Date.now()), { date: false }) })
              : ''}
        </p>
      )}
      {rec.stage === 'sent' && rec.result && (
        <p class="small ok" data-testid="sent-as">
          <a href={`#/case/${rec.result.case_id}`}>{t('sentAs', { id: rec.result.case_id, cell: rec.result.cell?.name ?? '' })}</a>
        </p>
      )}
      {uniqueFlags.length > 0 && <p class="small warn-text">{t('flags', { flags: uniqueFlags.map((f) => t(`fl_${f}`)).join('、') })}</p>}
      {rec.stage === 'failed' && rec.problem && (
        <div class="alert error" role="alert">
          <p>{t('problem', { status: rec.problem.status ?? '', detail: rec.problem.detail ?? rec.problem.title ?? '' })}</p>
          {(rec.problem.errors ?? []).map((x) => <p class="small" key={x.pointer}>{x.pointer}: {x.detail}</p>)}
        </div>
      )}
      {rec.stage === 'failed' && (
        <div class="row gap">
          <button type="button" class="btn" onClick={() => retryFailed(rec.id)}>{t('retryFailed')}</button>
          {!confirming && <button type="button" class="btn danger" onClick={() => setConfirming(true)}>{t('discard')}</button>}
        </div>
      )}
      {confirming && (
        <div class="alert warn">
          <p>{t('discardConfirm')}</p>
          <div class="row gap">
            <button type="button" class="btn danger" onClick={() => removeRecord(rec.id)}>{t('confirm')}</button>
            <button type="button" class="btn" onClick={() => setConfirming(false)}>{t('cancel')}</button>
          </div>
        </div>
      )}
    </li>
  );
}

export function Outbox({ me }) {
  const online = useOnline();
  const cats = useCached('categories', '/v1/categories');
  const catIdx = useMemo(() => categoryIndex(cats.data), [cats.data]);
  const [records, setRecords] = useState(null);
  const sending = useSender();
  useEffect(() => {
    const load = () => outboxOf(me.login).then(setRecords);
    load();
    return onOutboxChange(load);
  }, [me.login]);
  const waiting = (records ?? []).filter((r) => r.stage !== 'sent');
  const sent = (records ?? []).filter((r) => r.stage === 'sent');
  return (
    <main id="main" tabIndex={-1} class="screen" data-screen="outbox">
      <div class="row between">
        <h1>{t('outboxTitle')}</h1>
        <button type="button" class="btn small" onClick={() => kick({ force: true })} disabled={!online || !waiting.length}>{t('sendNow')}</button>
      </div>
      <p class="small muted">{t('outboxHint')}</p>
      {!online && <p class="alert warn" role="status">{t('offlineBanner')}</p>}
      {records && !waiting.length && <p class="muted">{t('outboxEmpty')}</p>}
      <ul class="plain" data-testid="outbox-waiting">
        {waiting.map((r) => <Item key={r.id} rec={r} cat={catIdx.get(r.body.category)} sending={sending.id === r.id} online={online} />)}
      </ul>
      {sent.length > 0 && (
        <section aria-labelledby="h-sent">
          <h2 id="h-sent">{t('q_sent')}</h2>
          <ul class="plain" data-testid="outbox-sent">
            {sent.map((r) => <Item key={r.id} rec={r} cat={catIdx.get(r.body.category)} sending={false} online={online} />)}
          </ul>
        </section>
      )}
    </main>
  );
}
