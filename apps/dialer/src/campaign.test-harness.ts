import { randomBytes } from 'node:crypto';
import { lifecycleEvent } from '@callplane/calls';
import { buildEventEnvelope, newId, type CallState, type CampaignRetry, type CampaignWindow, type RecipientHours } from '@callplane/contracts';
import { connectPostgres, Prisma, type Database } from '@callplane/db';
import { InProcessEventBus, OutboxRelay } from '@callplane/events';
import { CALL_ROOM_PREFIX, LiveKitCalls, LiveKitSip } from '@callplane/livekit';
import { createLogger, SecretBox } from '@callplane/service-kit';
import { FakeLiveKit, uniquePhoneNumber } from '@callplane/testing';
import { subscribeCallProgress } from './consumers/call-progress.consumer';
import { LIVEKIT_KEYS, TestClock } from './dialer.test-harness';
import { campaignMetrics } from './usecases/campaign-metrics';
import type { DialerDeps } from './usecases/deps';
import { dialerDepsOn, seedNumber, seedTenant } from './usecases/usecase-deps.test-harness';

/** Every day, all day (as far as a window can reach: 23:59 is the last minute a window may end on). */
export const ALWAYS: CampaignWindow[] = [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '00:00', end: '23:59' }];
export const NO_RETRY: CampaignRetry = { max_attempts: 1, backoff_seconds: 0, on: [] };

export interface CampaignSeed {
  status?: string;
  concurrency?: number;
  maxCallsPerSecond?: number | null;
  timezone?: string;
  windows?: CampaignWindow[];
  recipientHours?: RecipientHours | null;
  retry?: CampaignRetry;
  fromNumbers?: string[];
  startAt?: Date | null;
  endAt?: Date | null;
  webhookUrl?: string | null;
}

/**
 * A dialer "cluster" for campaign specs on this file's PostgreSQL database: replicas (each its own pool, LiveKit client
 * and call-state writer, all on one test clock), the real `call.lifecycle` consumer fed by a real outbox relay over the
 * in-process bus, and FakeLiveKit answering every dial (a call then stays up until the spec ends it). Campaigns and
 * contacts are written as rows, the way the campaigns API stores them.
 */
export function useCampaignCluster() {
  const livekit = new FakeLiveKit(LIVEKIT_KEYS);
  const logger = createLogger({ name: 'campaign-spec', level: process.env.SPEC_LOG ?? 'silent' });
  const secrets = new SecretBox(randomBytes(32));
  const clock = new TestClock();
  const pools: Database[] = [];
  const filePools: Database[] = [];
  let db: Database;
  let bus: InProcessEventBus;
  let relay: OutboxRelay;
  let consumer: DialerDeps;
  const replicas: DialerDeps[] = [];

  /** One dialer replica. `keep`: lives for the whole file (the consumer's); others are closed after each test. */
  function replica(opts: { keep?: boolean } = {}): DialerDeps {
    const rdb = connectPostgres({ url: process.env.DATABASE_URL!, poolSize: 6 });
    (opts.keep ? filePools : pools).push(rdb);
    const deps = dialerDepsOn(rdb, { clock, secrets, logger, livekit: new LiveKitCalls({ url: livekit.url, ...LIVEKIT_KEYS }), outbox: { notify: () => relay.notify() }, campaignMetrics: campaignMetrics() });
    if (!opts.keep) replicas.push(deps);
    return deps;
  }

  beforeAll(async () => {
    await livekit.start();
    db = connectPostgres({ url: process.env.DATABASE_URL!, poolSize: 6 });
    bus = new InProcessEventBus({ logger });
    relay = new OutboxRelay({ prisma: db.prisma, ...(db.pool ? { pool: db.pool } : {}), bus, logger, pollIntervalMs: 20 });
    consumer = replica({ keep: true });
    await subscribeCallProgress(bus, consumer);
    relay.start();
  });
  afterEach(async () => {
    await drained();
    replicas.splice(0);
    // What a test leaves running must not be picked up by the next one's rounds.
    await db.prisma.campaign.updateMany({ where: { completionSentAt: null }, data: { status: 'canceled', completionSentAt: clock.now() } });
    await db.prisma.outboundCall.updateMany({ where: { state: 'dispatching' }, data: { state: 'canceled' } });
    await Promise.all(pools.splice(0).map((p) => p.close()));
  });
  afterAll(async () => {
    await relay.stop();
    await bus.close();
    await Promise.all(filePools.map((p) => p.close()));
    await db.close();
    await livekit.stop();
  });

  /** Waits for every replica's dispatches (including those waiting for their pace slot). */
  async function drained(): Promise<void> {
    for (;;) {
      const pending = replicas.flatMap((r) => [...r.inflight]);
      if (pending.length === 0) return;
      await Promise.allSettled(pending);
    }
  }

  const prisma = () => db.prisma;

  return {
    livekit,
    clock,
    logger,
    prisma,
    replica,
    drained,
    /** A tenant with an agent and `numbers` from-numbers whose LiveKit outbound trunks exist in FakeLiveKit. */
    async tenant(numbers = 1) {
      const t = await seedTenant(db.prisma, 'Campaign');
      const from: Array<{ id: string; number: string }> = [];
      for (let i = 0; i < numbers; i++) {
        const number = uniquePhoneNumber();
        const { trunkId } = await new LiveKitSip({ url: livekit.url, ...LIVEKIT_KEYS }).createOutbound({ number, name: `campaign ${number}`, address: 'acme.pstn.twilio.com' });
        from.push(await seedNumber(db.prisma, t.tenantId, { number, trunkId }));
      }
      return { ...t, from };
    },
    async campaign(t: { tenantId: string; userId: string; agentId: string; from: Array<{ number: string }> }, seed: CampaignSeed = {}) {
      const id = newId('campaign');
      await db.prisma.campaign.create({
        data: {
          id,
          tenantId: t.tenantId,
          userId: t.userId,
          name: `Renewals ${id.slice(-4)}`,
          agentId: t.agentId,
          fromNumbers: seed.fromNumbers ?? t.from.map((f) => f.number),
          timezone: seed.timezone ?? 'UTC',
          windows: seed.windows ?? ALWAYS,
          startAt: seed.startAt ?? null,
          endAt: seed.endAt ?? null,
          concurrency: seed.concurrency ?? 10,
          maxCallsPerSecond: seed.maxCallsPerSecond ?? null,
          retry: seed.retry ?? NO_RETRY,
          // Off unless a spec is about them: the test clock's hours then never matter.
          recipientHours: seed.recipientHours ?? Prisma.DbNull,
          webhookUrl: seed.webhookUrl ?? null,
          status: seed.status ?? 'running',
          launchedAt: clock.now(),
          createdAt: clock.now(),
          updatedAt: clock.now(),
        },
      });
      return id;
    },
    /** Contacts in upload order (seq 1…); each gets a fresh US number unless given. */
    async contacts(campaignId: string, tenantId: string, list: Array<{ toNumber?: string; timezone?: string | null; context?: Record<string, string> }> | number) {
      const items = typeof list === 'number' ? Array.from({ length: list }, () => ({})) : list;
      const rows = items.map((c: { toNumber?: string; timezone?: string | null; context?: Record<string, string> }, i) => ({
        id: newId('campaignContact'),
        campaignId,
        tenantId,
        seq: i + 1,
        toNumber: c.toNumber ?? uniquePhoneNumber(),
        timezone: c.timezone ?? null,
        context: c.context ?? { customer_name: `Customer ${i + 1}` },
        createdAt: clock.now(),
        updatedAt: clock.now(),
      }));
      await db.prisma.campaignContact.createMany({ data: rows });
      return rows;
    },
    contactRows: (campaignId: string) => db.prisma.campaignContact.findMany({ where: { campaignId }, orderBy: { seq: 'asc' } }),
    /** Live calls of a campaign per the call sessions (what is really up, whatever the dialer's own records say). */
    liveSessions: (campaignId: string) => db.prisma.callSession.count({ where: { campaignId, status: { in: ['initiating', 'ringing', 'in_progress'] } } }),
    calling: (campaignId: string) => db.prisma.campaignContact.count({ where: { campaignId, state: 'calling' } }),
    /** Ends a call the way the gateway reports a hang-up or a failure, through the call-state machine. */
    endCall: (sessionId: string, state: CallState = 'completed', sipStatus?: number) =>
      consumer.transitions.report({ call: { sessionId }, state, at: clock.now(), ...(sipStatus ? { sipStatus } : {}) }),
    /** CreateSIPParticipant requests per LiveKit room (one room per call). */
    dialsPerRoom() {
      const perRoom = new Map<string, number>();
      for (const r of livekit.requestsTo('SIP', 'CreateSIPParticipant')) {
        const room = String((r.body as { roomName?: string }).roomName);
        perRoom.set(room, (perRoom.get(room) ?? 0) + 1);
      }
      return perRoom;
    },
    roomOf: (sessionId: string) => `${CALL_ROOM_PREFIX}${sessionId}`,
    /**
     * Delivers the session's `call.lifecycle` event for its current state again, under a new event id: what a
     * late or repeated report from a second source looks like once it got past the call-state machine's writer.
     */
    async redeliverCurrentState(sessionId: string) {
      const session = await db.prisma.callSession.findUniqueOrThrow({ where: { id: sessionId } });
      const { topic, ...input } = lifecycleEvent(session, clock.now());
      const event = buildEventEnvelope(input);
      await bus.publish(topic, [event]);
      return event;
    },
    /** The bus the consumer reads (to deliver an event a second time). */
    bus: () => bus,
  };
}
