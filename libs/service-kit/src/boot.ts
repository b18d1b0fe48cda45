import type { ApiRouterDeps } from './api-router';
import { docsDefinitions, ownDocumentPath } from './api-docs';
import { databaseAuthenticator } from './auth';
import { startHousekeeping } from './housekeeping';
import { createHttpApp } from './http-app';
import { prismaIdempotencyStore } from './idempotency';
import { createLogger, type Logger } from './logger';
import { createMetrics } from './metrics';
import type { Registry } from 'prom-client';
import { createPlatform, type Platform } from './platform';
import { registerPlatformMetrics } from './platform-metrics';
import { secretBoxFromConfig } from './secrets';
import { ensurePortFree, listen, onShutdown } from './server';
import type { ServiceModule } from './service-module';
import { serveUpgrades } from './upgrades';

export interface BaseServiceConfig {
  PORT: number;
  HOST: string;
  LOG_LEVEL: string;
  ADMIN_TOKEN: string;
  SHUTDOWN_GRACE_SECONDS: number;
  DATABASE_URL?: string;
  DATABASE_POOL_SIZE?: number;
  KAFKA_BROKERS?: string[];
  KAFKA_IDEMPOTENT?: boolean;
  KAFKA_FETCH_MAX_WAIT_MS?: number;
  KAFKA_NAMESPACE?: string;
  /** When set, responses holding a secret (API keys) are kept encrypted for Idempotency-Key replays. */
  CREDENTIALS_KEY?: string;
  CREDENTIALS_KEY_PREVIOUS?: string[];
}

export interface BootOptions<C extends BaseServiceConfig> {
  name: string;
  version?: string;
  config: C;
  /** Embedded database folder when DATABASE_URL is unset (all-in-one). */
  dataDir?: string;
  logger?: Logger;
  /** `registry`: the process's Prometheus registry served at `/metrics`, where modules register their own metrics. */
  modules(kit: { platform: Platform; routerDeps: ApiRouterDeps; logger: Logger; registry: Registry }): ServiceModule[] | Promise<ServiceModule[]>;
  /** Install SIGTERM/SIGINT handlers (off in tests that boot several services in one process). */
  handleSignals?: boolean;
  /** Serve lean routes (provider webhooks) without express; default true. Tests turn it off to compare answers. */
  leanRoutes?: boolean;
  /** Runs after the platform is up and before the port opens (the all-in-one seeds its default tenant here). */
  beforeListen?(kit: { platform: Platform; logger: Logger }): Promise<void>;
}

export interface RunningService {
  port: number;
  platform: Platform;
  modules: ServiceModule[];
  /** Drain and stop everything: HTTP, consumers, relay, bus, database. */
  stop(): Promise<void>;
}

/** The same start sequence for every service: config → logger → platform → modules → HTTP → signals. */
export async function bootService<C extends BaseServiceConfig>(opts: BootOptions<C>): Promise<RunningService> {
  const { config } = opts;
  const logger = opts.logger ?? createLogger({ name: opts.name, level: config.LOG_LEVEL });
  await ensurePortFree(config.PORT, config.HOST);
  const platform = await createPlatform({
    service: opts.name,
    logger,
    databaseUrl: config.DATABASE_URL,
    databasePoolSize: config.DATABASE_POOL_SIZE,
    dataDir: opts.dataDir,
    kafkaBrokers: config.KAFKA_BROKERS,
    kafkaIdempotent: config.KAFKA_IDEMPOTENT,
    kafkaFetchMaxWaitMs: config.KAFKA_FETCH_MAX_WAIT_MS,
    kafkaNamespace: config.KAFKA_NAMESPACE,
  });
  const routerDeps: ApiRouterDeps = {
    authenticator: databaseAuthenticator(platform.db.prisma, config.ADMIN_TOKEN),
    idempotency: prismaIdempotencyStore(platform.db.prisma, { secrets: config.CREDENTIALS_KEY ? secretBoxFromConfig({ CREDENTIALS_KEY: config.CREDENTIALS_KEY, CREDENTIALS_KEY_PREVIOUS: config.CREDENTIALS_KEY_PREVIOUS }) : undefined }),
  };
  const metrics = createMetrics(opts.name);
  registerPlatformMetrics(metrics.registry, platform);
  const modules = await opts.modules({ platform, routerDeps, logger, registry: metrics.registry });
  await opts.beforeListen?.({ platform, logger });
  for (const m of modules) await m.start?.();
  const housekeeping = startHousekeeping(platform.db.prisma, logger.child({ component: 'housekeeping' }));

  const title = opts.name === 'all-in-one' ? 'Callplane API' : `Callplane ${opts.name}`;
  const http = createHttpApp({
    logger,
    metrics,
    readiness: platform.readiness,
    routers: modules.flatMap((m) => m.routers.map((r) => ({ router: r.router, registry: r.registry, lean: r.leanRoutes }))),
    leanRoutes: opts.leanRoutes,
    docs: { definitions: docsDefinitions(opts.name, title), documentPaths: [ownDocumentPath(opts.name)] },
    openapi: {
      title,
      version: opts.version ?? '0.1.0',
      description:
        'Telephony for voice AI agents. Customer routes take "Authorization: Bearer <api_key>"; /admin routes take the operator token; provider webhooks are authenticated by provider signatures.',
    },
  });
  const server = await listen(http.listener, config.PORT, config.HOST);
  const upgrades = serveUpgrades(server.server, modules.flatMap((m) => m.upgrades ?? []), logger);
  logger.info({ port: server.port, modules: modules.map((m) => m.name) }, 'listening');

  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      http.startDraining();
      await housekeeping.stop();
      // Upgraded connections (web call sockets) hold the server open: their routes end them while it closes.
      await Promise.all([server.close(), upgrades.close()]);
      for (const m of [...modules].reverse()) await m.stop?.();
      await platform.close();
    })());
  if (opts.handleSignals !== false) onShutdown(logger, config.SHUTDOWN_GRACE_SECONDS, { drain: http.startDraining, stop });
  return { port: server.port, platform, modules, stop };
}
