import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { processCpuMs } from './postgres-cpu';

const ROOT = path.resolve(__dirname, '../..');

export interface ServiceProcess {
  name: string;
  url: string;
  pid: number;
  /** CPU time the process has used so far; null once it has exited. */
  cpuMs(): number | null;
  /** SIGKILL: no drain, no goodbye, as a crashed pod. */
  kill(): void;
  /** SIGTERM and wait for the drain. */
  stop(): Promise<void>;
}

/**
 * A service as production runs it, in a process of its own configured only by its environment: `node` with tsx's
 * loader (one process, so its CPU and a SIGKILL are its own), ready once `/readyz` answers 200.
 */
export async function startServiceProcess(name: string, entry: string, env: Record<string, string>): Promise<ServiceProcess> {
  const port = await freePort();
  // BENCH_CPU_PROF_DIR=<dir>: each service writes a V8 CPU profile there when it stops (not when killed).
  const profile = process.env.BENCH_CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF_DIR}`] : [];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', entry], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // The tail of its output (logs at warn and up), for the error when it does not come up.
  let stderr = '';
  const keep = (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  // BENCH_SERVICE_LOG_DIR=<dir>: each service's whole output is also kept there, as <name>.log.
  if (process.env.BENCH_SERVICE_LOG_DIR) {
    const log = createWriteStream(path.join(process.env.BENCH_SERVICE_LOG_DIR, `${name}.log`));
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitReady(url, child, () => stderr);
  } catch (err) {
    // Not ready is not running: a process left behind here would outlive the bench.
    child.kill('SIGKILL');
    throw err;
  }
  return {
    name,
    url,
    pid: child.pid!,
    cpuMs: () => processCpuMs(child.pid!),
    kill: () => child.kill('SIGKILL'),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

async function waitReady(url: string, child: ChildProcess, stderr: () => string): Promise<void> {
  // Kafka consumer groups of several replicas settle slowly on the test broker (its SyncGroup answers a late
  // follower INVALID_REQUEST, and the event bus starts the member again): minutes, not seconds, on a busy machine.
  const until = Date.now() + 300_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${url}: the process exited (${child.exitCode}):\n${stderr()}`);
    const ok = await fetch(`${url}/readyz`).then((r) => r.ok, () => false);
    if (ok) return;
    if (Date.now() > until) throw new Error(`${url}: not ready after 300 s:\n${stderr()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
