import { Prisma } from '@callplane/db';
import { priceTableSchema, type PriceTable, type PriceTableVersionDto } from '@callplane/contracts';
import type { DbTx, PrismaClient } from '@callplane/db';
import { AppError } from '@callplane/service-kit';
import { DEFAULT_PRICES } from './default-prices';

type Db = PrismaClient | DbTx;

/**
 * Versioned price tables in `price_tables`. The highest version is active; a new table is a new row, so
 * rows never change and a version, once read, is cached for the life of the process. Operators change
 * prices with `PUT /admin/pricing`: the next batch the consumer writes reads the new active version.
 */
export class PriceBook {
  private readonly versions = new Map<number, PriceTable>();

  constructor(private readonly defaults: PriceTable = DEFAULT_PRICES) {}

  /** The active version, seeding version 1 from the defaults when there is none (safe under concurrency). */
  async activeVersion(db: Db): Promise<number> {
    const rows = await db.$queryRaw<Array<{ version: number }>>`SELECT version FROM price_tables ORDER BY version DESC LIMIT 1`;
    if (rows[0]) return rows[0].version;
    await db.$executeRaw`INSERT INTO price_tables (version, prices, created_at) VALUES (1, ${JSON.stringify(this.defaults)}::jsonb, now()) ON CONFLICT (version) DO NOTHING`;
    return 1;
  }

  async prices(db: Db, version: number): Promise<PriceTable> {
    const cached = this.versions.get(version);
    if (cached) return cached;
    const row = await db.priceTable.findUnique({ where: { version } });
    if (!row) throw new Error(`price table version ${version} does not exist`);
    const table = priceTableSchema.parse(row.prices);
    this.versions.set(version, table);
    return table;
  }

  async active(db: Db): Promise<PriceTableVersionDto> {
    const version = await this.activeVersion(db);
    const row = await db.priceTable.findUniqueOrThrow({ where: { version } });
    return { version, created_at: row.createdAt.toISOString(), prices: await this.prices(db, version) };
  }

  /**
   * Makes `prices` the active table as a new version. Sessions already seen keep the version they were
   * pinned to. The currency cannot change: summaries add costs across sessions of different versions.
   */
  async replace(prisma: PrismaClient, prices: PriceTable): Promise<PriceTableVersionDto> {
    const current = await this.active(prisma);
    if (prices.currency !== current.prices.currency) {
      throw new AppError('validation_failed', `Prices must stay in ${current.prices.currency}: summaries add costs across price versions.`, {
        details: [{ field: 'currency', message: `must be ${current.prices.currency}` }],
      });
    }
    for (let attempt = 0; ; attempt++) {
      try {
        const row = await prisma.priceTable.create({ data: { version: current.version + 1 + attempt, prices } });
        return { version: row.version, created_at: row.createdAt.toISOString(), prices };
      } catch (err) {
        // Two operators at once: the loser takes the next number.
        if (!(err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') || attempt >= 5) throw err;
      }
    }
  }
}
