/** Command-line flags shared by the benches: `--quick`, `--<name> <positive number>`. */
export function benchArgs(argv: string[] = process.argv.slice(2)) {
  return {
    flag: (name: string): boolean => argv.includes(`--${name}`),
    option(name: string, fallback: number): number {
      const i = argv.indexOf(`--${name}`);
      const v = i >= 0 ? Number(argv[i + 1]) : fallback;
      if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} takes a positive number`);
      return v;
    },
  };
}
