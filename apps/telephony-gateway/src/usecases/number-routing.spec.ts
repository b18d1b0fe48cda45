import { randomBytes } from 'node:crypto';
import { connectPostgres, type Database } from '@callplane/db';
import { SecretBox } from '@callplane/service-kit';
import { newId } from '@callplane/contracts';
import { NumberRoutingCache } from './number-routing';

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
