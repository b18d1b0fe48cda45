import { Command } from 'commander';

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
 * One group of commands (`callplane campaigns …`) on commander. The commander installed is 2.x, which ends the
 * process on `--help` and on a bad option, and stores option values as properties of the command object (so
 * `--name` overwrites its `name()` method): the adapter turns those exits into exceptions, so the CLI runs inside
 * tests and returns its exit code, and collects option values in a record of its own.
 */
export async function runGroup(group: { name: string; description: string; options?: OptionSpec[]; commands: CommandSpec[] }, argv: string[], ctx: Pick<CliContext, 'out'>): Promise<number | 'unknown'> {
  const program = tame(new Command(`callplane ${group.name}`), ctx.out);
  program.description(group.description);
  const groupValues = collect(program, group.options ?? []);
  const ran: { result?: Promise<number> } = {};
  for (const spec of group.commands) {
    const cmd = tame(program.command(spec.name), ctx.out);
    cmd.description(spec.description);
    const values = collect(cmd, spec.options ?? []);
    cmd.action((...params: unknown[]) => {
      // commander passes the declared arguments, then the command itself.
      const args = params.slice(0, -1).map((a) => (a === undefined ? '' : String(a)));
      ran.result = spec.run(args, { ...groupValues, ...values });
    });
    // Named after the action is bound (the action listens for the short name): help then reads `callplane campaigns create`.
    cmd.name(`callplane ${group.name} ${cmd.name()}`);
  }
  try {
    program.parse(['node', `callplane ${group.name}`, ...argv]);
  } catch (err) {
    if (err instanceof HelpShown) return 0;
    throw err;
  }
  // No action ran: no command was named, or one this group does not have.
  return ran.result ?? 'unknown';
}

class HelpShown extends Error {}

/** commander 2 calls process.exit from these; here they throw instead. */
function tame(cmd: Command, out: (s: string) => void): Command {
  const c = cmd as Command & Record<string, unknown>;
  c.outputHelp = () => {
    out(cmd.helpInformation());
    throw new HelpShown();
  };
  c.unknownOption = (flag: string) => {
    throw new CliUsageError(`Unknown option ${flag}.`);
  };
  c.missingArgument = (name: string) => {
    throw new CliUsageError(`Missing the <${name}> argument.`);
  };
  c.optionMissingArgument = (option: { long: string }) => {
    throw new CliUsageError(`Missing value for ${option.long}.`);
  };
  return cmd;
}

function collect(cmd: Command, options: OptionSpec[]): OptionValues {
  const values: OptionValues = {};
  for (const o of options) {
    cmd.option(o.flags, o.description);
    const long = /--([a-z0-9-]+)/.exec(o.flags)?.[1];
    if (!long) throw new Error(`option without a long flag: ${o.flags}`);
    const takesValue = /[<[]/.test(o.flags);
    cmd.on(`option:${long}`, (v: string | null | undefined) => {
      const value = takesValue ? String(v) : true;
      if (o.repeatable) values[long] = [...((values[long] as string[] | undefined) ?? []), String(value)];
      else values[long] = value;
    });
  }
  return values;
}
