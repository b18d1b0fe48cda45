import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ApiClient, baseUrl } from './api-client';
import { CliUsageError, type CliContext, type CommandSpec } from './cli-program';

/** The operator token: ADMIN_TOKEN, else the all-in-one's .data/secrets.json (CALLPLANE_DATA_DIR). */
function adminToken(env: NodeJS.ProcessEnv): string {
  if (env.ADMIN_TOKEN) return env.ADMIN_TOKEN;
  const file = path.join(path.resolve(env.CALLPLANE_DATA_DIR ?? '.data'), 'secrets.json');
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { admin_token: string }).admin_token;
  } catch {
    throw new CliUsageError(`Set ADMIN_TOKEN (no all-in-one secrets found at ${file}).`);
  }
}

/** POSTs to the operator API and prints the answer as it came (JSON): exit 0 on 2xx, else 1. */
async function post(ctx: CliContext, apiPath: string, body: unknown): Promise<number> {
  const res = await new ApiClient(baseUrl(ctx.env), adminToken(ctx.env)).request('POST', apiPath, { json: body });
  ctx.out(`${await res.text()}\n`);
  return res.ok ? 0 : 1;
}

export const tenantCommands = (ctx: CliContext): CommandSpec[] => [
  {
    name: 'create',
    description: 'Create a tenant (operator API)',
    options: [{ flags: '--name <name>', description: "the tenant's name" }],
    run: async (_args, o) => {
      if (typeof o.name !== 'string' || !o.name) throw new CliUsageError('--name is required');
      return post(ctx, '/admin/tenants', { name: o.name });
    },
  },
];

export const userCommands = (ctx: CliContext): CommandSpec[] => [
  {
    name: 'create',
    description: "Create a user of a tenant and print its API key (shown only here)",
    options: [
      { flags: '--tenant <tenant_id>', description: 'the tenant (ten_…)' },
      { flags: '--email <email>', description: "the user's email" },
    ],
    run: async (_args, o) => {
      if (typeof o.tenant !== 'string' || typeof o.email !== 'string' || !o.tenant || !o.email) throw new CliUsageError('--tenant and --email are required');
      return post(ctx, `/admin/tenants/${encodeURIComponent(o.tenant)}/users`, { email: o.email });
    },
  },
];
