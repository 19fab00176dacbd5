// Real small images made in the tests: JPEGs with or without EXIF (GPS and
// time), PNGs, and hostile files (truncated, a decompression bomb header).
import jpeg from 'jpeg-js';
import piexif from 'piexifjs';
import { PNG } from 'pngjs';
import { deflateSync } from 'node:zlib';

/** RGBA pixels of a w x h picture with a gradient and a seed-dependent tint. */
function pixels(width, height, seed) {
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      data[i] = (x * 255 / width + seed * 37) & 255;
      data[i + 1] = (y * 255 / height + seed * 91) & 255;
      data[i + 2] = (seed * 53) & 255;
      data[i + 3] = 255;
    }
  return data;
}

// Degrees as EXIF rationals [deg, min, sec*100/100].
const dms = (v) => {
  const a = Math.abs(v);
  const d = Math.floor(a);
  const m = Math.floor((a - d) * 60);
  const s = Math.round(((a - d) * 60 - m) * 60 * 10000);
  return [[d, 1], [m, 1], [s, 10000]];
};
// EXIF local time "YYYY:MM:DD HH:MM:SS" of a Date in UTC+08:00.
const exifTime = (date) => new Date(date.getTime() + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ').replace(/-/g, ':');

/**
 * A JPEG of width x height. exif: { lon, lat, takenAt: Date } (any may be
 * missing; takenAt is written as Beijing local time without an offset).
 */
export function makeJpeg({ width = 64, height = 48, seed = 1, exif } = {}) {
  const raw = jpeg.encode({ data: pixels(width, height, seed), width, height }, 85).data;
  if (!exif) return Buffer.from(raw);
  const ifds = { '0th': { [piexif.ImageIFD.Make]: 'gridd-tests' }, Exif: {}, GPS: {} };
  if (exif.takenAt) ifds.Exif[piexif.ExifIFD.DateTimeOriginal] = exifTime(exif.takenAt);
  if (exif.lat !== undefined) {
    ifds.GPS[piexif.GPSIFD.GPSLatitudeRef] = exif.lat >= 0 ? 'N' : 'S';
    ifds.GPS[piexif.GPSIFD.GPSLatitude] = dms(exif.lat);
    ifds.GPS[piexif.GPSIFD.GPSLongitudeRef] = exif.lon >= 0 ? 'E' : 'W';
    ifds.GPS[piexif.GPSIFD.GPSLongitude] = dms(exif.lon);
  }
  const withExif = piexif.insert(piexif.dump(ifds), raw.toString('binary'));
  return Buffer.from(withExif, 'binary');
}

/** A PNG of width x height. */
export function makePng({ width = 40, height = 30, seed = 2 } = {}) {
  const png = new PNG({ width, height });
  png.data = pixels(width, height, seed);
  return PNG.sync.write(png);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 255] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/**
 * A decompression bomb: a valid PNG of side x side grey pixels, all zero,
 * whose compressed data is tiny (a few hundred KiB for 20000 x 20000).
 */
export function pngBomb(side = 20000) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(side, 0);
  ihdr.writeUInt32BE(side, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  const row = Buffer.alloc(side + 1); // filter byte + pixels, all zero
  const idat = deflateSync(Buffer.concat(Array(64).fill(row)), { level: 9 });
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', Buffer.alloc(0))]);
}
