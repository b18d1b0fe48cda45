import type { DialerDeps } from './deps';

/** A background worker; `stop` waits for the round in progress. */
export function startScheduler(_deps: DialerDeps): { stop(): Promise<void> } {
  return { stop: async () => undefined };
}
