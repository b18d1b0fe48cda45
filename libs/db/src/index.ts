export { connectPostgres, openEmbedded, type Database, type Db, type DbTx, type PgOptions } from './client';
export { Prisma, PrismaClient } from './generated/prisma/client';
export type * from './generated/prisma/models';
export { openMigrationEngine, type MigrationEngine } from './migrate/schema-engine';
export { pgMigrationAdapter } from './migrate/pg-migration-adapter';
