// make_photo.mjs OUT [MiB]: writes a JPEG of about MiB mebibytes (default 4)
// of noisy pixels, so every byte is needed and decoding costs what a real
// phone photo costs. Uses jpeg-js from tests/api/node_modules.
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const require = createRequire(fileURLToPath(new URL('../api/package.json', import.meta.url)));
const jpeg = require('jpeg-js');
const [out, mib = '4'] = process.argv.slice(2);
if (!out) { console.error('usage: make_photo.mjs OUT [MiB]'); process.exit(2); }
const target = Number(mib) * 1024 * 1024;
let side = 1400;
for (let attempt = 0; attempt < 8; attempt++) {
  const w = Math.round(side * 4 / 3), h = side;
  const data = Buffer.alloc(w * h * 4);
  let s = 12345;
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    data[i] = (i & 3) === 3 ? 255 : (s >> 16) & 255;
  }
  const bytes = jpeg.encode({ data, width: w, height: h }, 92).data;
  if (Math.abs(bytes.length - target) < target * 0.05 || attempt === 7) {
    writeFileSync(out, bytes);
    console.log(`${w}x${h} ${bytes.length} bytes`);
    break;
  }
  side = Math.round(side * Math.sqrt(target / bytes.length));
}
