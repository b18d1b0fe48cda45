/**
 * The callplane CLI, over the public and operator APIs, so it works against the all-in-one and any deployment alike:
 *   npm run cli -- tenants create|list …
 *   npm run cli -- users create|list|revoke …
 *   npm run cli -- campaigns create|upload|launch|pause|resume|cancel|status|results …
 *   npm run cli -- --help          (and `--help` after any group or command)
 * Target: CALLPLANE_URL, else where the local all-in-one said it listens (its data folder, CALLPLANE_DATA_DIR), else
 * http://localhost:3000. Operator commands: ADMIN_TOKEN, else the all-in-one's token from the same folder. Campaign
 * commands: a customer API key, CALLPLANE_API_KEY or --api-key.
 */
import { callplaneTarget } from '@callplane/config';
import { tenantCommands, userCommands } from './admin.command';
import { API_KEY_OPTION, campaignCommands } from './campaigns.command';
import { show } from './cli-output';
import { EXIT, runProgram, type CliContext, type CommandSpec, type GroupSpec } from './cli-program';

const HELP_AFTER = `Environment:
  CALLPLANE_URL       the deployment (default: where the all-in-one started from this folder listens, as its
                      data folder records, else http://localhost:3000)
  CALLPLANE_DATA_DIR  the all-in-one's data folder (default .data)
  ADMIN_TOKEN         the operator token, for tenants and users (default: the all-in-one's, from its data folder)
  CALLPLANE_API_KEY   a customer API key, for campaigns (or --api-key)

Exit codes: ${EXIT.ok} done; ${EXIT.refused} the API refused (its error is printed); ${EXIT.usage} a mistake in the command line or a missing
setting (nothing was sent); ${EXIT.unreachable} Callplane could not be reached; ${EXIT.interrupted} stopped with Ctrl-C.`;

const GROUPS: GroupSpec[] = [
  { name: 'tenants', description: 'Tenants (operator)', commands: tenantCommands },
  { name: 'users', description: "A tenant's users and their API keys (operator)", commands: userCommands },
  { name: 'campaigns', description: 'Campaigns: dial a contact list (customer API key)', options: [API_KEY_OPTION], commands: campaignCommands },
];

const topLevel = (ctx: CliContext): CommandSpec[] => [
  {
    name: 'url',
    description: 'Print the URL the CLI talks to, e.g. BASE=$(npm run -s cli -- url)',
    run: async () => {
      const target = callplaneTarget(ctx.env);
      return show(ctx, target, () => `${target.url}\n`);
    },
  },
];

export interface CliIo {
  err(s: string): void;
  progress: NodeJS.WritableStream;
  signal: AbortSignal;
  pollMs: number;
}

/** Runs one command line and gives its exit code (EXIT). Results go to `out`; messages for people to `io.err`. */
export async function run(argv: string[], env: NodeJS.ProcessEnv, out: (s: string) => void, io: Partial<CliIo> = {}): Promise<number> {
  const ctx: CliContext = {
    env,
    out,
    err: io.err ?? ((s) => void process.stderr.write(s)),
    progress: io.progress ?? process.stderr,
    signal: io.signal ?? new AbortController().signal,
    pollMs: io.pollMs ?? 1_000,
    json: false,
  };
  return runProgram({ groups: GROUPS, topLevel: topLevel(ctx), helpAfter: HELP_AFTER }, argv, ctx);
}

if (require.main === module) {
  const stop = new AbortController();
  // Ctrl-C ends `status --watch` cleanly; a second one ends the process.
  process.once('SIGINT', () => {
    stop.abort();
    process.once('SIGINT', () => process.exit(EXIT.interrupted));
  });
  run(process.argv.slice(2), process.env, (s) => void process.stdout.write(s), { signal: stop.signal }).then(
    (code) => process.exit(code),
    (err: unknown) => {
      // Not a failure the CLI knows (those are printed and mapped to their codes): a bug, shown whole.
      process.stderr.write(`Unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(EXIT.refused);
    },
  );
}
