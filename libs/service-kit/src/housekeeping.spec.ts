import { connectPostgres, type Database } from '@callplane/db';
import { sweepExpired } from './housekeeping';

describe('sweepExpired', () => {
  let db: Database;
  beforeAll(() => {
    db = connectPostgres({ url: process.env.DATABASE_URL! });
  });
  afterAll(async () => {
    await db.close();
  });

  it('deletes expired idempotency keys, old dedupe marks, old published outbox rows and expired web call tokens, and nothing else', async () => {
    const now = new Date('2026-06-01T00:00:00Z');
    const days = (n: number) => new Date(now.getTime() - n * 86_400_000);
    const p = db.prisma;
    const rec = (key: string, expiresAt: Date) => ({ scope: 'usr_hk', key, method: 'post', path: '/x', bodyHash: 'h', expiresAt });
    await p.idempotencyRecord.createMany({ data: [rec('hk-old', days(1)), rec('hk-live', days(-1))] });
    await p.processedEvent.createMany({ data: [{ consumer: 'hk', eventId: 'evt_hk_old', processedAt: days(15) }, { consumer: 'hk', eventId: 'evt_hk_new', processedAt: days(13) }] });
    const row = (id: string, publishedAt: Date | null, createdAt: Date) => ({ id, topic: 't', key: 'k', envelope: {}, publishedAt, createdAt });
    await p.outboxEvent.createMany({
      data: [row('evt_hk_pub_old', days(8), days(8)), row('evt_hk_pub_new', days(6), days(6)), row('evt_hk_unpublished_old', null, days(30))],
    });

    const token = (sessionId: string, expiresAt: Date) => ({ sessionId, tenantId: 'ten_hk', tokenHash: 'h', metadata: {}, expiresAt });
    await p.webCallToken.createMany({ data: [token('cs_hk_old', days(2)), token('cs_hk_recent', days(0.5))] });

    expect(await sweepExpired(p, now)).toEqual({ idempotency: 1, processedEvents: 1, outbox: 1, webCallTokens: 1 });
    expect((await p.webCallToken.findMany({ where: { tenantId: 'ten_hk' } })).map((r) => r.sessionId)).toEqual(['cs_hk_recent']);
    expect((await p.idempotencyRecord.findMany({ where: { scope: 'usr_hk' } })).map((r) => r.key)).toEqual(['hk-live']);
    expect((await p.processedEvent.findMany({ where: { consumer: 'hk' } })).map((r) => r.eventId)).toEqual(['evt_hk_new']);
    expect((await p.outboxEvent.findMany({ where: { id: { startsWith: 'evt_hk_' } }, orderBy: { id: 'asc' } })).map((r) => r.id)).toEqual(['evt_hk_pub_new', 'evt_hk_unpublished_old']);
  });
});
