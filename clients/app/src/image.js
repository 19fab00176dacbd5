// Photos on the phone: read the original's EXIF, downscale to a long edge
// (setting, default 1600 px) as JPEG ~0.85 on a canvas for slow networks,
// keep where and when the original was taken (a minimal EXIF written back
// into the small JPEG, see exif.js), and make a small preview for the lists.
import { readExif, withExif } from './exif.js';

export const LONG_EDGE_CHOICES = [1280, 1600, 2048, 0];   // 0: no downscale (re-encoded only when not JPEG)
const SETTING = 'gridd.app.longEdge';

export function longEdgeSetting() {
  const v = Number(localStorage.getItem(SETTING));
  return LONG_EDGE_CHOICES.includes(v) && localStorage.getItem(SETTING) !== null ? v : 1600;
}
export function setLongEdge(v) {
  localStorage.setItem(SETTING, String(v));
}

async function decode(file) {
  if (typeof createImageBitmap === 'function') {
    try {
      return await createImageBitmap(file, { imageOrientation: 'from-image' });
    } catch { /* fall back to an <img> */ }
  }
  const url = URL.createObjectURL(file);
  try {
    const img = new Image();
    img.decoding = 'async';
    img.src = url;
    await img.decode();
    return img;
  } finally {
    URL.revokeObjectURL(url);
  }
}

function canvasBlob(source, width, height, quality) {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, width, height);
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(source, 0, 0, width, height);
  return new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('canvas.toBlob failed'))), 'image/jpeg', quality));
}

/**
 * A photo ready for the outbox: { blob, thumb, type, bytes, width, height,
 * orig: { name, type, bytes, width, height }, exif: { lat, lon, takenAt,
 * offset } | null }.
 */
export async function preparePhoto(file, { longEdge = longEdgeSetting(), quality = 0.85 } = {}) {
  const head = await file.slice(0, 256 * 1024).arrayBuffer();
  const exif = readExif(head);
  const img = await decode(file);
  const w0 = img.width, h0 = img.height;
  if (!w0 || !h0) throw new Error('empty image');
  const scale = longEdge > 0 ? Math.min(1, longEdge / Math.max(w0, h0)) : 1;
  const w = Math.max(1, Math.round(w0 * scale)), h = Math.max(1, Math.round(h0 * scale));
  const keepOriginal = scale === 1 && file.type === 'image/jpeg' && longEdge === 0;
  let blob = keepOriginal ? file.slice(0, file.size, 'image/jpeg') : await canvasBlob(img, w, h, quality);
  const kept = exif ? { lat: exif.lat, lon: exif.lon, takenAt: exif.takenAt, offset: exif.offset } : null;
  if (!keepOriginal) blob = await withExif(blob, kept);
  const ts = Math.min(1, 240 / Math.max(w0, h0));
  const thumb = await canvasBlob(img, Math.max(1, Math.round(w0 * ts)), Math.max(1, Math.round(h0 * ts)), 0.7);
  img.close?.();
  return {
    blob, thumb, type: 'image/jpeg', bytes: blob.size, width: w, height: h,
    orig: { name: file.name || 'photo.jpg', type: file.type, bytes: file.size, width: w0, height: h0 },
    exif: kept && (kept.lat != null || kept.takenAt) ? kept : null,
  };
}

export function formatBytes(n) {
  if (n == null) return '';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
