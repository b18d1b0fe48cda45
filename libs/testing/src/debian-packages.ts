import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Installs Debian packages a test suite needs when `present()` says they are missing (as root, or with
 * passwordless sudo), non-interactively; the package lists are refreshed only when the first try fails. Real parts
 * are tested, not skipped: a fresh machine of this kind gets them on its first `npm test` (.ci/run installs them
 * up front too).
 */
export async function ensureDebianPackages(opts: { packages: string[]; present(): boolean; neededFor: string }): Promise<void> {
  if (opts.present()) return;
  const asRoot = process.getuid?.() === 0 ? [] : ['sudo', '-n'];
  const apt = async (...args: string[]) => {
    const [cmd, ...rest] = [...asRoot, 'apt-get', '-o', 'DPkg::Lock::Timeout=120', ...args];
    await run(cmd as string, rest, { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, maxBuffer: 64 * 1024 * 1024 });
  };
  const install = () => apt('install', '-y', '-qq', '--no-install-recommends', ...opts.packages);
  try {
    await install();
  } catch {
    try {
      await apt('update', '-qq');
      await install();
    } catch (err) {
      throw new Error(`Installing ${opts.packages.join(' ')} failed (needed for ${opts.neededFor}): ${(err as { stderr?: string }).stderr ?? String(err)}`);
    }
  }
  if (!opts.present()) throw new Error(`${opts.packages.join(' ')} installed, but ${opts.neededFor} is still missing`);
}
