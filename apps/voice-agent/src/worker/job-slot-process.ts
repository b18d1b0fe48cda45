import type { JobProcessHandle } from '@livekit/agents';
import { EventEmitter } from 'node:events';
import type { AgentsJobMessage } from './job-host.protocol';

/** The host a slot lives in, as the slot needs it. */
export interface SlotHost {
  readonly pid: number | undefined;
  readonly connected: boolean;
  send(slot: number, msg: AgentsJobMessage): boolean;
  kill(slot: number): void;
}

/**
 * One job's "child process" as LiveKit Agents' supervisor sees it (it calls `send`, `kill`, reads `connected`,
 * `exitCode`, `killed`, `pid`, and listens for `message`, `error` and `exit`), backed by a slot in a job host. Its
 * `pid` is the host's: the framework's memory monitor then measures the host, every job in it.
 */
export class JobSlotProcess extends EventEmitter implements JobProcessHandle {
  #exitCode: number | null = null;
  #exited = false;
  #killed = false;
  /** What arrived right after `initializeResponse`, passed on once the supervisor listens (see `deliver`). */
  #held: Array<() => void> | null = null;

  constructor(
    readonly slot: number,
    private readonly host: SlotHost,
  ) {
    super();
  }

  get pid(): number | undefined {
    return this.host.pid;
  }

  get connected(): boolean {
    return !this.#exited && this.host.connected;
  }

  get exitCode(): number | null {
    return this.#exitCode;
  }

  get killed(): boolean {
    return this.#killed;
  }

  send(message: unknown): boolean {
    if (!this.connected) return false;
    return this.host.send(this.slot, message as AgentsJobMessage);
  }

  /**
   * Ends this job only (whatever the signal: the framework only ever sends SIGKILL): the host abandons it, closing
   * its room, and the other jobs in the host go on. Its `exit` follows, as a child process's does.
   */
  kill(): boolean {
    if (this.#exited) return false;
    this.#killed = true;
    this.host.kill(this.slot);
    return true;
  }

  /**
   * A message of the framework's protocol from this slot's job. The supervisor listens to a job's messages only once
   * its `initialize()` has resolved, a few microtasks after `initializeResponse`: a child process's next message
   * comes in a later read, but one from a host can come in the same (an early shutdown's ack), and would be lost.
   * What follows the answer waits for the next turn of the event loop.
   */
  deliver(msg: AgentsJobMessage): void {
    this.#inOrder(() => {
      if (this.#exited) return;
      this.emit('message', msg);
      if (msg.case !== 'initializeResponse') return;
      this.#held = [];
      setImmediate(() => {
        const held = this.#held ?? [];
        this.#held = null;
        for (const step of held) step();
      });
    });
  }

  /** The job is over (its host said so, or the host itself exited): once, as a child process's `exit`. */
  exit(code: number | null, signal: NodeJS.Signals | null): void {
    this.#inOrder(() => {
      if (this.#exited) return;
      this.#exited = true;
      this.#exitCode = code;
      this.emit('exit', code, signal);
    });
  }

  #inOrder(step: () => void): void {
    if (this.#held) this.#held.push(step);
    else step();
  }
}
