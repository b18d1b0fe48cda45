// `npm run build:studio`: the studio SPA into dist/apps/studio, then the size of the JavaScript the first page
// loads (the entry chunk and its static imports), gzipped, against the 250 KB goal. `--if-missing` builds only
// when there is no build yet (`npm start`).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// `--out <dir>`: somewhere else than dist/apps/studio (browser tests build their own copy, so runs never race).
const outArg = process.argv.indexOf('--out');
const OUT = outArg > 0 ? path.resolve(process.argv[outArg + 1]) : path.join(ROOT, 'dist/apps/studio');
const GOAL_KB = 250;

if (process.argv.includes('--if-missing') && existsSync(path.join(OUT, 'index.html'))) process.exit(0);

await build({ configFile: path.join(ROOT, 'apps/studio/vite.config.mts'), logLevel: 'warn', build: { outDir: OUT } });

const manifest = JSON.parse(readFileSync(path.join(OUT, '.vite/manifest.json'), 'utf8'));
const entry = Object.entries(manifest).find(([, c]) => c.isEntry);
if (!entry) throw new Error('the studio build has no entry chunk');
const initial = new Set();
const visit = (key) => {
  const chunk = manifest[key];
  if (!chunk || initial.has(chunk.file)) return;
  initial.add(chunk.file);
  for (const k of chunk.imports ?? []) visit(k);
};
visit(entry[0]);
const sizes = [...initial].map((f) => ({ file: f, gzip: gzipSync(readFileSync(path.join(OUT, f))).length }));
const total = sizes.reduce((n, s) => n + s.gzip, 0);
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
process.stdout.write(`studio: built into ${path.relative(ROOT, OUT)}; initial JavaScript ${kb(total)} gzipped (goal ≤ ${GOAL_KB} KB)\n`);
for (const s of sizes) process.stdout.write(`  ${s.file}  ${kb(s.gzip)}\n`);
if (total > GOAL_KB * 1024) {
  process.stderr.write(`studio: the initial JavaScript is over the ${GOAL_KB} KB goal\n`);
  process.exit(1);
}
