import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { hashApiKey, SecretBox } from '@callplane/service-kit';
import { bootTestService, freePort, uniqueSuffix, type TestService } from '@callplane/testing';
import { createProvisioningModule } from '../app';
import { run } from './main';

describe('operator CLI against a running provisioning service', () => {
  let svc: TestService;
  let dir: string;
  beforeAll(async () => {
    svc = await bootTestService({
      name: 'provisioning',
      modules: ({ platform, routerDeps }) => [createProvisioningModule({ platform, routerDeps, secrets: new SecretBox(randomBytes(32)), publicBaseUrl: 'https://voice.example.com' })],
    });
  });
  afterAll(async () => {
    await svc?.stop();
  });
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'callplane-cli-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs the CLI and collects what it prints on stdout (`out`) and stderr (`err`). */
  async function cli(argv: string[], env: NodeJS.ProcessEnv = envFor()) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await run(argv, env, (s) => void out.push(s), { err: (s) => void err.push(s) });
    return { code, out: out.join(''), err: err.join('') };
  }
  /** The service, the operator token, and an empty data folder (no all-in-one's files to fall back on). */
  const envFor = (over: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ CALLPLANE_URL: svc.url, ADMIN_TOKEN: svc.adminToken, CALLPLANE_DATA_DIR: dir, ...over });
  const json = <T>(r: { out: string }) => JSON.parse(r.out) as T;
  const newTenant = async () => json<{ id: string; name: string }>(await cli(['tenants', 'create', '--name', `Acme ${uniqueSuffix()}`, '--json']));

  describe('tenants', () => {
    test('create prints the tenant for people, or as JSON with --json', async () => {
      const name = `Acme ${uniqueSuffix()}`;
      const human = await cli(['tenants', 'create', '--name', name]);
      expect(human).toEqual({ code: 0, out: expect.stringMatching(new RegExp(`^Created tenant ten_\\w+ \\(${name}\\)\\.\\n$`)), err: '' });
      const id = /ten_\w+/.exec(human.out)![0];
      expect(await svc.prisma.tenant.findUnique({ where: { id } })).toMatchObject({ id, name });

      const scripted = await cli(['tenants', 'create', '--name', `${name} 2`, '--json']);
      expect(scripted.code).toBe(0);
      expect(json(scripted)).toEqual({ id: expect.stringMatching(/^ten_/), name: `${name} 2` });
    });

    test('list prints every tenant newest first, as a table or as JSON', async () => {
      const a = await newTenant();
      const b = await newTenant();
      const listed = await cli(['tenants', 'list', '--json']);
      expect(listed.code).toBe(0);
      const rows = json<Array<{ id: string; name: string; created_at: string }>>(listed);
      expect(rows).toHaveLength(await svc.prisma.tenant.count());
      expect(rows.slice(0, 2)).toEqual([
        { id: b.id, name: b.name, created_at: expect.any(String) },
        { id: a.id, name: a.name, created_at: expect.any(String) },
      ]);
      const table = await cli(['tenants', 'list']);
      const lines = table.out.trimEnd().split('\n');
      expect(lines[0]).toMatch(/^ID\s+NAME\s+CREATED$/);
      expect(lines[1]).toMatch(new RegExp(`^${b.id}\\s+${b.name}\\s+\\d{4}-`));
      expect(lines).toHaveLength(rows.length + 1);
    });
  });

  describe('users', () => {
    test('create issues a user whose printed key authenticates', async () => {
      const tenant = await newTenant();
      const email = `ops-${uniqueSuffix()}@acme.example`;
      const human = await cli(['users', 'create', '--tenant', tenant.id, '--email', email]);
      expect(human.code).toBe(0);
      expect(human.out).toMatch(new RegExp(`^Created user usr_\\w+ \\(${email}\\) in ${tenant.id}\\.\\nAPI key, shown only now: cp_live_\\S+\\n$`));
      const key = /cp_live_\S+/.exec(human.out)![0];
      expect(await svc.prisma.user.findFirst({ where: { email, tenantId: tenant.id } })).toMatchObject({ apiKeyHash: hashApiKey(key) });

      const scripted = json<{ id: string; email: string; api_key: string }>(await cli(['users', 'create', '--tenant', tenant.id, '--email', `two-${email}`, '--json']));
      expect(scripted).toMatchObject({ email: `two-${email}`, api_key: expect.stringMatching(/^cp_live_/) });
      expect((await fetch(`${svc.url}/voice/agents`, { headers: { authorization: `Bearer ${scripted.api_key}` } })).status).toBe(200);
    });

    test("list shows a tenant's users with their key hints, never a key", async () => {
      const tenant = await newTenant();
      const user = json<{ id: string; email: string; api_key: string }>(await cli(['users', 'create', '--tenant', tenant.id, '--email', `ops-${uniqueSuffix()}@acme.example`, '--json']));
      const listed = await cli(['users', 'list', '--tenant', tenant.id, '--json']);
      expect(listed.code).toBe(0);
      expect(json(listed)).toEqual([{ id: user.id, email: user.email, api_key_hint: `…${user.api_key.slice(-4)}`, created_at: expect.any(String), revoked_at: null }]);
      const table = await cli(['users', 'list', '--tenant', tenant.id]);
      expect(table.out).toMatch(new RegExp(`^ID\\s+EMAIL\\s+KEY\\s+CREATED\\s+STATUS\\n${user.id}\\s+${user.email}\\s+…${user.api_key.slice(-4)}\\s+\\S+\\s+active\\n$`));
      expect(listed.out + table.out).not.toContain(user.api_key);
    });

    test('revoke takes the key away at once; the user stays listed as revoked', async () => {
      const tenant = await newTenant();
      const user = json<{ id: string; email: string; api_key: string }>(await cli(['users', 'create', '--tenant', tenant.id, '--email', `ops-${uniqueSuffix()}@acme.example`, '--json']));
      const agents = () => fetch(`${svc.url}/voice/agents`, { headers: { authorization: `Bearer ${user.api_key}` } }).then((r) => r.status);
      expect(await agents()).toBe(200);

      const revoked = await cli(['users', 'revoke', user.id, '--tenant', tenant.id]);
      expect(revoked.code).toBe(0);
      expect(revoked.out).toMatch(new RegExp(`^Revoked the API key of ${user.id} \\(${user.email}, key …${user.api_key.slice(-4)}\\) at \\d{4}-.*Z\\.\\n$`));
      expect(await agents()).toBe(401);
      const listed = json<Array<{ id: string; revoked_at: string | null }>>(await cli(['users', 'list', '--tenant', tenant.id, '--json']));
      expect(listed.find((u) => u.id === user.id)?.revoked_at).toEqual(expect.stringMatching(/Z$/));
      expect((await cli(['users', 'list', '--tenant', tenant.id])).out).toMatch(/revoked \d{4}-/);
    });

    test("revoking through another tenant is refused (404) and the key keeps working", async () => {
      const a = await newTenant();
      const b = await newTenant();
      const user = json<{ id: string; api_key: string }>(await cli(['users', 'create', '--tenant', a.id, '--email', `ops-${uniqueSuffix()}@acme.example`, '--json']));
      const refused = await cli(['users', 'revoke', user.id, '--tenant', b.id]);
      expect(refused).toEqual({ code: 1, out: '', err: 'Refused (404 not_found): The user was not found.\n' });
      const scripted = await cli(['users', 'revoke', user.id, '--tenant', b.id, '--json']);
      expect({ code: scripted.code, body: json(scripted) }).toEqual({ code: 1, body: { error: { code: 'not_found', message: 'The user was not found.' } } });
      expect((await fetch(`${svc.url}/voice/agents`, { headers: { authorization: `Bearer ${user.api_key}` } })).status).toBe(200);
    });
  });

  describe('refusals and mistakes', () => {
    test('an API refusal exits 1: one line for people on stderr, the API body with --json', async () => {
      const missing = await cli(['users', 'create', '--tenant', 'ten_doesnotexist0000000', '--email', `x-${uniqueSuffix()}@acme.example`]);
      expect(missing).toEqual({ code: 1, out: '', err: 'Refused (404 not_found): The tenant was not found.\n' });
      const invalid = await cli(['users', 'create', '--tenant', (await newTenant()).id, '--email', 'not-an-email']);
      expect(invalid.code).toBe(1);
      expect(invalid.err).toMatch(/^Refused \(400 validation_failed\): .*\n {2}email: .+\n$/);
    });

    test('a wrong ADMIN_TOKEN exits 1, says so, and creates nothing', async () => {
      const name = `Acme ${uniqueSuffix()}`;
      const human = await cli(['tenants', 'create', '--name', name], envFor({ ADMIN_TOKEN: 'not-the-admin-token' }));
      expect(human.code).toBe(1);
      expect(human.err).toMatch(/^Refused \(401 unauthorized\): .*ADMIN_TOKEN/);
      const scripted = await cli(['tenants', 'list', '--json'], envFor({ ADMIN_TOKEN: 'not-the-admin-token' }));
      expect({ code: scripted.code, error: json<{ error: { code: string } }>(scripted).error.code }).toEqual({ code: 1, error: 'unauthorized' });
      expect(await svc.prisma.tenant.count({ where: { name } })).toBe(0);
    });

    test('an unknown command exits 2 with one line pointing at --help, and sends nothing', async () => {
      const name = `Acme ${uniqueSuffix()}`;
      expect(await cli(['tenants', 'delete', '--name', name])).toEqual({ code: 2, out: '', err: 'Unknown command delete. See: callplane tenants --help\n' });
      expect(await cli(['teams', 'list'])).toEqual({ code: 2, out: '', err: 'Unknown command teams. See: callplane --help\n' });
      expect(await svc.prisma.tenant.count({ where: { name } })).toBe(0);
    });

    test('no command, or a group without one, prints the help on stderr and exits 2', async () => {
      const none = await cli([]);
      expect({ code: none.code, out: none.out }).toEqual({ code: 2, out: '' });
      expect(none.err).toContain('Usage: callplane [options] [command]');
      const group = await cli(['users']);
      expect({ code: group.code, out: group.out }).toEqual({ code: 2, out: '' });
      expect(group.err).toContain('Usage: callplane users [options] [command]');
    });

    test('missing flags, a flag without its value and an unknown flag exit 2 before any request', async () => {
      const before = await svc.prisma.tenant.count();
      expect(await cli(['tenants', 'create'])).toEqual({ code: 2, out: '', err: '--name is required.\n' });
      expect(await cli(['users', 'create', '--tenant', 'ten_x'])).toEqual({ code: 2, out: '', err: '--email is required.\n' });
      expect(await cli(['users', 'list'])).toEqual({ code: 2, out: '', err: '--tenant is required.\n' });
      expect(await cli(['users', 'revoke', '--tenant', 'ten_x'])).toEqual({ code: 2, out: '', err: 'Missing the <user_id> argument. See: callplane users revoke --help\n' });
      expect(await cli(['tenants', 'create', '--name'])).toEqual({ code: 2, out: '', err: 'Missing value for --name. See: callplane tenants create --help\n' });
      expect(await cli(['tenants', 'create', '--name', 'Acme', '--colour', 'blue'])).toEqual({ code: 2, out: '', err: 'Unknown option --colour. See: callplane tenants create --help\n' });
      expect(await svc.prisma.tenant.count()).toBe(before);
    });

    test('flags take --flag value and --flag=value, an inline value keeping every "=" after the first', async () => {
      const name = `Acme=Corp ${uniqueSuffix()}`;
      const tenant = await cli(['tenants', 'create', `--name=${name}`, '--json']);
      const { id } = json<{ id: string }>(tenant);
      expect(await svc.prisma.tenant.findUnique({ where: { id } })).toMatchObject({ name });
      const email = `ops-${uniqueSuffix()}@acme.example`;
      expect(json(await cli(['users', 'create', `--email=${email}`, '--tenant', id, '--json']))).toMatchObject({ email });
    });

    test('a trailing slash on CALLPLANE_URL is fine', async () => {
      const name = `Acme ${uniqueSuffix()}`;
      expect((await cli(['tenants', 'create', '--name', name], envFor({ CALLPLANE_URL: `${svc.url}/` }))).code).toBe(0);
      expect(await svc.prisma.tenant.count({ where: { name } })).toBe(1);
    });
  });

  describe('--help', () => {
    test('works at every level, on stdout, exits 0 and sends nothing', async () => {
      const before = await svc.prisma.tenant.count();
      const top = await cli(['--help']);
      expect({ code: top.code, err: top.err }).toEqual({ code: 0, err: '' });
      for (const line of [/^Usage: callplane \[options\] \[command\]/m, /^ {2}tenants\s+Tenants \(operator\)$/m, /^ {2}users\s+/m, /^ {2}campaigns\s+/m, /CALLPLANE_URL/, /Exit codes: 0 done; 1 the API refused/]) expect(top.out).toMatch(line);
      expect((await cli(['help'])).out).toBe(top.out);

      const group = await cli(['users', '--help']);
      expect(group.code).toBe(0);
      expect(group.out).toContain('Usage: callplane users [options] [command]');
      expect(group.out).toMatch(/^ {2}revoke \[options\] <user_id>\s+Revoke a user's API key/m);
      expect((await cli(['help', 'users'])).out).toBe(group.out);

      const create = await cli(['tenants', 'create', '--name', 'Acme', '--help']);
      expect(create.code).toBe(0);
      expect(create.out).toContain('Usage: callplane tenants create [options]');
      expect(create.out).toMatch(/--name <name>\s+the tenant's name/);
      expect(create.out).toMatch(/--json\s+print the result as JSON/);

      const status = await cli(['campaigns', 'status', '--help']);
      expect(status.out).toContain('Usage: callplane campaigns status [options] <campaign_id>');
      expect(await svc.prisma.tenant.count()).toBe(before);
    });
  });

  describe('reaching the deployment', () => {
    test('nothing listening: exit 3 and one line naming the URL and CALLPLANE_URL, nothing on stdout', async () => {
      const url = `http://127.0.0.1:${await freePort()}`;
      const down = await cli(['tenants', 'list'], envFor({ CALLPLANE_URL: url }));
      expect({ code: down.code, out: down.out }).toEqual({ code: 3, out: '' });
      expect(down.err.split('\n')).toEqual([expect.stringContaining(`Cannot reach Callplane at ${url} (ECONNREFUSED; from CALLPLANE_URL)`), '']);
      expect(down.err).not.toMatch(/fetch failed|Usage/);
    });

    test('something that is not Callplane answering: exit 3, saying so', async () => {
      const other: Server = createServer((_req, res) => {
        res.writeHead(404, { 'content-type': 'text/html' });
        res.end('<h1>Not Found</h1>');
      });
      await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
      try {
        const url = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
        const wrong = await cli(['tenants', 'create', '--name', 'Acme'], envFor({ CALLPLANE_URL: url }));
        expect(wrong).toEqual({ code: 3, out: '', err: `${url} answered HTTP 404 (text/html), which is not Callplane's API (from CALLPLANE_URL).\n` });
      } finally {
        await new Promise((resolve) => other.close(resolve));
      }
    });

    test("without CALLPLANE_URL, the all-in-one's data folder says where it listens and holds the operator token", async () => {
      writeFileSync(path.join(dir, 'listen.json'), JSON.stringify({ url: svc.url, port: 0, pid: 1 }));
      writeFileSync(path.join(dir, 'secrets.json'), JSON.stringify({ admin_token: svc.adminToken }));
      const name = `Acme ${uniqueSuffix()}`;
      expect((await cli(['tenants', 'create', '--name', name], { CALLPLANE_DATA_DIR: dir })).code).toBe(0);
      expect(await svc.prisma.tenant.count({ where: { name } })).toBe(1);
      expect(await cli(['url'], { CALLPLANE_DATA_DIR: dir })).toEqual({ code: 0, out: `${svc.url}\n`, err: '' });
      expect(json(await cli(['url', '--json'], { CALLPLANE_DATA_DIR: dir }))).toEqual({ url: svc.url, source: path.join(dir, 'listen.json') });

      // CALLPLANE_URL still wins.
      const elsewhere = `http://127.0.0.1:${await freePort()}`;
      const down = await cli(['tenants', 'list'], { CALLPLANE_DATA_DIR: dir, CALLPLANE_URL: elsewhere });
      expect({ code: down.code, names: down.err.includes(elsewhere) }).toEqual({ code: 3, names: true });
    });

    test('a stale listen record: the error names the file the URL came from', async () => {
      const gone = `http://127.0.0.1:${await freePort()}`;
      writeFileSync(path.join(dir, 'listen.json'), JSON.stringify({ url: gone, port: 0, pid: 1 }));
      const down = await cli(['tenants', 'list'], { CALLPLANE_DATA_DIR: dir, ADMIN_TOKEN: svc.adminToken });
      expect(down.code).toBe(3);
      expect(down.err).toContain(`Cannot reach Callplane at ${gone} (ECONNREFUSED; where the all-in-one said it listens, in ${path.join(dir, 'listen.json')}; set CALLPLANE_URL to reach another)`);
    });

    test('no record and no CALLPLANE_URL: the default address; no token anywhere: exit 2 saying what to set', async () => {
      expect((await cli(['url'], { CALLPLANE_DATA_DIR: dir })).out).toBe('http://localhost:3000\n');
      expect(await cli(['tenants', 'create', '--name', 'Acme'], { CALLPLANE_URL: svc.url, CALLPLANE_DATA_DIR: dir })).toEqual({
        code: 2,
        out: '',
        err: `Set ADMIN_TOKEN to the operator token (there is none at ${path.join(dir, 'secrets.json')}, where the all-in-one keeps its own).\n`,
      });
    });
  });
});
