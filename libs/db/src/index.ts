export { connectPostgres, openEmbedded, type Database, type Db, type DbTx, type PgOptions } from './client';
export { Prisma, PrismaClient } from './generated/prisma/client';
export type {
  AgentModel as Agent,
  CallSessionModel as CallSession,
  CampaignContactModel as CampaignContact,
  CampaignModel as Campaign,
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
