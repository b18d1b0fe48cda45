export { isDatabaseUnavailable } from './unavailable';
export { connectPostgres, openEmbedded, type Database, type Db, type DbTx, type PgOptions } from './client';
export { Prisma, PrismaClient } from './generated/prisma/client';
export type {
  AgentModel as Agent,
  CallSessionModel as CallSession,
  CampaignModel as Campaign,
  CampaignContactModel as CampaignContact,
  DoNotCallNumberModel as DoNotCallNumber,
  IdempotencyRecordModel as IdempotencyRecord,
  OutboundCallModel as OutboundCall,
  OutboxEventModel as OutboxEvent,
  PhoneNumberModel as PhoneNumber,
  ProcessedEventModel as ProcessedEvent,
  SessionViewModel as SessionView,
  TenantModel as Tenant,
  TestCallCounterModel as TestCallCounter,
  TrialNumberModel as TrialNumber,
  UserModel as User,
  WebhookDeliveryModel as WebhookDelivery,
  WebhookSecretModel as WebhookSecret,
} from './generated/prisma/models';
export { openMigrationEngine, type MigrationEngine } from './migrate/schema-engine';
export { pgMigrationAdapter } from './migrate/pg-migration-adapter';
export { sqlIn, sqlOver, type Sql, type SqlPool, type SqlTx } from './sql';
