import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { hashApiKey, SecretBox } from '@callplane/service-kit';
import { bootTestService, uniqueSuffix, type TestService } from '@callplane/testing';
import { createProvisioningModule } from '../app';
import { run } from './main';

describe('operator CLI against a running provisioning service', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await bootTestService({
      name: 'provisioning',
      modules: ({ platform, routerDeps }) => [createProvisioningModule({ platform, routerDeps, secrets: new SecretBox(randomBytes(32)), publicBaseUrl: 'https://voice.example.com' })],
    });
  });
  afterAll(async () => {
    await svc?.stop();
  });

  /** Runs the CLI and collects what it prints. */
  async function cli(argv: string[], env: NodeJS.ProcessEnv) {
    const printed: string[] = [];
    const code = await run(argv, env, (s) => void printed.push(s));
    return { code, output: printed.join('') };
  }
  const env = (): NodeJS.ProcessEnv => ({ CALLPLANE_URL: svc.url, ADMIN_TOKEN: svc.adminToken });

  test('tenants create makes the tenant and prints it', async () => {
    const name = `Acme ${uniqueSuffix()}`;
    const { code, output } = await cli(['tenants', 'create', '--name', name], env());
    expect(code).toBe(0);
    const printed = JSON.parse(output) as { id: string; name: string };
    expect(printed).toEqual({ id: expect.stringMatching(/^ten_/), name });
    expect(await svc.prisma.tenant.findUnique({ where: { id: printed.id } })).toMatchObject({ id: printed.id, name });
  });

  test('users create issues a user whose printed key authenticates', async () => {
    const tenant = JSON.parse((await cli(['tenants', 'create', `--name=Acme ${uniqueSuffix()}`], env())).output) as { id: string };
    const email = `ops-${uniqueSuffix()}@acme.example`;
    const { code, output } = await cli(['users', 'create', '--tenant', tenant.id, '--email', email], env());
    expect(code).toBe(0);
    const user = JSON.parse(output) as { id: string; email: string; api_key: string };
    expect(user).toMatchObject({ email, api_key: expect.stringMatching(/^cp_live_/) });
    expect(await svc.prisma.user.findUnique({ where: { id: user.id } })).toMatchObject({ tenantId: tenant.id, apiKeyHash: hashApiKey(user.api_key) });
  });

  test('a trailing slash on CALLPLANE_URL is fine', async () => {
    const name = `Acme ${uniqueSuffix()}`;
    const { code } = await cli(['tenants', 'create', '--name', name], { ...env(), CALLPLANE_URL: `${svc.url}/` });
    expect(code).toBe(0);
    expect(await svc.prisma.tenant.count({ where: { name } })).toBe(1);
  });

  test('an unknown command exits 2 with the usage and sends nothing', async () => {
    const name = `Acme ${uniqueSuffix()}`;
    const { code, output } = await cli(['tenants', 'delete', '--name', name], env());
    expect(code).toBe(2);
    expect(output).toContain('Usage:');
    expect(output).toContain('callplane tenants create --name <name>');
    expect(await svc.prisma.tenant.count({ where: { name } })).toBe(0);
    expect((await cli([], env())).code).toBe(2);
  });

  test('a wrong ADMIN_TOKEN exits 1, prints the API error, and creates nothing', async () => {
    const name = `Acme ${uniqueSuffix()}`;
    const { code, output } = await cli(['tenants', 'create', '--name', name], { ...env(), ADMIN_TOKEN: 'not-the-admin-token' });
    expect(code).toBe(1);
    expect(JSON.parse(output)).toMatchObject({ error: { code: 'unauthorized' } });
    expect(await svc.prisma.tenant.count({ where: { name } })).toBe(0);
  });

  test('an API refusal exits 1: a user for a tenant that does not exist', async () => {
    const { code, output } = await cli(['users', 'create', '--tenant', 'ten_doesnotexist0000000', '--email', `x-${uniqueSuffix()}@acme.example`], env());
    expect(code).toBe(1);
    expect(JSON.parse(output)).toMatchObject({ error: { code: 'not_found' } });
  });

  test('missing required flags are refused before any request', async () => {
    await expect(run(['tenants', 'create'], env(), () => undefined)).rejects.toThrow('--name is required');
    await expect(run(['users', 'create', '--tenant', 'ten_x'], env(), () => undefined)).rejects.toThrow('--tenant and --email are required');
  });

  test('flags take --flag value and --flag=value, an inline value keeping every "=" after the first', async () => {
    const name = `Acme=Corp ${uniqueSuffix()}`;
    const tenant = await cli(['tenants', 'create', `--name=${name}`], env());
    expect(tenant.code).toBe(0);
    const { id } = JSON.parse(tenant.output) as { id: string };
    expect(await svc.prisma.tenant.findUnique({ where: { id } })).toMatchObject({ name });
    const email = `ops-${uniqueSuffix()}@acme.example`;
    const user = await cli(['users', 'create', `--email=${email}`, '--tenant', id], env());
    expect(user.code).toBe(0);
    expect(JSON.parse(user.output)).toMatchObject({ email });
  });

  test('a flag without its value, or an unknown flag, is refused before any request', async () => {
    const before = await svc.prisma.tenant.count();
    await expect(run(['tenants', 'create', '--name'], env(), () => undefined)).rejects.toThrow('Missing value for --name.');
    await expect(run(['tenants', 'create', '--name', 'Acme', '--colour', 'blue'], env(), () => undefined)).rejects.toThrow('Unknown option --colour.');
    expect(await svc.prisma.tenant.count()).toBe(before);
  });

  test('--help prints the usage, or a command\'s options, and exits 0 sending nothing', async () => {
    const before = await svc.prisma.tenant.count();
    const top = await cli(['--help'], env());
    expect(top.code).toBe(0);
    expect(top.output).toContain('callplane campaigns upload <campaign_id> <contacts.csv>');
    const create = await cli(['tenants', 'create', '--name', 'Acme', '--help'], env());
    expect(create.code).toBe(0);
    expect(create.output).toContain('Usage: callplane tenants create [options]');
    expect(create.output).toContain("--name <name>  the tenant's name");
    const group = await cli(['campaigns', '--help'], env());
    expect(group.code).toBe(0);
    expect(group.output).toContain('Usage: callplane campaigns [options] [command]');
    expect(group.output).toMatch(/\n\s+status \[options\] <campaign_id>/);
    const status = await cli(['campaigns', 'status', '--help'], env());
    expect(status.code).toBe(0);
    expect(status.output).toContain('Usage: callplane campaigns status [options] <campaign_id>');
    expect(await svc.prisma.tenant.count()).toBe(before);
  });

  describe('the operator token from the all-in-one data folder', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'callplane-cli-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    test('is used when ADMIN_TOKEN is unset', async () => {
      writeFileSync(path.join(dir, 'secrets.json'), JSON.stringify({ admin_token: svc.adminToken }));
      const name = `Acme ${uniqueSuffix()}`;
      const { code } = await cli(['tenants', 'create', '--name', name], { CALLPLANE_URL: svc.url, CALLPLANE_DATA_DIR: dir });
      expect(code).toBe(0);
      expect(await svc.prisma.tenant.count({ where: { name } })).toBe(1);
    });

    test('without it, and without ADMIN_TOKEN, the CLI says what to set', async () => {
      await expect(run(['tenants', 'create', '--name', 'Acme'], { CALLPLANE_URL: svc.url, CALLPLANE_DATA_DIR: dir }, () => undefined)).rejects.toThrow(/Set ADMIN_TOKEN/);
    });
  });
});
