/**
 * The studio's size and speed: the initial JavaScript of a fresh build (the entry chunk and its static imports,
 * gzipped: what index.html loads) against 250 KB, then the all-in-one as `npm start` runs it (embedded database,
 * in-process bus) with that build, opened in headless Chromium with an empty cache each run: navigation → the
 * sign-in page usable (the API key field enabled), and Sign in → the Agents page's table rendered. p50 of
 * each against 1 s. See bench/README.md.
 *
 *   npm run bench:studio                  print the figures (exit 0 unless the bench itself breaks)
 *   npm run bench:studio -- --check       also exit 1 when a goal is missed
 *   npm run bench:studio -- --no-build    measure dist/apps/studio as it is (built first when missing)
 *   options: --runs <n> measured page loads (10), --agents <n> agents in the table (20)
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
// From their files: the library's index also loads the Jest fixtures.
import { launchChromium } from '../libs/testing/src/browser';
import { pollUntil } from '../libs/testing/src/poll-until';
import { freePort, startChild } from '../libs/testing/src/process';
import { INITIAL_JS_GOAL_KB, initialJavaScript, kb } from '../scripts/studio-initial-js.mjs';
import { benchArgs } from './support/args';
import { benchRun } from './support/bench-run';
import { verdict } from './support/report';

const ROOT = path.resolve(__dirname, '..');
const { flag, option } = benchArgs();
const RUNS = option('runs', 10);
const AGENTS = option('agents', 20);
const GOAL_MS = 1_000;
const bench = benchRun();
const run = promisify(execFile);

/**
 * Marks in the page's own clock (ms since navigation start), taken the moment the DOM shows them: the sign-in
 * field enabled, the form submitted, the Agents table's first row. Playwright's polling adds nothing to them.
 */
const MARKS_SCRIPT = `
  window.__bench = {};
  const mark = (name) => { if (!(name in window.__bench)) window.__bench[name] = performance.now(); };
  const look = () => {
    const key = document.querySelector('input[name="api_key"]');
    if (key && !key.disabled) mark('signInUsable');
    if (document.querySelector('table[aria-label="Agents"] tbody tr')) mark('agentsRendered');
  };
  new MutationObserver(look).observe(document, { childList: true, subtree: true, attributes: true });
  document.addEventListener('submit', () => mark('submitted'), true);
`;
type Marks = { signInUsable?: number; submitted?: number; agentsRendered?: number };

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? Number.NaN;
};

async function buildStudio(dir: string): Promise<string> {
  if (flag('no-build')) {
    const dist = path.join(ROOT, 'dist/apps/studio');
    await run(process.execPath, ['scripts/build-studio.mjs', '--if-missing'], { cwd: ROOT });
    return dist;
  }
  const out = path.join(dir, 'studio');
  bench.progress('building the studio (scripts/build-studio.mjs)');
  await run(process.execPath, ['scripts/build-studio.mjs', '--out', out], { cwd: ROOT });
  return out;
}

/** The all-in-one as `npm start` runs it, serving `studioDir`; its printed API key. */
async function startAllInOne(dir: string, studioDir: string): Promise<{ base: string; apiKey: string }> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), CALLPLANE_DATA_DIR: path.join(dir, 'data'), CALLPLANE_STUDIO_DIR: studioDir, LOG_LEVEL: 'warn' };
  delete env.DATABASE_URL;
  delete env.KAFKA_BROKERS;
  bench.progress(`starting the all-in-one on port ${port}`);
  const child = startChild(path.join(ROOT, 'node_modules/.bin/tsx'), ['apps/all-in-one/src/main.ts'], { cwd: ROOT, env });
  bench.onCleanup(async () => void (await child.stop('SIGKILL')));
  await pollUntil(() => /API key:\s+cp_live_/.test(child.output()) || child.child.exitCode !== null, { timeoutMs: 180_000, intervalMs: 100, description: 'the all-in-one to start' });
  const apiKey = /API key:\s+(cp_live_\S+)/.exec(child.output())?.[1];
  if (!apiKey) throw new Error(`the all-in-one did not print an API key:\n${child.output()}`);
  return { base: `http://localhost:${port}`, apiKey };
}

async function seedAgents(base: string, apiKey: string): Promise<void> {
  const voice = { greeting: 'Hello.', tts: { provider: 'local', model: 'espeak', voice: 'default' }, stt: { provider: 'local', model: 'pocketsphinx', language: 'en' }, max_duration: 60 };
  for (let i = 1; i <= AGENTS; i++) {
    const res = await fetch(`${base}/voice/agents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: `Bench agent ${i}`, system_prompt: 'You are a helpful agent.', voice }),
    });
    if (res.status !== 201) throw new Error(`creating an agent answered ${res.status}: ${await res.text()}`);
  }
}

/** One cold visit: a new browser context (empty cache and storage), the sign-in page, Sign in, the Agents table. */
async function visit(browser: Browser, base: string, apiKey: string): Promise<{ signInMs: number; agentsMs: number }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  try {
    context.setDefaultTimeout(30_000);
    await context.addInitScript({ content: MARKS_SCRIPT });
    const page = await context.newPage();
    await page.goto(base, { waitUntil: 'commit' });
    await page.waitForFunction('window.__bench.signInUsable !== undefined');
    await page.getByLabel('API key').fill(apiKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForFunction('window.__bench.agentsRendered !== undefined');
    const marks = await page.evaluate<Marks>('window.__bench');
    return { signInMs: marks.signInUsable!, agentsMs: marks.agentsRendered! - marks.submitted! };
  } finally {
    await context.close();
  }
}

bench.run(async () => {
  const load = [loadavg()[0]!];
  const dir = mkdtempSync(path.join(tmpdir(), 'callplane-studio-bench-'));
  bench.onCleanup(async () => rmSync(dir, { recursive: true, force: true }));
  const studioDir = await buildStudio(dir);
  const js = initialJavaScript(studioDir);

  const { base, apiKey } = await startAllInOne(dir, studioDir);
  await seedAgents(base, apiKey);
  const browser = await launchChromium();
  bench.onCleanup(() => browser.close());
  bench.progress(`one warm-up visit, then ${RUNS} measured`);
  await visit(browser, base, apiKey);
  const samples: Array<{ signInMs: number; agentsMs: number }> = [];
  for (let i = 0; i < RUNS; i++) samples.push(await visit(browser, base, apiKey));
  load.push(loadavg()[0]!);

  const jsMet = js.totalBytes <= INITIAL_JS_GOAL_KB * 1024;
  const row = (label: string, xs: number[]) => {
    const p50 = percentile(xs, 50);
    return { met: p50 < GOAL_MS, line: `${label.padEnd(40)}${percentile(xs, 50).toFixed(0).padStart(8)}${percentile(xs, 90).toFixed(0).padStart(8)}${Math.max(...xs).toFixed(0).padStart(8)}    p50 < ${GOAL_MS} ms ${verdict(p50 < GOAL_MS)}` };
  };
  const signIn = row('sign-in page usable (navigation →)', samples.map((s) => s.signInMs));
  const agents = row(`Agents table, ${AGENTS} rows (Sign in →)`, samples.map((s) => s.agentsMs));
  console.log(`studio bench (the all-in-one, embedded database; headless Chromium, empty cache each visit; ${RUNS} visits)`);
  console.log(`machine: ${availableParallelism()} CPUs, load average ${load[0]!.toFixed(1)} at start, ${load[1]!.toFixed(1)} at end`);
  console.log(`initial JavaScript ${kb(js.totalBytes)} gzipped (entry + static imports: ${js.files.map((f) => `${f.file} ${kb(f.gzip)}`).join(', ')})   goal ≤ ${INITIAL_JS_GOAL_KB} KB ${verdict(jsMet)}`);
  console.log(`${''.padEnd(40)}${'p50 ms'.padStart(8)}${'p90 ms'.padStart(8)}${'max ms'.padStart(8)}`);
  console.log(signIn.line);
  console.log(agents.line);
  return flag('check') && !(jsMet && signIn.met && agents.met) ? 1 : 0;
});
