import { Command, CommanderError, Option } from 'commander';

/** The CLI's exit codes, one meaning each, so scripts can tell what happened (listed in `callplane --help`). */
export const EXIT = {
  /** Done. */
  ok: 0,
  /** The API answered with a refusal (its error is printed). */
  refused: 1,
  /** The command line is wrong, or a setting the command needs is missing: nothing was sent. */
  usage: 2,
  /** Callplane could not be reached, or what answered is not Callplane. */
  unreachable: 3,
  /** Stopped with Ctrl-C (128 + SIGINT), as shells report it. */
  interrupted: 130,
} as const;

/** A mistake in how the CLI was called (a missing flag, an unknown option, no credentials): one line, exit 2. */
export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
}

/** Callplane could not be reached, or something else answered: one line, exit 3. */
export class CliFailure extends Error {
  override readonly name = 'CliFailure';
}

/** Where a command writes, and what it reads besides its arguments. */
export interface CliContext {
  env: NodeJS.ProcessEnv;
  /** The command's results (stdout): what scripts read. */
  out(s: string): void;
  /** Messages for people (stderr): errors, refusals in words. */
  err(s: string): void;
  /** Where the upload progress bar draws (default stderr). */
  progress: NodeJS.WritableStream;
  /** Aborted by Ctrl-C: `status --watch` stops. */
  signal: AbortSignal;
  /** How often `status --watch` asks (default one second). */
  pollMs: number;
  /** `--json`: results as JSON on stdout (refusals too, as the API wrote them), instead of text for people. */
  json: boolean;
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
  /** Exit code; a CliUsageError or CliFailure thrown is printed and mapped to its code. */
  run(args: string[], options: OptionValues): Promise<number>;
}

export interface GroupSpec {
  name: string;
  description: string;
  /** Options of the group, accepted before or after the command's own (`campaigns --api-key … status …`). */
  options?: OptionSpec[];
  commands(ctx: CliContext): CommandSpec[];
}

const JSON_OPTION: OptionSpec = { flags: '--json', description: 'print the result as JSON (refusals too, as the API wrote them)' };

/**
 * The whole CLI on commander: `callplane <group> <command> [options]`, `--help` at every level, `--json` on every
 * command. Commander's process exits (after `--help`, on a bad option or a missing argument) are turned into
 * exceptions (`exitOverride`) and its output goes through the context, so the CLI runs inside tests and returns its
 * exit code. Every failure is one line on stderr with its exit code (EXIT); nothing is thrown.
 */
export async function runProgram(spec: { groups: GroupSpec[]; topLevel?: CommandSpec[]; helpAfter: string }, argv: string[], ctx: CliContext): Promise<number> {
  const program = tame(new Command('callplane'), ctx).description('Operate Callplane: tenants, users and their API keys, campaigns.');
  program.addHelpText('after', `\n${spec.helpAfter}`);
  const ran: { code?: number } = {};
  const bind = (parent: Command, cmdSpec: CommandSpec, groupValues: () => OptionValues) => {
    const cmd = tame(parent.command(cmdSpec.name), ctx).description(cmdSpec.description);
    const values = declare(cmd, [...(cmdSpec.options ?? []), JSON_OPTION]);
    cmd.action(async (...params: unknown[]) => {
      // commander passes the declared arguments, then the options, then the command itself.
      const args = params.slice(0, -2).map((a) => (a === undefined ? '' : String(a)));
      const options = { ...groupValues(), ...values() };
      ctx.json = options.json === true;
      ran.code = await cmdSpec.run(args, options);
    });
  };
  for (const group of spec.groups) {
    const cmd = tame(program.command(group.name), ctx).description(group.description);
    const groupValues = declare(cmd, group.options ?? []);
    for (const cmdSpec of group.commands(ctx)) bind(cmd, cmdSpec, groupValues);
  }
  for (const cmdSpec of spec.topLevel ?? []) bind(program, cmdSpec, () => ({}));

  if (argv.length === 0) {
    ctx.err(program.helpInformation());
    return EXIT.usage;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return ran.code ?? EXIT.usage;
  } catch (err) {
    return failure(err, argv, ctx);
  }
}

/** A failure as one line on stderr, and its exit code. */
function failure(err: unknown, argv: string[], ctx: CliContext): number {
  if (err instanceof CommanderError) {
    // --help, `help <command>`: the help was printed to stdout.
    if (err.exitCode === 0) return EXIT.ok;
    // A group named without a command (`callplane tenants`): its help was printed to stderr.
    if (err.code === 'commander.help') return EXIT.usage;
    // An unknown command is pointed at the help of the group it was looked for in.
    const words = helpPath(argv);
    const unknown = err.code === 'commander.unknownCommand' ? words.indexOf(/'([^' ]+)/.exec(err.message)?.[1] ?? '') : -1;
    ctx.err(`${usageMessage(err)} See: callplane ${(unknown >= 0 ? words.slice(0, unknown) : words).map((w) => `${w} `).join('')}--help\n`);
    return EXIT.usage;
  }
  if (err instanceof CliUsageError) {
    ctx.err(`${err.message}\n`);
    return EXIT.usage;
  }
  if (err instanceof CliFailure) {
    ctx.err(`${err.message}\n`);
    return EXIT.unreachable;
  }
  if (ctx.signal.aborted) return EXIT.interrupted;
  throw err;
}

/** Commander's complaint in the CLI's own words. */
function usageMessage(err: CommanderError): string {
  const quoted = /'([^' ]+)/.exec(err.message)?.[1];
  if (err.code === 'commander.missingArgument' && quoted) return `Missing the <${quoted}> argument.`;
  if (err.code === 'commander.optionMissingArgument' && quoted) return `Missing value for ${quoted}.`;
  if (err.code === 'commander.unknownOption' && quoted) return `Unknown option ${quoted}.`;
  if (err.code === 'commander.unknownCommand' && quoted) return `Unknown command ${quoted}.`;
  return `${err.message.replace(/^error: /, '').replace(/\.?$/, '.')}`;
}

/** The leading command words of argv (`tenants`, `create`), for pointing at the right `--help`. */
function helpPath(argv: string[]): string[] {
  const words: string[] = [];
  for (const a of argv) {
    if (a.startsWith('-') || words.length === 2) break;
    words.push(a);
  }
  return words;
}

/** Exceptions instead of process exits, output through the context, and no guessing at unknown commands. */
function tame(cmd: Command, ctx: Pick<CliContext, 'out' | 'err'>): Command {
  return cmd
    .exitOverride()
    .allowExcessArguments(false)
    .configureOutput({ writeOut: (s) => ctx.out(s), writeErr: (s) => ctx.err(s), outputError: () => undefined });
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
