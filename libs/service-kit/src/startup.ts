import { ConfigError } from '@callplane/config';

/** A service that cannot start says why on stderr, in words an operator can act on, and exits non-zero. */
export function exitOnStartupError(err: unknown): never {
  const msg = err instanceof ConfigError ? err.message : `Failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`;
  process.stderr.write(`${msg}\n`);
  process.exit(1);
}
