// `npm run build:studio`: the studio SPA into dist/apps/studio, then the size of the JavaScript the first page
// loads (the entry chunk and its static imports), gzipped, against the 250 KB goal. `--if-missing` builds only
// when there is no build yet (`npm start`).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { INITIAL_JS_GOAL_KB, initialJavaScript, kb } from './studio-initial-js.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// `--out <dir>`: somewhere else than dist/apps/studio (browser tests build their own copy, so runs never race).
const outArg = process.argv.indexOf('--out');
const OUT = outArg > 0 ? path.resolve(process.argv[outArg + 1]) : path.join(ROOT, 'dist/apps/studio');

if (process.argv.includes('--if-missing') && existsSync(path.join(OUT, 'index.html'))) process.exit(0);

await build({ configFile: path.join(ROOT, 'apps/studio/vite.config.mts'), logLevel: 'warn', build: { outDir: OUT } });

const { files, totalBytes } = initialJavaScript(OUT);
process.stdout.write(`studio: built into ${path.relative(ROOT, OUT)}; initial JavaScript ${kb(totalBytes)} gzipped (goal ≤ ${INITIAL_JS_GOAL_KB} KB)\n`);
for (const s of files) process.stdout.write(`  ${s.file}  ${kb(s.gzip)}\n`);
if (totalBytes > INITIAL_JS_GOAL_KB * 1024) {
  process.stderr.write(`studio: the initial JavaScript is over the ${INITIAL_JS_GOAL_KB} KB goal\n`);
  process.exit(1);
}
