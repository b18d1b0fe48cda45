/**
 * The callplane CLI, over the public and operator APIs, so it works against the all-in-one and any deployment alike:
 *   npm run cli -- tenants create --name Acme
 *   npm run cli -- users create --tenant ten_… --email ops@acme.com
 *   npm run cli -- campaigns create|upload|launch|pause|resume|cancel|status|results …
 * Target: CALLPLANE_URL (default http://localhost:3000). Operator commands: ADMIN_TOKEN, else the all-in-one's
 * .data/secrets.json (CALLPLANE_DATA_DIR). Campaign commands: a customer API key, CALLPLANE_API_KEY or --api-key.
 */
import { tenantCommands, userCommands } from './admin.command';
import { API_KEY_OPTION, campaignCommands } from './campaigns.command';
import { CliUsageError, runGroup, type CliContext, type CommandSpec, type OptionSpec } from './cli-program';

export const USAGE = `Usage:
  callplane tenants create --name <name>
  callplane users create --tenant <tenant_id> --email <email>
  callplane campaigns create --name <name> --agent <agent_id> --from <+1…> [--from …] --timezone <tz>
                             --window <mon-fri@09:00-17:00> [--window …] --concurrency <n> [--rate <calls/s>]
                             [--max-attempts <n> --backoff <seconds> --retry-on <no_answer,busy,failed>]
                             [--recipient-hours <08:00-21:00|off>] [--start-at <iso>] [--end-at <iso>] [--webhook-url <url>]
  callplane campaigns create --json <campaign.json>
  callplane campaigns upload <campaign_id> <contacts.csv>
  callplane campaigns launch|pause|resume|cancel <campaign_id>
  callplane campaigns status <campaign_id> [--watch]
  callplane campaigns results <campaign_id> [--out <results.csv>]
  callplane <command> --help
Environment: CALLPLANE_URL (default http://localhost:3000); ADMIN_TOKEN for tenants and users (default: from the
all-in-one's data folder); CALLPLANE_API_KEY (or --api-key) for campaigns.`;

type Group = { description: string; options?: OptionSpec[]; commands(ctx: CliContext): CommandSpec[] };

const GROUPS: Record<string, Group> = {
  tenants: { description: 'Tenants (operator)', commands: tenantCommands },
  users: { description: "A tenant's users and their API keys (operator)", commands: userCommands },
  campaigns: { description: 'Campaigns: dial a contact list (customer API key)', options: [API_KEY_OPTION], commands: campaignCommands },
};

/**
 * Runs one command line and gives its exit code: 0 done, 1 the API refused (its answer is printed), 2 no such
 * command (the usage is printed). A mistake in the flags is thrown as a CliUsageError before anything is sent.
 */
export async function run(argv: string[], env: NodeJS.ProcessEnv, out: (s: string) => void, io: Partial<Omit<CliContext, 'env' | 'out'>> = {}): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--help' || name === '-h' || name === 'help') {
    out(`${USAGE}\n`);
    return 0;
  }
  const group = name ? GROUPS[name] : undefined;
  if (!group) {
    out(`${USAGE}\n`);
    return 2;
  }
  const ctx: CliContext = { env, out, progress: io.progress ?? process.stderr, signal: io.signal ?? new AbortController().signal, pollMs: io.pollMs ?? 1_000 };
  const code = await runGroup({ name: name!, description: group.description, options: group.options, commands: group.commands(ctx) }, rest, ctx);
  if (code === 'unknown') {
    out(`${USAGE}\n`);
    return 2;
  }
  return code;
}

if (require.main === module) {
  const stop = new AbortController();
  // Ctrl-C ends `status --watch` cleanly; a second one ends the process.
  process.once('SIGINT', () => {
    stop.abort();
    process.once('SIGINT', () => process.exit(130));
  });
  run(process.argv.slice(2), process.env, (s) => process.stdout.write(s), { signal: stop.signal }).then(
    (code) => process.exit(code),
    (err: unknown) => {
      const message = err instanceof Error ? err.message : String(err);
      if (err instanceof CliUsageError) process.stderr.write(`${message}\n${USAGE}\n`);
      else process.stderr.write(`${message}\n`);
      process.exit(err instanceof CliUsageError ? 2 : 1);
    },
  );
}
