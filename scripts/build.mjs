#!/usr/bin/env node
// Bundles each service (and the operator tools) into one CommonJS file with esbuild.
//
//   node scripts/build.mjs                      every target below, into dist/
//   node scripts/build.mjs dialer db-migrate    only those targets
//   node scripts/build.mjs --dist /tmp/d ...    another output root (tests)
//   node scripts/build.mjs --entry a.ts [--entry b.ts] --out dir [--tsconfig t.json]
//                                               ad-hoc entries into dir/<basename>.js (tests)
//
// node_modules stay external: the runtime image installs production dependencies next to dist/.
// libs/db/prisma (schema + migrations) is copied to dist/prisma; every bundle defaults
// CALLPLANE_PRISMA_DIR to that folder so migrations are found wherever dist/ is shipped.
import { build } from 'esbuild';
import { cpSync, existsSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const APPS = ['telephony-gateway', 'provisioning', 'dialer', 'analytics', 'voice-agent', 'all-in-one'];

/** name → source entry and output path under the dist root. */
const TARGETS = [
  ...APPS.map((name) => ({ name, entry: `apps/${name}/src/main.ts`, out: `apps/${name}/main.js` })),
  // The LiveKit Agents job entry, loaded by the voice agent's job processes from beside its main.js.
  { name: 'voice-agent', entry: 'apps/voice-agent/src/worker/job.ts', out: 'apps/voice-agent/job.js' },
  // The job host, forked instead of one process per job when AGENT_JOBS_PER_PROCESS > 1; it loads job.js once.
  { name: 'voice-agent', entry: 'apps/voice-agent/src/worker/job-host.ts', out: 'apps/voice-agent/job-host.js' },
  // Preloaded into every process the worker forks, so the framework logs in our format there too.
  { name: 'voice-agent', entry: 'apps/voice-agent/src/worker/agents-log.preload.ts', out: 'apps/voice-agent/agents-log.js' },
  // Silero's inference thread (apps/voice-agent/src/session/vad/inference.ts), started from beside the bundle that
  // runs calls: the job processes' and the all-in-one's.
  { name: 'voice-agent', entry: 'apps/voice-agent/src/session/vad/inference.worker.ts', out: 'apps/voice-agent/vad-inference.js' },
  { name: 'all-in-one', entry: 'apps/voice-agent/src/session/vad/inference.worker.ts', out: 'apps/all-in-one/vad-inference.js' },
  { name: 'db-migrate', entry: 'libs/db/src/migrate/cli.ts', out: 'tools/db-migrate.js' },
  { name: 'callplane-cli', entry: 'apps/provisioning/src/cli/main.ts', out: 'tools/callplane-cli.js' },
];

function fail(message, code = 2) {
  process.stderr.write(`build: ${message}\n`);
  process.exit(code);
}

function parseCli() {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        entry: { type: 'string', multiple: true },
        out: { type: 'string' },
        dist: { type: 'string' },
        tsconfig: { type: 'string' },
      },
    });
  } catch (err) {
    return fail(err.message);
  }
}

// CommonJS output has no import.meta: give code that uses it (e.g. a LiveKit Agents worker pointing
// at its own file) the bundle's own URL instead of esbuild's empty object.
const IMPORT_META_SHIM = 'var __bundle_import_meta_url = require("node:url").pathToFileURL(__filename).href;';
const IMPORT_META_DEFINE = {
  'import.meta.url': '__bundle_import_meta_url',
  'import.meta.filename': '__filename',
  'import.meta.dirname': '__dirname',
};

/** Paths inside the repo print relative to it, others absolute. */
function shown(p) {
  const rel = path.relative(ROOT, p);
  return rel.startsWith('..') || path.isAbsolute(rel) ? p : rel;
}

function prismaDirBanner(outfile, distRoot) {
  const rel = path.relative(path.dirname(outfile), path.join(distRoot, 'prisma')).split(path.sep).join('/');
  return `process.env.CALLPLANE_PRISMA_DIR ||= require("node:path").join(__dirname, ${JSON.stringify(rel)});`;
}

async function bundle({ label, entry, outfile, tsconfig, banner }) {
  await build({
    absWorkingDir: ROOT,
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: true,
    packages: 'external',
    tsconfig,
    keepNames: true,
    define: IMPORT_META_DEFINE,
    banner: { js: [IMPORT_META_SHIM, banner].filter(Boolean).join('\n') },
    logLevel: 'warning',
  });
  const kb = (statSync(outfile).size / 1024).toFixed(0);
  process.stdout.write(`build: ${label} -> ${shown(outfile)} (${kb} kB)\n`);
}

async function runAll(jobs) {
  const results = await Promise.allSettled(jobs.map((job) => bundle(job)));
  const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [jobs[i].label] : []));
  if (failed.length) fail(`failed: ${failed.join(', ')}`, 1);
}

async function main() {
  const { values, positionals } = parseCli();
  const tsconfig = path.resolve(ROOT, values.tsconfig ?? 'tsconfig.base.json');

  if (values.entry?.length) {
    if (positionals.length) fail('--entry cannot be combined with target names');
    if (!values.out) fail('--entry needs --out <dir>');
    const outDir = path.resolve(values.out);
    const jobs = values.entry.map((file) => {
      const entry = path.resolve(file);
      if (!existsSync(entry)) fail(`entry ${file} does not exist`);
      const outfile = path.join(outDir, `${path.basename(entry).replace(/\.[cm]?[jt]sx?$/, '')}.js`);
      return { label: file, entry, outfile, tsconfig };
    });
    await runAll(jobs);
    return;
  }

  const unknown = positionals.filter((n) => !TARGETS.some((t) => t.name === n));
  if (unknown.length) fail(`unknown target ${unknown.join(', ')}; known: ${[...new Set(TARGETS.map((t) => t.name))].join(', ')}`);
  const distRoot = path.resolve(ROOT, values.dist ?? 'dist');
  const selected = positionals.length ? TARGETS.filter((t) => positionals.includes(t.name)) : TARGETS;

  const jobs = [];
  for (const t of selected) {
    if (!existsSync(path.join(ROOT, t.entry))) {
      process.stderr.write(`build: warning: skipping ${t.name}: ${t.entry} does not exist yet\n`);
      continue;
    }
    const outfile = path.join(distRoot, t.out);
    jobs.push({ label: `${t.name} (${path.basename(t.out)})`, entry: path.join(ROOT, t.entry), outfile, tsconfig, banner: prismaDirBanner(outfile, distRoot) });
  }

  // Fresh copy so a migration deleted from the source never lingers in dist.
  const prismaOut = path.join(distRoot, 'prisma');
  rmSync(prismaOut, { recursive: true, force: true });
  cpSync(path.join(ROOT, 'libs/db/prisma'), prismaOut, { recursive: true });
  process.stdout.write(`build: libs/db/prisma -> ${shown(prismaOut)}\n`);

  await runAll(jobs);
}

main().catch((err) => fail(err?.stack ?? String(err), 1));
