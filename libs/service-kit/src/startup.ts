import { ConfigError } from '@callplane/config';

/** A start that cannot go on for a reason the operator can fix (a port in use): its message says what to do. */
export class StartupError extends Error {
  override readonly name = 'StartupError';
}

/** A service that cannot start says why on stderr, in words an operator can act on, and exits non-zero. */
export function exitOnStartupError(err: unknown): never {
  const known = err instanceof ConfigError || err instanceof StartupError;
  const msg = known ? err.message : `Failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`;
  process.stderr.write(`${msg}\n`);
  process.exit(1);
}
