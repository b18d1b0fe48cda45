// The JavaScript the studio's first page loads, from a build's Vite manifest: the entry chunk and every chunk it
// imports statically (index.html loads the entry and preloads those), each gzipped, as a server sends it. Lazy
// chunks (the operator pages) are not part of it. Used by scripts/build-studio.mjs and bench/studio.bench.ts.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

/** The initial-JavaScript goal, KB gzipped (issue: "initial JavaScript ≤ 250 KB gzipped"). */
export const INITIAL_JS_GOAL_KB = 250;

/** `[{ file, gzip }]` for the first page's JavaScript in the build at `outDir`, and their total in bytes. */
export function initialJavaScript(outDir) {
  const manifest = JSON.parse(readFileSync(path.join(outDir, '.vite/manifest.json'), 'utf8'));
  const entry = Object.entries(manifest).find(([, c]) => c.isEntry);
  if (!entry) throw new Error('the studio build has no entry chunk');
  const files = new Set();
  const visit = (key) => {
    const chunk = manifest[key];
    if (!chunk || files.has(chunk.file)) return;
    files.add(chunk.file);
    for (const k of chunk.imports ?? []) visit(k);
  };
  visit(entry[0]);
  const sizes = [...files].map((file) => ({ file, gzip: gzipSync(readFileSync(path.join(outDir, file))).length }));
  return { files: sizes, totalBytes: sizes.reduce((n, s) => n + s.gzip, 0) };
}

export const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
