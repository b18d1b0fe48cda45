/**
 * Operator CLI over the operator API, so it works against the all-in-one and any deployment alike:
 *   npm run cli -- tenants create --name Acme
 *   npm run cli -- users create --tenant ten_… --email ops@acme.com
 * Target: CALLPLANE_URL (default http://localhost:3000). Token: ADMIN_TOKEN, else the all-in-one's
 * .data/secrets.json (CALLPLANE_DATA_DIR).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

const USAGE = `Usage:
  callplane tenants create --name <name>
  callplane users create --tenant <tenant_id> --email <email>
Environment: CALLPLANE_URL (default http://localhost:3000), ADMIN_TOKEN (default: from the all-in-one's data folder)`;

export function parseArgs(argv: string[]): { command: string; flags: Record<string, string> } {
  const words: string[] = [];
  const flags: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const k = eq === -1 ? a.slice(2) : a.slice(2, eq);
      const inline = eq === -1 ? undefined : a.slice(eq + 1);
      const v = inline ?? argv[++i];
      if (!k || v === undefined) throw new Error(`Missing value for ${a}`);
      flags[k] = v;
    } else words.push(a);
  }
  return { command: words.join(' '), flags };
}

function adminToken(env: NodeJS.ProcessEnv): string {
  if (env.ADMIN_TOKEN) return env.ADMIN_TOKEN;
  const file = path.join(path.resolve(env.CALLPLANE_DATA_DIR ?? '.data'), 'secrets.json');
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { admin_token: string }).admin_token;
  } catch {
    throw new Error(`Set ADMIN_TOKEN (no all-in-one secrets found at ${file}).`);
  }
}

export async function run(argv: string[], env: NodeJS.ProcessEnv, out: (s: string) => void): Promise<number> {
  const { command, flags } = parseArgs(argv);
  const base = (env.CALLPLANE_URL ?? 'http://localhost:3000').replace(/\/+$/, '');
  let request: { path: string; body: unknown };
  switch (command) {
    case 'tenants create':
      if (!flags.name) throw new Error('--name is required');
      request = { path: '/admin/tenants', body: { name: flags.name } };
      break;
    case 'users create':
      if (!flags.tenant || !flags.email) throw new Error('--tenant and --email are required');
      request = { path: `/admin/tenants/${encodeURIComponent(flags.tenant)}/users`, body: { email: flags.email } };
      break;
    default:
      out(`${USAGE}\n`);
      return 2;
  }
  const res = await fetch(`${base}${request.path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken(env)}`, 'content-type': 'application/json' },
    body: JSON.stringify(request.body),
  });
  const text = await res.text();
  out(`${text}\n`);
  return res.ok ? 0 : 1;
}

if (require.main === module) {
  run(process.argv.slice(2), process.env, (s) => process.stdout.write(s)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n${USAGE}\n`);
      process.exit(2);
    },
  );
}
