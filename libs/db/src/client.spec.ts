import { BackendTerminator } from '@callplane/testing';
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

  it('survives the server ending a connection that is checked out between queries: the next query fails, and the pool replaces it', async () => {
    const db = connectPostgres({ url: process.env.DATABASE_URL!, poolSize: 1 });
    const terminator = new BackendTerminator(process.env.DATABASE_URL!);
    try {
      await terminator.connect();
      const client = await db.pool!.connect();
      await client.query('SELECT 1');
      const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));
      expect(await terminator.terminateAll()).toBe(1);
      // The server's FATAL goodbye came in before the socket closed, with no query to take it: an unhandled 'error' then.
      await ended;
      await expect(client.query('SELECT 1')).rejects.toThrow(/not queryable/);
      client.release();
      await expect(db.prisma.$queryRaw<Array<{ ok: number }>>`SELECT 1 AS ok`).resolves.toEqual([{ ok: 1 }]);
    } finally {
      await terminator.stop();
      await db.close();
    }
  });
});
