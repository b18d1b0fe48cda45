import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
// Relative, not '@callplane/contracts': jest loads globalSetup (which starts this mock) without moduleNameMapper,
// so path aliases do not resolve there.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { ALL_TOPICS } from '../../../contracts/src/events';
import { ensureDebianPackages } from '../debian-packages';

const run = promisify(execFile);

const MOCK_DIR = path.resolve(__dirname, '../../kafka-mock');
const SOURCE = path.join(MOCK_DIR, 'mock-cluster.c');
const BINARY = path.join(MOCK_DIR, 'bin', 'mock-cluster');
const HEADER = '/usr/include/librdkafka/rdkafka_mock.h';
const START_TIMEOUT_MS = 15_000;
const COMMAND_TIMEOUT_MS = 5_000;

export interface KafkaMockOptions {
  /** Broker count; ids are 1..brokers. Default 1. */
  brokers?: number;
  /** Topics created at start (the mock has no controller, so clients cannot create them). Default: every contracts topic, 6 partitions. */
  topics?: Array<{ name: string; partitions: number }>;
}

export interface KafkaMock {
  /** Comma-separated `host:port` list for a Kafka client. */
  bootstrap: string;
  /** Disconnects the broker and refuses new connections (no leader change: its partitions go dark). */
  setBrokerDown(id: number): Promise<void>;
  setBrokerUp(id: number): Promise<void>;
  /**
   * The next `count` requests of one API (Kafka's ApiKey: 11 JoinGroup, 14 SyncGroup, …), to any broker, are
   * answered with `errorCode` (Kafka's error codes: 42 INVALID_REQUEST, …) instead of being handled.
   */
  failRequests(apiKey: number, errorCode: number, count?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Starts librdkafka's mock cluster in a child process, building it first when needed. */
export async function startKafkaMock(opts: KafkaMockOptions = {}): Promise<KafkaMock> {
  await ensureBinary();
  const brokers = opts.brokers ?? 1;
  const topics = opts.topics ?? ALL_TOPICS.map((name) => ({ name, partitions: 6 }));
  const child = spawn(BINARY, [String(brokers), ...topics.map((t) => `${t.name}:${t.partitions}`)], { stdio: 'pipe' });
  return attach(child);
}

function attach(child: ChildProcessWithoutNullStreams): Promise<KafkaMock> {
  // librdkafka logs go to stderr; keep the tail for error messages instead of printing it into test output.
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // 'close' also waits for the pipes, so nothing of the mock outlives stop() (jest workers then exit promptly).
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const lines = createInterface({ input: child.stdout });
  // Each stdin command is answered by exactly one line, in order.
  const waiting: Array<{ resolve: (line: string) => void; reject: (err: Error) => void }> = [];
  let bootstrap: string | undefined;
  let dead = false;

  return new Promise<KafkaMock>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`Kafka mock did not print its bootstrap list within ${START_TIMEOUT_MS} ms: ${stderr}`));
    }, START_TIMEOUT_MS);

    void exited.then((code) => {
      dead = true;
      clearTimeout(timer);
      const err = new Error(`Kafka mock exited with code ${code}: ${stderr}`);
      for (const w of waiting.splice(0)) w.reject(err);
      if (bootstrap === undefined) reject(err);
    });

    lines.on('line', (line) => {
      if (bootstrap === undefined) {
        bootstrap = line.trim();
        clearTimeout(timer);
        resolve(api(bootstrap));
        return;
      }
      waiting.shift()?.resolve(line);
    });
  });

  function command(cmd: 'down' | 'up' | 'fail', id: number, ...args: number[]): Promise<void> {
    if (dead) return Promise.reject(new Error('Kafka mock is not running'));
    const line = [cmd, id, ...args].join(' ');
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Kafka mock did not answer "${line}"`)), COMMAND_TIMEOUT_MS);
      waiting.push({
        resolve: (answer) => {
          clearTimeout(timer);
          if (answer === `ok ${cmd} ${id}`) resolve();
          else reject(new Error(`Kafka mock: ${answer}`));
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      });
      child.stdin.write(`${line}\n`);
    });
  }

  function api(addr: string): KafkaMock {
    return {
      bootstrap: addr,
      setBrokerDown: (id) => command('down', id),
      setBrokerUp: (id) => command('up', id),
      failRequests: (apiKey, errorCode, count = 1) => command('fail', apiKey, errorCode, count),
      async stop() {
        if (dead) return;
        // EOF is the polite stop; escalate only if the mock hangs on its way out.
        child.stdin.end();
        const escalate = setTimeout(() => child.kill('SIGTERM'), 3_000);
        const kill = setTimeout(() => child.kill('SIGKILL'), 6_000);
        await closed;
        clearTimeout(escalate);
        clearTimeout(kill);
      },
    };
  }
}

async function ensureBinary(): Promise<void> {
  if (existsSync(BINARY) && statSync(BINARY).mtimeMs >= statSync(SOURCE).mtimeMs) return;
  // Debian's librdkafka-dev ships rdkafka_mock.h.
  await ensureDebianPackages({ packages: ['librdkafka-dev'], present: () => existsSync(HEADER), neededFor: HEADER });
  mkdirSync(path.dirname(BINARY), { recursive: true });
  // Compile beside the target and rename: parallel test workers may race to build, and must never run a half-written file.
  const tmp = `${BINARY}.${process.pid}.tmp`;
  try {
    await run('cc', ['-O2', '-Wall', '-o', tmp, SOURCE, '-lrdkafka']);
  } catch (err) {
    throw new Error(`Building the Kafka mock failed: ${(err as { stderr?: string }).stderr ?? String(err)}`);
  }
  renameSync(tmp, BINARY);
}
