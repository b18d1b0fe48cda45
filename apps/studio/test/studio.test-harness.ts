import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort, launchChromium, pollUntil, screenshot, seriousA11yViolations, startChild, type ChildService } from '@callplane/testing';
import type { Browser, BrowserContext, Page } from 'playwright-core';

const ROOT = path.resolve(__dirname, '../../..');
const run = promisify(execFile);

/** An agent's voice on the sandbox's local stack (espeak speaks, pocketsphinx listens), as the studio's call specs create it. */
export const LOCAL_VOICE = {
  greeting: 'Hi, this is Ava from Acme.',
  tts: { provider: 'local', model: 'espeak', voice: 'default' },
  stt: { provider: 'local', model: 'pocketsphinx', language: 'en' },
  max_duration: 60,
  recording: false,
  transcription: true,
};

export interface StudioHarness {
  base: string;
  apiKey: string;
  adminToken: string;
  /**
   * A page in a browser context of its own (nothing signed in), which checkPage looks at from now on; `permissions`
   * are granted to the studio's origin (e.g. `microphone`), any other is refused as a person would refuse it.
   */
  newPage(opts?: { permissions?: string[] }): Promise<Page>;
  /** `GET|POST…` the platform's API with the seeded user's key. */
  api(method: string, p: string, json?: unknown): Promise<{ status: number; body: Record<string, unknown> }>;
  /** Signs in through the sign-in form as the seeded user, on `page` or a new one. */
  signIn(page?: Page): Promise<Page>;
  /** No serious or critical axe-core violation on the page as it is now; a screenshot under .screenshots/. */
  checkPage(name: string): Promise<void>;
}

/**
 * The all-in-one as `npm start` runs it (its own process, a free port, the studio built into a folder of this spec's
 * own), on this spec file's PostgreSQL database, and headless Chromium with one browser context per test file.
 * `env` adds settings, e.g. the fake carriers' API bases; `browserArgs` adds Chromium switches (a fake microphone).
 */
export function useStudio(env: () => NodeJS.ProcessEnv = () => ({}), opts: { browserArgs?: () => string[] } = {}): () => StudioHarness {
  let harness: StudioHarness | undefined;
  let aio: ChildService | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let dir: string | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'callplane-studio-'));
    const studioDir = path.join(dir, 'studio');
    const [port] = await Promise.all([freePort(), run(process.execPath, ['scripts/build-studio.mjs', '--out', studioDir], { cwd: ROOT })]);
    const base = `http://localhost:${port}`;
    const childEnv: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), CALLPLANE_DATA_DIR: path.join(dir, 'data'), CALLPLANE_STUDIO_DIR: studioDir, LOG_LEVEL: 'warn', ...env() };
    delete childEnv.KAFKA_BROKERS;
    const child = startChild(path.join(ROOT, 'node_modules/.bin/tsx'), ['apps/all-in-one/src/main.ts'], { cwd: ROOT, env: childEnv });
    aio = child;
    const [chromium] = await Promise.all([
      launchChromium({ args: opts.browserArgs?.() }),
      pollUntil(() => /API key:\s+cp_live_/.test(child.output()) || child.child.exitCode !== null, { timeoutMs: 120_000, intervalMs: 100, description: 'the all-in-one to start' }),
    ]);
    browser = chromium;
    const out = child.output();
    const apiKey = /API key:\s+(cp_live_\S+)/.exec(out)?.[1];
    const adminToken = /operator token:\s+(\S+)/.exec(out)?.[1];
    if (!apiKey || !adminToken) throw new Error(`the all-in-one did not print its credentials:\n${out}`);
    let page: Page | undefined;
    const newPage: StudioHarness['newPage'] = async (pageOpts = {}) => {
      await context?.close();
      context = await browser!.newContext({ viewport: { width: 1280, height: 860 }, baseURL: base });
      if (pageOpts.permissions) await context.grantPermissions(pageOpts.permissions, { origin: base });
      // Waits are on roles and names; a missing one fails in seconds, not at Jest's timeout.
      context.setDefaultTimeout(15_000);
      page = await context.newPage();
      return page;
    };
    const api: StudioHarness['api'] = async (method, p, json) => {
      const res = await fetch(`${base}${p}`, {
        method,
        headers: { authorization: `Bearer ${apiKey}`, ...(json === undefined ? {} : { 'content-type': 'application/json' }) },
        body: json === undefined ? undefined : JSON.stringify(json),
      });
      const text = await res.text();
      return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
    };
    const signIn = async (given?: Page) => {
      const p = given ?? (await newPage());
      await p.goto('/');
      await p.getByLabel('API key').fill(apiKey);
      await p.getByRole('button', { name: 'Sign in' }).click();
      await p.getByRole('navigation', { name: 'Main' }).waitFor();
      return p;
    };
    const checkPage = async (name: string) => {
      await screenshot(page!, name);
      expect({ page: name, violations: await seriousA11yViolations(page!) }).toEqual({ page: name, violations: [] });
    };
    harness = { base, apiKey, adminToken, newPage, api, signIn, checkPage };
  }, 240_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await aio?.stop('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  return () => {
    if (!harness) throw new Error('the studio harness is not up yet: use it inside a test');
    return harness;
  };
}
