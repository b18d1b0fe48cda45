import { Command, CommanderError, Option } from 'commander';

/** A mistake in how the CLI was called (a missing flag, an unknown option): the message and the usage, exit 2. */
export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
}

/** Where a command writes, and what it reads besides its arguments. */
export interface CliContext {
  env: NodeJS.ProcessEnv;
  /** The command's results (stdout). */
  out(s: string): void;
  /** Where the upload progress bar draws (default stderr). */
  progress: NodeJS.WritableStream;
  /** Aborted by Ctrl-C: `status --watch` stops. */
  signal: AbortSignal;
  /** How often `status --watch` asks (default one second). */
  pollMs: number;
}

export interface OptionSpec {
  /** commander's flags, e.g. `--from <number>` */
  flags: string;
  description: string;
  /** May be given more than once: the values are collected in order. */
  repeatable?: boolean;
}

/** The values of one command's options, by long flag name without dashes (`api-key`). */
export type OptionValues = Record<string, string | string[] | true | undefined>;

export interface CommandSpec {
  /** `create`, or with arguments `upload <campaign_id> <file>` */
  name: string;
  description: string;
  options?: OptionSpec[];
  run(args: string[], options: OptionValues): Promise<number>;
}

/**
 * One group of commands (`callplane campaigns …`) on commander. Commander's process exits (after `--help`, on a bad
 * option or a missing argument) are turned into exceptions (`exitOverride`) and its output goes through `out`, so the
 * CLI runs inside tests and returns its exit code.
 */
export async function runGroup(group: { name: string; description: string; options?: OptionSpec[]; commands: CommandSpec[] }, argv: string[], ctx: Pick<CliContext, 'out'>): Promise<number | 'unknown'> {
  const program = tame(new Command(`callplane ${group.name}`), ctx.out).description(group.description);
  const groupValues = declare(program, group.options ?? []);
  const ran: { result?: Promise<number> } = {};
  for (const spec of group.commands) {
    const cmd = tame(program.command(spec.name), ctx.out).description(spec.description);
    const values = declare(cmd, spec.options ?? []);
    cmd.action((...params: unknown[]) => {
      // commander passes the declared arguments, then the options, then the command itself.
      const args = params.slice(0, -2).map((a) => (a === undefined ? '' : String(a)));
      ran.result = spec.run(args, { ...groupValues(), ...values() });
    });
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.help' || err.code === 'commander.version') return 0;
    if (err.code === 'commander.unknownCommand') return 'unknown';
    throw new CliUsageError(usageMessage(err));
  }
  // No action ran: no command was named, or one this group does not have.
  return ran.result ?? 'unknown';
}

/** Commander's complaint in the CLI's own words. */
function usageMessage(err: CommanderError): string {
  const quoted = /'([^' ]+)/.exec(err.message)?.[1];
  if (err.code === 'commander.missingArgument' && quoted) return `Missing the <${quoted}> argument.`;
  if (err.code === 'commander.optionMissingArgument' && quoted) return `Missing value for ${quoted}.`;
  if (err.code === 'commander.unknownOption' && quoted) return `Unknown option ${quoted}.`;
  return err.message.replace(/^error: /, '');
}

/** Exceptions instead of process exits, output through `out`, and no guessing at unknown commands. */
function tame(cmd: Command, out: (s: string) => void): Command {
  return cmd
    .exitOverride()
    .allowExcessArguments(false)
    .configureOutput({ writeOut: out, writeErr: () => undefined });
}

/** Declares the options (a repeatable one collects its values in order); returns how to read them after parsing. */
function declare(cmd: Command, options: OptionSpec[]): () => OptionValues {
  const declared = options.map((o) => {
    const option = new Option(o.flags, o.description);
    if (o.repeatable) option.argParser((v: string, previous: string[] | undefined) => [...(previous ?? []), v]);
    cmd.addOption(option);
    const long = option.long?.replace(/^--/, '');
    if (!long) throw new Error(`option without a long flag: ${o.flags}`);
    return { long, attribute: option.attributeName() };
  });
  // Keyed by long flag name (`--api-key` is `api-key`), as the commands read them.
  return () => Object.fromEntries(declared.map((d) => [d.long, cmd.getOptionValue(d.attribute) as OptionValues[string]]));
}
