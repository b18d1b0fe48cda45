import { connectPostgres } from './client';

describe('connectPostgres', () => {
  it('lets a transaction wait longer than Prisma’s default 2 s for a busy pool’s connection, instead of failing', async () => {
    const db = connectPostgres({ url: process.env.DATABASE_URL!, poolSize: 1 });
    try {
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let holding!: () => void;
      const started = new Promise<void>((r) => (holding = r));
      // The pool's only connection, held by one transaction…
      const first = db.prisma.$transaction(async (tx) => {
        await tx.$queryRaw`SELECT 1`;
        holding();
        await held;
      }, { timeout: 20_000 });
      await started;
      // …while a second one queues for it: still waiting after Prisma's default maxWait of 2 s has passed.
      const second = db.prisma.$transaction(async (tx) => tx.$queryRaw<Array<{ ok: number }>>`SELECT 1 AS ok`);
      const outcome = await Promise.race([second.then(() => 'ran', () => 'failed'), new Promise((r) => setTimeout(r, 3_000, 'still waiting'))]);
      expect(outcome).toBe('still waiting');
      release();
      await first;
      await expect(second).resolves.toEqual([{ ok: 1 }]);
    } finally {
      await db.close();
    }
  });
});
