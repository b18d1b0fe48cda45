import { execFile, execFileSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');

/**
 * Lints `code` with the repo's own ESLint config (the same as `npm run lint`) as if it were the file at
 * `file`, through the CLI: ESLint loads its config with a dynamic import, which Jest's VM can't run.
 */
function boundaryErrors(file: string, code: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      path.join(ROOT, 'node_modules/.bin/eslint'),
      ['--stdin', '--stdin-filename', path.join(ROOT, file), '--format', 'json', '--rule', '@typescript-eslint/no-unused-vars: off'],
      { cwd: ROOT, maxBuffer: 10 * 1024 * 1024 },
      (err, stdout) => {
        try {
          const [result] = JSON.parse(stdout) as Array<{ messages: Array<{ ruleId: string | null; message: string }> }>;
          resolve(result!.messages.filter((m) => m.ruleId === '@nx/enforce-module-boundaries').map((m) => m.message));
        } catch {
          reject(err ?? new Error(`eslint printed no JSON: ${stdout}`));
        }
      },
    );
    child.stdin!.end(code);
  });
}

describe('module boundaries (npm run lint)', () => {
  // The rule reads Nx's cached project graph and skips itself without one (a fresh clone): build it first.
  beforeAll(() => {
    execFileSync(path.join(ROOT, 'node_modules/.bin/nx'), ['show', 'projects'], { cwd: ROOT, stdio: 'ignore' });
  });

  it('fail an app that imports another app, by path or by deep relative import', async () => {
    const errors = await boundaryErrors('apps/dialer/src/probe.ts', "import { createProvisioningModule } from '../../provisioning/src/app';\nexport const x = createProvisioningModule;\n");
    expect(errors.length).toBeGreaterThan(0);
  });

  it('fail a library that imports an app', async () => {
    const errors = await boundaryErrors('libs/events/src/probe.ts', "import { createAnalyticsModule } from '../../../apps/analytics/src/app';\nexport const x = createAnalyticsModule;\n");
    expect(errors.length).toBeGreaterThan(0);
  });

  it('keep contracts free of our I/O libraries', async () => {
    const errors = await boundaryErrors('libs/contracts/src/probe.ts', "import { createLogger } from '@callplane/service-kit';\nexport const x = createLogger;\n");
    expect(errors.join('\n')).toMatch(/io:none/);
  });

  it('keep test helpers out of production code', async () => {
    const errors = await boundaryErrors('apps/dialer/src/probe.ts', "import { pollUntil } from '@callplane/testing';\nexport const x = pollUntil;\n");
    expect(errors.join('\n')).toMatch(/scope:testing/);
  });

  it('allow an app to use shared libraries through their aliases, and tests to use the testing lib', async () => {
    expect(await boundaryErrors('apps/dialer/src/probe.ts', "import { AppError } from '@callplane/service-kit';\nexport const x = AppError;\n")).toEqual([]);
    expect(await boundaryErrors('apps/dialer/src/probe.spec.ts', "import { pollUntil } from '@callplane/testing';\nexport const x = pollUntil;\n")).toEqual([]);
  });
});
