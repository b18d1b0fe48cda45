import { jobLifecycle, ServerOptions, type JobProcessHandle } from '@livekit/agents';
import { execFileSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../../..');

/**
 * `patches/@livekit+agents+1.8.1.patch` (applied by patch-package at install) lets the worker choose the process a
 * job runs in: `ServerOptions.jobProcessFactory`, handed through the process pool to each job executor in place of
 * its fork; and it exports the framework's job lifecycle steps for a process that runs jobs itself (job-host.ts).
 * Without it the option is dropped and every job forks its own process. That the pool creates each job's process
 * with it is what job-host.process.spec.ts shows.
 */
describe('@livekit/agents 1.8.1 patched for several jobs per process', () => {
  it('keeps the jobProcessFactory it is given and exports the job lifecycle (CommonJS build, which the bundles load)', () => {
    const factory = (): JobProcessHandle => Object.assign(new EventEmitter(), { connected: true, exitCode: null, killed: false, send: () => true, kill: () => true });
    expect(new ServerOptions({ agent: 'agent.js', jobProcessFactory: factory }).jobProcessFactory).toBe(factory);
    expect(new ServerOptions({ agent: 'agent.js' }).jobProcessFactory).toBeUndefined();
    expect(Object.keys(jobLifecycle)).toEqual(expect.arrayContaining(['finalizeSession', 'flushJobLogs', 'runShutdownCallbacks', 'validateSessionEndTimeout', 'waitForEntrypointShutdown']));
  });

  it('does the same in the ES module build', () => {
    const script = [
      "import { jobLifecycle, ServerOptions } from '@livekit/agents';",
      "const factory = () => null;",
      "process.stdout.write(JSON.stringify({ kept: new ServerOptions({ agent: 'agent.js', jobProcessFactory: factory }).jobProcessFactory === factory, lifecycle: typeof jobLifecycle.finalizeSession }));",
    ].join('\n');
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({ kept: true, lifecycle: 'function' });
  });
});
