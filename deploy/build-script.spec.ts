import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from './support/load';

/** Bundles resolve node_modules at run time; outside the repo they find ours through NODE_PATH. */
const env = (extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv => ({ ...process.env, NODE_PATH: path.join(ROOT, 'node_modules'), ...extra });
const run = (args: string[], opts: { env?: NodeJS.ProcessEnv } = {}): SpawnSyncReturns<string> =>
  spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', env: opts.env ?? env(), timeout: 60_000 });
const build = (...args: string[]) => run(['scripts/build.mjs', ...args]);

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'callplane-build-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function write(rel: string, text: string): string {
  const file = path.join(tmp, rel);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

describe('scripts/build.mjs', () => {
  it('bundles an entry with tsconfig paths resolved, node_modules external, a sourcemap and import.meta.url working', () => {
    const tsconfig = write('fixture/tsconfig.json', JSON.stringify({ compilerOptions: { baseUrl: '.', paths: { '@fixture/greet': ['lib/greet.ts'] } } }));
    write('fixture/lib/greet.ts', 'export const greet = (name: string): string => `hello ${name}`;\n');
    const entry = write(
      'fixture/main.ts',
      [
        "import { greet } from '@fixture/greet';",
        "import { stringify } from 'yaml';",
        "import { pathToFileURL } from 'node:url';",
        'const out = { greeting: greet("callplane"), yaml: stringify({ a: 1 }), metaUrlIsSelf: import.meta.url === pathToFileURL(__filename).href };',
        'process.stdout.write(JSON.stringify(out));',
      ].join('\n'),
    );
    const outDir = path.join(tmp, 'out');
    const res = build('--entry', entry, '--out', outDir, '--tsconfig', tsconfig);
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);

    const bundle = readFileSync(path.join(outDir, 'main.js'), 'utf8');
    expect(existsSync(path.join(outDir, 'main.js.map'))).toBe(true);
    expect(bundle).toContain('require("yaml")'); // external, not inlined
    expect(bundle).toContain('hello ${name}'); // the path-mapped lib is inlined

    const ran = run([path.join(outDir, 'main.js')]);
    expect(ran.stderr).toBe('');
    expect(JSON.parse(ran.stdout)).toEqual({ greeting: 'hello callplane', yaml: 'a: 1\n', metaUrlIsSelf: true });
  });

  it('exits non-zero when an entry does not compile, and for an unknown target', () => {
    const broken = write('broken/main.ts', "import { nothing } from './missing';\nconsole.log(nothing);\n");
    const res = build('--entry', broken, '--out', path.join(tmp, 'broken-out'));
    expect(res.status).not.toBe(0);
    expect(res.stderr).toMatch(/Could not resolve "\.\/missing"/);

    const unknown = build('--dist', path.join(tmp, 'nope'), 'no-such-app');
    expect(unknown.status).not.toBe(0);
    expect(unknown.stderr).toMatch(/unknown target no-such-app; known: telephony-gateway, .*db-migrate, callplane-cli/);
  });

  it('builds the voice agent with its LiveKit job entry beside main.js, loadable as an agent definition', () => {
    const dist = path.join(tmp, 'dist-voice');
    const res = build('--dist', dist, 'voice-agent');
    expect(res.status).toBe(0);
    const job = path.join(dist, 'apps/voice-agent/job.js');
    expect(existsSync(path.join(dist, 'apps/voice-agent/main.js'))).toBe(true);
    // What @livekit/agents' job process does with it: import the file, take the default export, check the marker.
    const probe = `import(${JSON.stringify(job)}).then((m) => { const a = m.default?.default ?? m.default; process.stdout.write(JSON.stringify({ agent: a[Symbol.for('livekit.agents.AgentDefinition')] === true, entry: typeof a.entry, prewarm: typeof a.prewarm })); process.exit(0); });`;
    const loaded = run(['-e', probe]);
    expect(JSON.parse(loaded.stdout)).toEqual({ agent: true, entry: 'function', prewarm: 'function' });
  });

  it('builds the migration tool to tools/db-migrate.js and ships the Prisma folder beside it', () => {
    const dist = path.join(tmp, 'dist');
    const res = build('--dist', dist, 'db-migrate');
    expect(res.status).toBe(0);
    expect(existsSync(path.join(dist, 'tools/db-migrate.js'))).toBe(true);
    const source = path.join(ROOT, 'libs/db/prisma');
    for (const sub of ['migrations', 'schema']) expect(readdirSync(path.join(dist, 'prisma', sub)).sort()).toEqual(readdirSync(path.join(source, sub)).sort());

    // Without a database it stops with the operator-facing message: the bundle loads and runs.
    const noDb = run([path.join(dist, 'tools/db-migrate.js'), 'deploy'], { env: env({ DATABASE_URL: undefined }) });
    expect(noDb.status).toBe(2);
    expect(noDb.stderr).toContain('DATABASE_URL is required');
  });

  it('applies migrations from the shipped folder, found through the bundle alone', () => {
    // jest's global setup created and migrated this database from the sources; the bundle must agree.
    expect(process.env.DATABASE_URL).toBeTruthy();
    const dist = path.join(tmp, 'dist-migrate');
    expect(build('--dist', dist, 'db-migrate').status).toBe(0);
    const res = run([path.join(dist, 'tools/db-migrate.js'), 'deploy'], { env: env({ CALLPLANE_PRISMA_DIR: undefined }) });
    expect(res.stderr).toBe('');
    expect(res.stdout).toContain('No pending migrations.');
    expect(res.status).toBe(0);
  });
});
