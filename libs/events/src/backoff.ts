export interface BackoffOptions {
  baseMs?: number;
  maxMs?: number;
}

/**
 * Exponential delay for retry `attempt` (0-based) with "equal jitter": replicas that failed together
 * (say, when a broker went away) spread their retries instead of hammering it in lockstep.
 */
export function backoffDelay(attempt: number, { baseMs = 100, maxMs = 30_000 }: BackoffOptions = {}): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

/** A sleep that `wake()` cuts short: loops wait on it so that stop() and notify() take effect at once. */
export class Sleeper {
  private wakers = new Set<() => void>();

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakers.add(done);
    });
  }

  wake(): void {
    for (const w of [...this.wakers]) w();
  }
}
