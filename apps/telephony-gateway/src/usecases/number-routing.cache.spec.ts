import { randomBytes } from 'node:crypto';
import { connectPostgres, type Database } from '@callplane/db';
import { SecretBox } from '@callplane/service-kit';
import { newId } from '@callplane/contracts';
import { NumberRoutingCache } from './number-routing.cache';

describe('NumberRoutingCache', () => {
  let db: Database;
  const secrets = new SecretBox(randomBytes(32));
  let clock = 1_000_000;
  const tenantId = newId('tenant');
  let queries = 0;

  beforeAll(async () => {
    db = connectPostgres({ url: process.env.DATABASE_URL! });
    await db.prisma.tenant.create({ data: { id: tenantId, name: 'routing cache' } });
  });
  afterAll(async () => {
    await db.close();
  });

  /** A cache whose reads of phone_numbers are counted. */
  function cache(opts: { ttlMs?: number; maxEntries?: number } = {}) {
    const prisma = db.prisma.$extends({ query: { phoneNumber: { findUnique: ({ args, query }) => (queries++, query(args)) } } }) as unknown as typeof db.prisma;
    return new NumberRoutingCache(prisma, secrets, { ...opts, now: () => clock });
  }

  async function number(signingSecret?: string) {
    const agentId = newId('agent');
    await db.prisma.agent.create({ data: { id: agentId, tenantId, name: 'a', systemPrompt: 'p', voice: {} } });
    const id = newId('phoneNumber');
    const n = `+1415555${String(Math.floor(Math.random() * 10_000)).padStart(4, '0')}`;
    await db.prisma.phoneNumber.create({ data: { id, tenantId, number: n, provider: 'sip', agentId, signingSecretEnc: signingSecret ? secrets.seal(signingSecret) : null } });
    return { id, agentId };
  }

  beforeEach(() => {
    queries = 0;
  });

  it('reads a number once per TTL, with its agent and its signing key decrypted', async () => {
    const { id, agentId } = await number('s3cret-signing');
    const c = cache({ ttlMs: 10_000 });
    const first = await c.get(id);
    expect(first).toMatchObject({ id, tenantId, agent: { id: agentId, afterHours: null }, signingKey: 's3cret-signing', enabled: true });
    await c.get(id);
    expect(queries).toBe(1);
    clock += 10_001;
    await c.get(id);
    expect(queries).toBe(2);
  });

  it("takes each number's signing key by its carrier's webhook format: an imported Twilio number's auth token, none for Exotel or SIP-direct carriers", async () => {
    const c = cache();
    const seed = async (provider: string, credentials: Record<string, string>) => {
      const id = newId('phoneNumber');
      const n = `+1415556${String(Math.floor(Math.random() * 10_000)).padStart(4, '0')}`;
      await db.prisma.phoneNumber.create({ data: { id, tenantId, number: n, provider, credentialsEnc: secrets.seal(JSON.stringify(credentials)) } });
      return (await c.get(id))!;
    };
    expect(await seed('twilio', { account_sid: 'AC1', auth_token: 'twilio-auth-token' })).toMatchObject({ signingKey: 'twilio-auth-token', credentials: { account_sid: 'AC1' } });
    expect(await seed('exotel', { api_key: 'k', api_token: 't', account_sid: 'acme' })).toMatchObject({ signingKey: null, credentials: { api_key: 'k' } });
    expect(await seed('plivo', { auth_id: 'MA1', auth_token: 'plivo-token' })).toMatchObject({ signingKey: null });
  });

  it('sees a change at once after invalidate', async () => {
    const { id } = await number();
    const c = cache();
    expect((await c.get(id))!.enabled).toBe(true);
    await db.prisma.phoneNumber.update({ where: { id }, data: { enabled: false } });
    expect((await c.get(id))!.enabled).toBe(true); // still cached
    c.invalidate(id);
    expect((await c.get(id))!.enabled).toBe(false);
  });

  it('caches unknown ids, and concurrent misses share one read', async () => {
    const c = cache();
    const results = await Promise.all(Array.from({ length: 20 }, () => c.get('pn_unknown_routing_0001')));
    expect(results.every((r) => r === null)).toBe(true);
    await c.get('pn_unknown_routing_0001');
    expect(queries).toBe(1);
  });

  it('holds at most maxEntries, dropping the oldest', async () => {
    const c = cache({ maxEntries: 2 });
    await c.get('pn_a');
    await c.get('pn_b');
    await c.get('pn_c');
    expect(queries).toBe(3);
    await c.get('pn_c');
    await c.get('pn_b');
    expect(queries).toBe(3);
    await c.get('pn_a'); // evicted
    expect(queries).toBe(4);
  });
});
