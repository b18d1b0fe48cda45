/**
 * What every bench shares: cleanups run newest first, once, also on Ctrl-C (a throw-away database, a broker, child
 * processes must not outlive the run); progress lines on stderr, the figures alone on stdout; and `run`, which exits
 * with what `main` returns, or `errorCode` when the bench itself breaks.
 */
export function benchRun(errorCode = 2) {
  const cleanups: Array<() => Promise<void>> = [];
  let cleaning: Promise<void> | undefined;
  const cleanUp = () =>
    (cleaning ??= (async () => {
      for (const fn of cleanups.splice(0).reverse()) await fn().catch((err: unknown) => console.error(`cleanup failed: ${err instanceof Error ? err.message : String(err)}`));
    })());
  process.once('SIGINT', () => void cleanUp().finally(() => process.exit(130)));
  return {
    /** Run at the end, newest first. */
    onCleanup(fn: () => Promise<void>): void {
      cleanups.push(fn);
    },
    progress: (msg: string) => void process.stderr.write(`· ${msg}\n`),
    run(main: () => Promise<number>): void {
      main().then(
        async (code) => {
          await cleanUp();
          process.exit(code);
        },
        async (err: unknown) => {
          console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
          await cleanUp();
          process.exit(errorCode);
        },
      );
    },
  };
}
