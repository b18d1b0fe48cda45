import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDockerfile } from './support/dockerfile-checks';

const ROOT = path.resolve(__dirname, '..');
const read = (f: string) => readFileSync(path.join(ROOT, f), 'utf8');

interface PackageJson {
  allowScripts?: Record<string, boolean>;
}
interface Lockfile {
  packages: Record<string, { version?: string; hasInstallScript?: boolean }>;
}

/**
 * A clean install: npm prints no warning on every command, and `npm ci` needs no network beyond the registry.
 * onnxruntime-node's postinstall would download its CUDA provider from nuget.org (the voice agent runs Silero on CPU,
 * whose binding the package ships): package.json's allowScripts denies it (npm 11.19+), and every place that installs
 * with another npm (the image's) sets the package's own switch, ONNXRUNTIME_NODE_INSTALL=skip.
 */
describe('installing the repo', () => {
  it('npm warns about no configuration of ours on any command', () => {
    const run = spawnSync('npm', ['pkg', 'get', 'name'], { cwd: ROOT, env: { PATH: process.env.PATH, HOME: process.env.HOME }, encoding: 'utf8' });
    expect({ status: run.status, stdout: run.stdout.trim() }).toEqual({ status: 0, stdout: '"callplane"' });
    expect(run.stderr).not.toMatch(/warn/i);
  });

  it('allowScripts decides every install script in the lockfile: onnxruntime-node and telemetry denied, the rest allowed', () => {
    const allow = (JSON.parse(read('package.json')) as PackageJson).allowScripts ?? {};
    const lock = JSON.parse(read('package-lock.json')) as Lockfile;
    // The dependencies' scripts: the repo's own (`""`: postinstall applies patches/) are ours, not allowScripts' to decide.
    const withScripts = Object.entries(lock.packages)
      .filter(([where, p]) => where !== '' && p.hasInstallScript)
      .map(([where]) => where.slice(where.lastIndexOf('node_modules/') + 'node_modules/'.length));
    expect(withScripts).toContain('onnxruntime-node');
    // Not decided: npm runs it with a notice after every install, and a new one should be looked at.
    expect(withScripts.filter((name) => !(name in allow))).toEqual([]);
    expect(Object.keys(allow).filter((name) => !withScripts.includes(name))).toEqual([]);
    expect({ 'onnxruntime-node': allow['onnxruntime-node'], '@scarf/scarf': allow['@scarf/scarf'] }).toEqual({ 'onnxruntime-node': false, '@scarf/scarf': false });
  });

  it("every other install sets onnxruntime-node's own switch, which its installed script reads", () => {
    expect(read('node_modules/onnxruntime-node/script/install-utils.js')).toContain('process.env.ONNXRUNTIME_NODE_INSTALL ');
    const dockerfile = parseDockerfile(read('Dockerfile'));
    const installs = dockerfile.stages.flatMap((s) => s.instructions.filter((i) => i.op === 'RUN' && /\bnpm ci\b/.test(i.args)).map((i) => i.args));
    expect(installs).toHaveLength(2);
    for (const run of installs) expect(run).toMatch(/ONNXRUNTIME_NODE_INSTALL=skip npm ci\b/);
    expect(read('.ci/run')).toMatch(/^ONNXRUNTIME_NODE_INSTALL=skip npm ci\b/m);
  });
});
