import type { UserDto } from '@callplane/contracts';
import { operatorClient } from './api-client';
import { allPages, printRefusal, show, table } from './cli-output';
import { CliUsageError, type CliContext, type CommandSpec, type OptionValues } from './cli-program';

type Tenant = { id: string; name: string; created_at?: string };
type CreatedUser = { id: string; email: string; api_key: string };

const TENANT_OPTION = { flags: '--tenant <tenant_id>', description: 'the tenant (ten_…)' };

function required(o: OptionValues, ...flags: string[]): string[] {
  const missing = flags.filter((f) => typeof o[f] !== 'string' || !o[f]);
  if (missing.length > 0) throw new CliUsageError(`${missing.map((f) => `--${f}`).join(' and ')} ${missing.length > 1 ? 'are' : 'is'} required.`);
  return flags.map((f) => o[f] as string);
}

/** `callplane tenants …`: the operator API's tenants (ADMIN_TOKEN, or the local all-in-one's). */
export const tenantCommands = (ctx: CliContext): CommandSpec[] => [
  {
    name: 'create',
    description: 'Create a tenant',
    options: [{ flags: '--name <name>', description: "the tenant's name" }],
    run: async (_args, o) => {
      const [name] = required(o, 'name');
      const res = await operatorClient(ctx.env).request('POST', '/admin/tenants', { json: { name } });
      if (!res.ok) return printRefusal(res, ctx);
      const tenant = (await res.json()) as Tenant;
      return show(ctx, tenant, () => `Created tenant ${tenant.id} (${tenant.name}).\n`);
    },
  },
  {
    name: 'list',
    description: 'List every tenant, newest first',
    run: async () => {
      const listed = await allPages<Tenant>(operatorClient(ctx.env), '/admin/tenants');
      if ('refusal' in listed) return printRefusal(listed.refusal, ctx);
      return show(ctx, listed.items, () => (listed.items.length ? table([['ID', 'NAME', 'CREATED'], ...listed.items.map((t) => [t.id, t.name, t.created_at ?? ''])]) : 'No tenants.\n'));
    },
  },
];

/** `callplane users …`: a tenant's users and their API keys. */
export const userCommands = (ctx: CliContext): CommandSpec[] => [
  {
    name: 'create',
    description: 'Create a user of a tenant and print its API key (shown only here)',
    options: [TENANT_OPTION, { flags: '--email <email>', description: "the user's email" }],
    run: async (_args, o) => {
      const [tenant, email] = required(o, 'tenant', 'email');
      const res = await operatorClient(ctx.env).request('POST', `/admin/tenants/${encodeURIComponent(tenant!)}/users`, { json: { email } });
      if (!res.ok) return printRefusal(res, ctx);
      const user = (await res.json()) as CreatedUser;
      return show(ctx, user, () => `Created user ${user.id} (${user.email}) in ${tenant}.\nAPI key, shown only now: ${user.api_key}\n`);
    },
  },
  {
    name: 'list',
    description: "List a tenant's users, newest first, with the last characters of each key",
    options: [TENANT_OPTION],
    run: async (_args, o) => {
      const [tenant] = required(o, 'tenant');
      const listed = await allPages<UserDto>(operatorClient(ctx.env), `/admin/tenants/${encodeURIComponent(tenant!)}/users`);
      if ('refusal' in listed) return printRefusal(listed.refusal, ctx);
      const rows = listed.items.map((u) => [u.id, u.email, u.api_key_hint, u.created_at, u.revoked_at ? `revoked ${u.revoked_at}` : 'active']);
      return show(ctx, listed.items, () => (rows.length ? table([['ID', 'EMAIL', 'KEY', 'CREATED', 'STATUS'], ...rows]) : 'No users.\n'));
    },
  },
  {
    name: 'revoke <user_id>',
    description: "Revoke a user's API key: it is refused from now on; the user stays listed",
    options: [TENANT_OPTION],
    run: async ([userId], o) => {
      const [tenant] = required(o, 'tenant');
      const res = await operatorClient(ctx.env).request('POST', `/admin/tenants/${encodeURIComponent(tenant!)}/users/${encodeURIComponent(userId!)}/revoke`);
      if (!res.ok) return printRefusal(res, ctx);
      const user = (await res.json()) as UserDto;
      return show(ctx, user, () => `Revoked the API key of ${user.id} (${user.email}, key ${user.api_key_hint}) at ${user.revoked_at}.\n`);
    },
  },
];
