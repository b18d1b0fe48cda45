import type { Logger } from './logger';

export interface WorkerLoopOptions {
  /** Names the loop in the default failure line (`<name> round failed`). */
  name: string;
  /** One round of work. Rounds never overlap: the next is timed from the moment this one settles. */
  tick(): Promise<unknown>;
  /** Pause between the end of one round and the start of the next. */
  intervalMs: number;
  /** Wait before the first round; default `intervalMs`. */
  firstDelayMs?: number;
  logger: Pick<Logger, 'error'>;
  /** How a failed round is logged, when `logger.error({ err }, '<name> round failed')` will not do. The loop carries on either way. */
  logFailure?(err: unknown): void;
}

export interface WorkerLoop {
  /** True once `stop()` was called: a long round checks it between steps to end early. */
  readonly stopping: boolean;
  /** Schedules no more rounds and waits for the one in flight (the drain). Safe to call more than once. */
  stop(): Promise<void>;
}

/**
 * The one background loop of every worker (schedulers, watchdogs, deliveries, housekeeping): a round, a pause, the
 * next round. A failed round is logged and the next one runs on time, so a database blip never ends a worker.
 * Its timer never keeps a process alive on its own: the HTTP server does in a service, the runner in a test.
 */
export function startWorkerLoop(opts: WorkerLoopOptions): WorkerLoop {
  const logFailure = opts.logFailure ?? ((err: unknown) => opts.logger.error({ err }, `${opts.name} round failed`));
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  let round: Promise<void> = Promise.resolve();

  const schedule = (ms: number) => {
    timer = setTimeout(run, ms);
    timer.unref();
  };
  const run = () => {
    timer = undefined;
    round = Promise.resolve()
      .then(() => opts.tick())
      .then(
        () => undefined,
        (err: unknown) => {
          try {
            logFailure(err);
          } catch {
            // A logger that throws must not stop the loop either.
          }
        },
      )
      .finally(() => {
        if (!stopping) schedule(opts.intervalMs);
      });
  };
  schedule(opts.firstDelayMs ?? opts.intervalMs);

  return {
    get stopping() {
      return stopping;
    },
    async stop() {
      stopping = true;
      clearTimeout(timer);
      await round;
    },
  };
}
