// Builds the web clients into clients/dist, which gridd serves from memory
// (static_dir): dist/app/ at /app/ (the grid worker's PWA) and dist/console/
// at /console/ (the dispatcher, unit and supervisor consoles).
//
// Each app is clients/<name>/: src/main.jsx (the entry, Preact), index.html
// (a template: {{js}} and {{css}} become the hashed bundle names), public/
// (copied as is). Bundles are named main-HASH.js / main-HASH.css, so gridd
// caches them for a year; index.html and the rest are revalidated. The
// PWA's service worker (app/sw.js) is written here with the list of files
// to precache, so a new build is a new worker. Everything is local: no CDN
// at run time (city intranets).
//
//   node build.mjs            build both apps
//   node build.mjs --watch    rebuild on change (development)
import * as esbuild from 'esbuild';
import { createHash } from 'node:crypto';
import { cp, mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, 'dist');
const APPS = ['app', 'console'];

async function exists(p) {
  try { await stat(p); return true; } catch { return false; }
}

async function listFiles(dir, base = dir) {
  const out = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...await listFiles(p, base));
    else out.push(relative(base, p));
  }
  return out;
}

// A square icon: the grid of a city map on the brand blue, drawn pixel by pixel.
function icon(size) {
  const png = new PNG({ width: size, height: size });
  const cell = size / 6, line = Math.max(2, Math.round(size / 48));
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = (y * size + x) * 4;
      const inner = x > size * 0.12 && x < size * 0.88 && y > size * 0.12 && y < size * 0.88;
      const grid = inner && (x % cell < line || y % cell < line);
      const marker = Math.hypot(x - size * 0.62, y - size * 0.4) < size * 0.11;
      const [r, g, b] = marker ? [0xf5, 0x9e, 0x0b] : grid ? [0xff, 0xff, 0xff] : [0x1d, 0x4e, 0xd8];
      png.data[i] = r; png.data[i + 1] = g; png.data[i + 2] = b; png.data[i + 3] = 255;
    }
  }
  return PNG.sync.write(png);
}

async function buildApp(name) {
  const src = join(here, name);
  const entry = join(src, 'src', 'main.jsx');
  if (!await exists(entry)) return null;
  const out = join(dist, name);
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  const result = await esbuild.build({
    entryPoints: { main: entry },
    bundle: true,
    format: 'esm',
    target: ['chrome90', 'safari14', 'firefox90'],
    minify: true,
    sourcemap: true,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    loader: { '.png': 'file', '.svg': 'file' },
    entryNames: '[name]-[hash]',
    assetNames: 'assets/[name]-[hash]',
    outdir: out,
    absWorkingDir: here,   // the metafile's paths are relative to it, whatever the caller's cwd
    metafile: true,
    logLevel: 'warning',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  const outputs = Object.keys(result.metafile.outputs).map((p) => relative(out, join(here, p)));
  const js = outputs.find((p) => /^main-[A-Z0-9]+\.js$/.test(p));
  const css = outputs.find((p) => /^main-[A-Z0-9]+\.css$/.test(p));
  if (!js) throw new Error(`${name}: esbuild wrote no main-HASH.js (outputs: ${outputs.join(', ')})`);
  let html = await readFile(join(src, 'index.html'), 'utf8');
  html = html.replaceAll('{{js}}', js).replaceAll('{{css}}', css ?? '');
  await writeFile(join(out, 'index.html'), html);
  if (await exists(join(src, 'public'))) await cp(join(src, 'public'), out, { recursive: true });
  await writeFile(join(out, 'icon-192.png'), icon(192));
  await writeFile(join(out, 'icon-512.png'), icon(512));
  if (await exists(join(src, 'sw.js'))) {
    // The service worker precaches every file of the build but itself and maps.
    const files = (await listFiles(out)).filter((f) => !f.endsWith('.map') && f !== 'sw.js');
    const version = createHash('sha256').update(files.sort().join('\n') + js).digest('hex').slice(0, 16);
    const sw = (await readFile(join(src, 'sw.js'), 'utf8'))
      .replace('self.__PRECACHE__', JSON.stringify(['./', ...files.filter((f) => f !== 'index.html')]))
      .replace('self.__VERSION__', JSON.stringify(version));
    await writeFile(join(out, 'sw.js'), sw);
  }
  return { name, js, css };
}

const watch = process.argv.includes('--watch');
await mkdir(dist, { recursive: true });
for (const name of APPS) {
  const built = await buildApp(name);
  if (built) console.log(`clients: built ${name} (${built.js}${built.css ? `, ${built.css}` : ''})`);
}
if (watch) {
  const { watch: fsWatch } = await import('node:fs');
  for (const name of APPS) {
    if (!await exists(join(here, name))) continue;
    let timer;
    fsWatch(join(here, name), { recursive: true }, () => {
      clearTimeout(timer);
      timer = setTimeout(() => buildApp(name).then(() => console.log(`clients: rebuilt ${name}`)), 200);
    });
  }
}
