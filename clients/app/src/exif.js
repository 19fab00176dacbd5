// A small EXIF reader and writer for JPEG photos, enough for field evidence:
// where (GPS latitude/longitude) and when (DateTimeOriginal, with
// OffsetTimeOriginal when the camera wrote one) a photo was taken, and its
// orientation.
//
// readExif(arrayBuffer) -> { lat, lon, takenAt, offset, orientation } | null
//   takenAt is the camera's local time 'YYYY-MM-DD HH:MM:SS' (EXIF carries no
//   zone unless OffsetTimeOriginal is set; gridd reads it as city time).
// withExif(jpegBlob, exif) -> a Blob of the same JPEG with a minimal APP1 Exif
//   segment holding only those values (no thumbnail, no maker notes, no
//   orientation: the canvas has drawn the picture upright already), so that a
//   photo downscaled on the phone still tells the server where and when the
//   original was taken. Without GPS and time it returns the blob unchanged.

const TAG_EXIF_IFD = 0x8769;
const TAG_GPS_IFD = 0x8825;
const TAG_ORIENTATION = 0x0112;
const TAG_DATETIME = 0x0132;
const TAG_DATETIME_ORIGINAL = 0x9003;
const TAG_OFFSET_TIME_ORIGINAL = 0x9011;
const GPS_LAT_REF = 1, GPS_LAT = 2, GPS_LON_REF = 3, GPS_LON = 4;
const TYPE_SIZES = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 7: 1, 9: 4, 10: 8 };

/** The TIFF block of the first APP1 "Exif\0\0" segment of a JPEG, or null. */
function findTiff(view) {
  if (view.byteLength < 4 || view.getUint16(0) !== 0xffd8) return null;
  let p = 2;
  while (p + 4 <= view.byteLength) {
    if (view.getUint8(p) !== 0xff) return null;
    const marker = view.getUint8(p + 1);
    if (marker === 0xff) { p += 1; continue; }            // fill byte
    if (marker === 0xda || marker === 0xd9) return null;   // image data: no more metadata
    const len = view.getUint16(p + 2);
    if (len < 2) return null;
    if (marker === 0xe1 && len >= 8 && p + 4 + 6 <= view.byteLength &&
        view.getUint32(p + 4) === 0x45786966 && view.getUint16(p + 8) === 0) {
      const start = p + 10;
      const end = Math.min(view.byteLength, p + 2 + len);
      return { start, end };
    }
    p += 2 + len;
  }
  return null;
}

function readIfd(view, tiff, offset, little) {
  const out = new Map();
  const base = tiff.start;
  if (offset < 8 || base + offset + 2 > tiff.end) return out;
  const n = view.getUint16(base + offset, little);
  for (let i = 0; i < n && i < 512; i++) {
    const e = base + offset + 2 + i * 12;
    if (e + 12 > tiff.end) break;
    const tag = view.getUint16(e, little);
    const type = view.getUint16(e + 2, little);
    const count = view.getUint32(e + 4, little);
    const size = (TYPE_SIZES[type] ?? 0) * count;
    if (!size || size > 65536) continue;
    const at = size <= 4 ? e + 8 : base + view.getUint32(e + 8, little);
    if (at < base || at + size > tiff.end) continue;
    out.set(tag, { type, count, at });
  }
  return out;
}

function ascii(view, entry) {
  if (!entry || entry.type !== 2) return null;
  let s = '';
  for (let i = 0; i < entry.count; i++) {
    const c = view.getUint8(entry.at + i);
    if (c === 0) break;
    s += String.fromCharCode(c);
  }
  return s.trim() || null;
}

function short(view, entry, little) {
  if (!entry) return null;
  if (entry.type === 3) return view.getUint16(entry.at, little);
  if (entry.type === 4) return view.getUint32(entry.at, little);
  return null;
}

function degrees(view, entry, little) {
  if (!entry || entry.type !== 5 || entry.count < 3) return null;
  let v = 0;
  for (let i = 0; i < 3; i++) {
    const num = view.getUint32(entry.at + i * 8, little);
    const den = view.getUint32(entry.at + i * 8 + 4, little);
    if (!den) return null;
    v += num / den / [1, 60, 3600][i];
  }
  return v;
}

/** Where and when a JPEG was taken, from its EXIF; null without any. */
export function readExif(buffer) {
  try {
    const view = new DataView(buffer);
    const tiff = findTiff(view);
    if (!tiff || tiff.start + 8 > tiff.end) return null;
    const order = view.getUint16(tiff.start);
    if (order !== 0x4949 && order !== 0x4d4d) return null;
    const little = order === 0x4949;
    if (view.getUint16(tiff.start + 2, little) !== 42) return null;
    const ifd0 = readIfd(view, tiff, view.getUint32(tiff.start + 4, little), little);
    const out = { lat: null, lon: null, takenAt: null, offset: null, orientation: short(view, ifd0.get(TAG_ORIENTATION), little) };
    const exifPtr = short(view, ifd0.get(TAG_EXIF_IFD), little);
    if (exifPtr) {
      const exif = readIfd(view, tiff, exifPtr, little);
      out.takenAt = ascii(view, exif.get(TAG_DATETIME_ORIGINAL));
      out.offset = ascii(view, exif.get(TAG_OFFSET_TIME_ORIGINAL));
    }
    out.takenAt ??= ascii(view, ifd0.get(TAG_DATETIME));
    if (out.takenAt && /^\d{4}:\d\d:\d\d \d\d:\d\d:\d\d/.test(out.takenAt)) {
      out.takenAt = out.takenAt.slice(0, 19).replace(/^(\d{4}):(\d\d):(\d\d)/, '$1-$2-$3');
    } else {
      out.takenAt = null;
    }
    if (out.offset && !/^[+-]\d\d:\d\d$/.test(out.offset)) out.offset = null;
    const gpsPtr = short(view, ifd0.get(TAG_GPS_IFD), little);
    if (gpsPtr) {
      const gps = readIfd(view, tiff, gpsPtr, little);
      const lat = degrees(view, gps.get(GPS_LAT), little);
      const lon = degrees(view, gps.get(GPS_LON), little);
      if (lat !== null && lon !== null && lat <= 90 && lon <= 180 && !(lat === 0 && lon === 0)) {
        out.lat = ascii(view, gps.get(GPS_LAT_REF)) === 'S' ? -lat : lat;
        out.lon = ascii(view, gps.get(GPS_LON_REF)) === 'W' ? -lon : lon;
      }
    }
    if (out.lat === null && !out.takenAt && !out.orientation) return null;
    return out;
  } catch {
    return null;
  }
}

/** An EXIF time as an instant (ms), reading a time without offset in `zone` minutes east (default +08:00). */
export function exifInstant(exif, zoneMinutes = 480) {
  if (!exif?.takenAt) return null;
  const m = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)$/.exec(exif.takenAt);
  if (!m) return null;
  let offset = zoneMinutes;
  if (exif.offset) {
    const o = /^([+-])(\d\d):(\d\d)$/.exec(exif.offset);
    offset = (o[1] === '-' ? -1 : 1) * (Number(o[2]) * 60 + Number(o[3]));
  }
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) - offset * 60_000;
}

// ------------------------------------------------------------- writing ---

function rationalsOf(deg) {
  const a = Math.abs(deg);
  const d = Math.floor(a);
  const mf = (a - d) * 60;
  const m = Math.floor(mf);
  const s = Math.round((mf - m) * 60 * 10000);
  return [[d, 1], [m, 1], [s, 10000]];
}

/** The TIFF bytes (big-endian) of IFD0 -> Exif IFD (time) and GPS IFD. */
function buildTiff({ lat, lon, takenAt, offset }) {
  const hasGps = lat !== null && lat !== undefined && lon !== null && lon !== undefined;
  const hasTime = !!takenAt;
  // Entries: [tag, type, count, valueBytes (Uint8Array) | number for LONG/SHORT inline]
  const ifd0 = [];
  const exifIfd = [];
  const gpsIfd = [];
  const enc = (s) => { const b = new Uint8Array(s.length + 1); for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i); return b; };
  const rat = (list) => {
    const b = new Uint8Array(list.length * 8);
    const v = new DataView(b.buffer);
    list.forEach(([n, d], i) => { v.setUint32(i * 8, n); v.setUint32(i * 8 + 4, d); });
    return b;
  };
  if (hasTime) {
    exifIfd.push([TAG_DATETIME_ORIGINAL, 2, 20, enc(takenAt.replace(/^(\d{4})-(\d\d)-(\d\d)/, '$1:$2:$3'))]);
    if (offset) exifIfd.push([TAG_OFFSET_TIME_ORIGINAL, 2, 7, enc(offset)]);
  }
  if (hasGps) {
    gpsIfd.push([0x0000, 1, 4, new Uint8Array([2, 3, 0, 0])]);
    gpsIfd.push([GPS_LAT_REF, 2, 2, enc(lat >= 0 ? 'N' : 'S')]);
    gpsIfd.push([GPS_LAT, 5, 3, rat(rationalsOf(lat))]);
    gpsIfd.push([GPS_LON_REF, 2, 2, enc(lon >= 0 ? 'E' : 'W')]);
    gpsIfd.push([GPS_LON, 5, 3, rat(rationalsOf(lon))]);
  }
  if (hasTime) ifd0.push([TAG_EXIF_IFD, 4, 1, 0]);
  if (hasGps) ifd0.push([TAG_GPS_IFD, 4, 1, 0]);
  const ifds = [ifd0, exifIfd, gpsIfd].filter((x) => x.length);
  // Layout: header (8) | each IFD: 2 + 12n + 4, then its out-of-line data.
  const sizeOf = (ifd) => 2 + ifd.length * 12 + 4 + ifd.reduce((s, e) => s + (e[3] instanceof Uint8Array && e[3].length > 4 ? e[3].length + (e[3].length & 1) : 0), 0);
  const offsets = [];
  let at = 8;
  for (const ifd of ifds) { offsets.push(at); at += sizeOf(ifd); }
  const exifAt = exifIfd.length ? offsets[ifds.indexOf(exifIfd)] : 0;
  const gpsAt = gpsIfd.length ? offsets[ifds.indexOf(gpsIfd)] : 0;
  for (const e of ifd0) e[3] = e[0] === TAG_EXIF_IFD ? exifAt : gpsAt;
  const out = new Uint8Array(at);
  const v = new DataView(out.buffer);
  v.setUint16(0, 0x4d4d); v.setUint16(2, 42); v.setUint32(4, 8);
  ifds.forEach((ifd, k) => {
    let p = offsets[k];
    let data = p + 2 + ifd.length * 12 + 4;
    v.setUint16(p, ifd.length); p += 2;
    for (const [tag, type, count, value] of ifd) {
      v.setUint16(p, tag); v.setUint16(p + 2, type); v.setUint32(p + 4, count);
      if (typeof value === 'number') v.setUint32(p + 8, value);
      else if (value.length <= 4) out.set(value, p + 8);
      else { v.setUint32(p + 8, data); out.set(value, data); data += value.length + (value.length & 1); }
      p += 12;
    }
    v.setUint32(p, 0);   // no next IFD
  });
  return out;
}

/** The JPEG blob with a minimal EXIF segment (GPS, time) after its SOI marker. */
export async function withExif(blob, exif) {
  if (!exif || (exif.lat == null && !exif.takenAt)) return blob;
  const tiff = buildTiff(exif);
  const head = new Uint8Array(await blob.slice(0, 2).arrayBuffer());
  if (head[0] !== 0xff || head[1] !== 0xd8) return blob;
  const seg = new Uint8Array(4 + 6 + tiff.length);
  const v = new DataView(seg.buffer);
  v.setUint16(0, 0xffe1);
  v.setUint16(2, 2 + 6 + tiff.length);
  seg.set([0x45, 0x78, 0x69, 0x66, 0, 0], 4);
  seg.set(tiff, 10);
  return new Blob([head, seg, blob.slice(2)], { type: 'image/jpeg' });
}
