import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
// Types only at the top: every spec loads this library, and only browser specs should pay for loading Playwright.
import type { Browser, Page } from 'playwright-core';
import { ensureDebianPackages } from './debian-packages';

/** Debian's Chromium: Playwright's own browser downloads are impossible here, so Playwright drives the system one. */
function chromiumPath(): string | null {
  for (const name of ['chromium', 'chromium-browser']) {
    try {
      const found = execFileSync('which', [name], { encoding: 'utf8' }).trim();
      if (found) return found;
    } catch {
      // not on PATH under this name
    }
  }
  return existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : null;
}

/**
 * Headless Chromium for browser tests. Installs Debian's `chromium` when it is missing (as .ci/run does up front);
 * when that is impossible the suite fails with the reason: browser tests are never skipped. `args` adds command-line
 * switches, e.g. a fake microphone (`--use-fake-device-for-media-stream`).
 */
export async function launchChromium(opts: { args?: string[] } = {}): Promise<Browser> {
  await ensureDebianPackages({ packages: ['chromium'], present: () => chromiumPath() !== null, neededFor: 'the studio browser tests (Debian package chromium)' });
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error('Chromium is not installed: apt-get install chromium (the studio browser tests drive it headless).');
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage', ...(opts.args ?? [])] });
}

/** The accessibility violations axe-core rates serious or critical on the page as it is now, one line each. */
export async function seriousA11yViolations(page: Page): Promise<string[]> {
  const { default: AxeBuilder } = await import('@axe-core/playwright');
  const result = await new AxeBuilder({ page }).analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

/** Where browser tests leave screenshots for people to look at (git-ignored). */
export const SCREENSHOT_DIR = path.resolve(__dirname, '../../../.screenshots');

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}
