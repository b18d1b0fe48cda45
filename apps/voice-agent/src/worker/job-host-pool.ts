import type { JobProcessHandle } from '@livekit/agents';
import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import type { Logger } from 'pino';
import type { AgentsJobMessage, FromJobHost, ToJobHost } from './job-host.protocol';
import { JobSlotProcess, type SlotHost } from './job-slot-process';

export interface JobHostPoolOptions {
  /** The job host's main (job-host.ts, or the job-host.js bundle). */
  hostFile: string;
  /** Node flags for the host (default: this process's, as `fork` does). */
  execArgv?: string[];
  /** Jobs one host runs at once. */
  jobsPerProcess: number;
  /** How long a host told to close (no slot left) may take before it is killed. */
  closeTimeoutMs: number;
  logger: Logger;
}

/** One slot's end, as the worker saw it: a job's, or a warm slot's that had none (no `jobId`). */
export interface HostedJobEnded {
  jobId: string | undefined;
  roomName: string | undefined;
  /** The host that ran it. */
  pid: number | undefined;
  /** 0 after the job's `done`; 1 when the job crashed; the host's own code or null when the host itself ended. */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The job finished its shutdown (`done` arrived). */
  done: boolean;
  /** It ended because its host did (every job in the host ended with it). */
  withHost: boolean;
}

interface SlotRecord {
  proc: JobSlotProcess;
  initializing: boolean;
  jobId?: string;
  roomName?: string;
  done: boolean;
}

/** A forked job host and the slots the worker has in it. */
class JobHostLink implements SlotHost {
  readonly child: ChildProcess;
  readonly #slots = new Map<number, SlotRecord>();
  readonly #log: Logger;
  #nextSlot = 0;
  #closing = false;

  constructor(
    readonly agentFile: string,
    private readonly opts: JobHostPoolOptions,
    private readonly onSlotEnded: (ended: HostedJobEnded) => void,
    private readonly onGone: (host: JobHostLink) => void,
  ) {
    this.child = fork(opts.hostFile, [agentFile], { execArgv: opts.execArgv });
    this.#log = opts.logger.child({ job_host_pid: this.child.pid });
    this.child.on('message', (m: FromJobHost) => this.#receive(m));
    this.child.on('exit', (code, signal) => this.#gone(code, signal));
    // Without a pid the fork itself failed, and no `exit` follows.
    this.child.on('error', (err) => {
      this.#log.error({ err }, 'job host failed');
      if (this.child.pid === undefined) this.#gone(1, null);
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get connected(): boolean {
    return this.child.connected;
  }

  get load(): number {
    return this.#slots.size;
  }

  /** Takes new slots: still running, not told to close, below its size. */
  get open(): boolean {
    return !this.#closing && this.child.connected && this.#slots.size < this.opts.jobsPerProcess;
  }

  openSlot(): JobSlotProcess {
    const slot = this.#nextSlot++;
    const proc = new JobSlotProcess(slot, this);
    this.#slots.set(slot, { proc, initializing: false, done: false });
    return proc;
  }

  send(slot: number, msg: AgentsJobMessage): boolean {
    const record = this.#slots.get(slot);
    if (record && msg.case === 'initializeRequest') record.initializing = true;
    // The pool closing a slot it has started but not yet initialized: a process told to stop before it has begun
    // simply exits (the host never hears of the slot).
    if (record && msg.case === 'shutdownRequest' && !record.initializing) {
      process.nextTick(() => {
        if (this.#slots.get(slot) === record) this.#endSlot(slot, record, 0, null, false);
      });
      return true;
    }
    if (record && msg.case === 'startJobRequest') {
      const job = (msg.value as { runningJob?: { job?: { id?: string; room?: { name?: string } } } }).runningJob?.job;
      record.jobId = job?.id;
      record.roomName = job?.room?.name;
    }
    return this.#post({ slot, msg });
  }

  /** Ends that slot for the worker (after this tick, as a child's `exit` follows its kill); the host abandons its job. */
  kill(slot: number): void {
    this.#post({ slot, kill: true });
    process.nextTick(() => {
      const record = this.#slots.get(slot);
      if (record) this.#endSlot(slot, record, null, 'SIGKILL', false);
    });
  }

  /** Asks the host to exit; kills it if it has not within the close timeout (a host stuck in a job). */
  close(): void {
    if (this.#closing) return;
    this.#closing = true;
    if (!this.#post({ close: true })) {
      this.child.kill('SIGKILL');
      return;
    }
    const timer = setTimeout(() => {
      this.#log.warn({ timeout_ms: this.opts.closeTimeoutMs }, 'job host did not exit in time: killing it');
      this.child.kill('SIGKILL');
    }, this.opts.closeTimeoutMs);
    this.child.once('exit', () => clearTimeout(timer));
  }

  #post(m: ToJobHost): boolean {
    if (!this.child.connected) return false;
    // With a callback a failed send is that callback's error, not the child's `error` event.
    this.child.send(m, (err) => {
      if (err) this.#log.debug({ err }, 'job host channel closed; message not sent');
    });
    return true;
  }

  #receive(m: FromJobHost): void {
    const record = this.#slots.get(m.slot);
    if (!record) return;
    if ('exit' in m) {
      this.#endSlot(m.slot, record, m.exit, null, false);
      return;
    }
    if (m.msg.case === 'done') record.done = true;
    record.proc.deliver(m.msg);
  }

  #endSlot(slot: number, record: SlotRecord, code: number | null, signal: NodeJS.Signals | null, withHost: boolean): void {
    this.#slots.delete(slot);
    record.proc.exit(code, signal);
    this.onSlotEnded({ jobId: record.jobId, roomName: record.roomName, pid: this.child.pid, code, signal, done: record.done, withHost });
    if (this.#slots.size === 0) this.close();
  }

  #gone(code: number | null, signal: NodeJS.Signals | null): void {
    this.#closing = true;
    if (this.#slots.size > 0) this.#log.warn({ code, signal, jobs: this.#slots.size }, 'job host exited with jobs in it: ending them');
    for (const [slot, record] of [...this.#slots]) this.#endSlot(slot, record, code, signal, true);
    this.onGone(this);
  }
}

/**
 * Runs LiveKit Agents jobs several to a process: the framework's `jobProcessFactory` hands each job executor a slot
 * in a job host (job-host.ts) instead of a child process of its own. A job goes to the fullest host with room
 * (calls share a host's VAD batches, and emptier hosts drain away); a host is forked when none has room and told
 * to exit when its last slot ends. The worker's warm processes (`numIdleProcesses`) become warm slots.
 */
export class JobHostPool extends EventEmitter<{ jobEnded: [HostedJobEnded] }> {
  readonly #hosts = new Set<JobHostLink>();
  readonly #opts: JobHostPoolOptions;

  constructor(opts: JobHostPoolOptions) {
    super();
    if (!Number.isInteger(opts.jobsPerProcess) || opts.jobsPerProcess < 1) throw new RangeError('jobsPerProcess must be a positive integer');
    this.#opts = opts;
  }

  /** The framework's `jobProcessFactory`. */
  readonly processFor = (agentFile: string): JobProcessHandle => {
    let host: JobHostLink | undefined;
    for (const h of this.#hosts) if (h.open && h.agentFile === agentFile && (!host || h.load > host.load)) host = h;
    host ??= this.#fork(agentFile);
    return host.openSlot();
  };

  /** Hosts running now (tests, metrics). */
  get hostPids(): number[] {
    return [...this.#hosts].flatMap((h) => (h.pid === undefined ? [] : [h.pid]));
  }

  /** After the framework has closed its jobs: asks any host still up to exit, and waits for them. */
  async close(): Promise<void> {
    const hosts = [...this.#hosts];
    await Promise.all(
      hosts.map(async (h) => {
        if (h.child.exitCode !== null || h.child.signalCode !== null) return;
        const exited = once(h.child, 'exit');
        h.close();
        await exited;
      }),
    );
  }

  #fork(agentFile: string): JobHostLink {
    const host = new JobHostLink(
      agentFile,
      this.#opts,
      (ended) => this.emit('jobEnded', ended),
      (gone) => this.#hosts.delete(gone),
    );
    this.#hosts.add(host);
    return host;
  }
}
