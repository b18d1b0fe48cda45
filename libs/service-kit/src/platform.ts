import { connectPostgres, openEmbedded, type Database } from '@callplane/db';
import { InProcessEventBus, KafkaEventBus, namespacedBus, OutboxRelay, type EventBus } from '@callplane/events';
import type { Logger } from './logger';

/** The infrastructure every service runs on. Which drivers, is decided here and nowhere else. */
export interface Platform {
  db: Database;
  bus: EventBus;
  relay: OutboxRelay;
  logger: Logger;
  /** Readiness checks for /readyz. */
  readiness: Record<string, () => Promise<void>>;
  close(): Promise<void>;
}

export interface PlatformOptions {
  service: string;
  logger: Logger;
  /** PostgreSQL; without it an embedded database under `dataDir` (all-in-one). */
  databaseUrl?: string;
  databasePoolSize?: number;
  dataDir?: string;
  /** Kafka; without it the in-process bus (all-in-one). */
  kafkaBrokers?: string[];
  kafkaIdempotent?: boolean;
  /** KAFKA_FETCH_MAX_WAIT_MS: a consumer fetch's wait at the broker; unset, kafkajs' default. */
  kafkaFetchMaxWaitMs?: number;
  /** Prefix for topics and consumer groups when environments share a Kafka cluster. */
  kafkaNamespace?: string;
  /** Whether this process relays the outbox (every service that writes events does). */
  relayOutbox?: boolean;
}

export async function createPlatform(opts: PlatformOptions): Promise<Platform> {
  const log = opts.logger;
  const db = opts.databaseUrl
    ? connectPostgres({ url: opts.databaseUrl, poolSize: opts.databasePoolSize })
    : await openEmbedded(opts.dataDir ?? '.data/pglite');
  const kafka = opts.kafkaBrokers?.length
    ? new KafkaEventBus({
        brokers: opts.kafkaBrokers,
        clientId: `callplane-${opts.service}`,
        idempotent: opts.kafkaIdempotent,
        logger: log,
        ...(opts.kafkaFetchMaxWaitMs ? { consumer: { fetchMaxWaitMs: opts.kafkaFetchMaxWaitMs } } : {}),
      })
    : undefined;
  const inProcess = kafka ? undefined : new InProcessEventBus({ logger: log });
  const bus: EventBus = kafka ? (opts.kafkaNamespace ? namespacedBus(kafka, opts.kafkaNamespace) : kafka) : inProcess!;
  const relay = new OutboxRelay({ prisma: db.prisma, ...(db.pool ? { pool: db.pool } : {}), bus, logger: log });
  // The relay is hosted by the platform, not by a service's workers/: every module writes its events through it, so it
  // runs from before the first module starts until after the last one stopped (close()). It keeps its own loop rather
  // than startWorkerLoop's (libs/events sits below this kit): it goes again at once after a full batch or a notify(),
  // backs off after a failed publish, and retries rows another relay holds sooner than its poll interval.
  if (opts.relayOutbox !== false) relay.start();
  return {
    db,
    bus,
    relay,
    logger: log,
    readiness: { database: () => db.ping(), bus: () => bus.ping() },
    async close() {
      await relay.stop();
      // In-process events live only in memory: let consumers finish what the relay handed them (their
      // outbox rows are already marked published), within a bound, before the bus goes away.
      if (inProcess) await Promise.race([inProcess.drain(), new Promise((r) => setTimeout(r, 10_000).unref())]);
      await bus.close();
      await db.close();
    },
  };
}
