import { randomBytes } from 'node:crypto';
import { CallTransitions } from '@callplane/calls';
import { newId } from '@callplane/contracts';
import { connectPostgres, sqlOver, type Database } from '@callplane/db';
import { CALL_ROOM_PREFIX, LiveKitCalls, LiveKitSip } from '@callplane/livekit';
import { AppError, createLogger, SecretBox } from '@callplane/service-kit';
import { FakeLiveKit, pollUntil, uniquePhoneNumber } from '@callplane/testing';
import { DEFAULT_SETTINGS, LIVEKIT_KEYS, TestClock } from './dialer.test-harness';
import { cancelScheduledCall } from './usecases/dial.usecase';
import type { DialerDeps } from './usecases/deps';
import { dispatchOutboundCall } from './usecases/dispatch';
import { claimDueCalls, runSchedulerRound, startScheduler } from './workers/scheduler.worker';

/**
 * The scheduler against real PostgreSQL: replicas, each with its own connection pool, share the due rows through
 * `FOR UPDATE SKIP LOCKED`, and every call is placed exactly once.
 */
describe('scheduler', () => {
  const livekit = new FakeLiveKit(LIVEKIT_KEYS);
  const secrets = new SecretBox(randomBytes(32));
  const logger = createLogger({ name: 'scheduler-spec', level: process.env.SPEC_LOG ?? 'silent' });
  /** Replicas' pools, closed after each test (the server's connection limit is shared with other spec files). */
  const pools: Database[] = [];
  let db: Database;
  let tenantId: string;
  let userId: string;
  let agentId: string;
  let from: { id: string; number: string };

  /** One dialer replica: its own pool, LiveKit client and in-flight set. */
  function replica(clock: TestClock | 'real'): DialerDeps {
    const rdb = connectPostgres({ url: process.env.DATABASE_URL!, poolSize: 10 });
    pools.push(rdb);
    const outbox = { notify: () => undefined };
    return {
      prisma: rdb.prisma,
      sql: sqlOver(rdb.prisma, rdb.pool),
      secrets,
      livekit: new LiveKitCalls({ url: livekit.url, ...LIVEKIT_KEYS }),
      transitions: new CallTransitions({ prisma: rdb.prisma, pool: rdb.pool ?? null, outbox }),
      outbox,
      logger,
      settings: DEFAULT_SETTINGS,
      now: clock === 'real' ? () => new Date() : clock.now,
      inflight: new Set(),
      replica: 'dialer-spec',
    };
  }
  const drained = (replicas: DialerDeps[]) => Promise.all(replicas.map((r) => Promise.allSettled([...r.inflight])));

  beforeAll(async () => {
    await livekit.start();
    db = connectPostgres({ url: process.env.DATABASE_URL!, poolSize: 5 });
    tenantId = newId('tenant');
    userId = newId('user');
    agentId = newId('agent');
    await db.prisma.tenant.create({ data: { id: tenantId, name: 'Scheduler spec' } });
    await db.prisma.user.create({ data: { id: userId, tenantId, email: `sched-${randomBytes(4).toString('hex')}@example.com`, apiKeyHash: randomBytes(32).toString('hex'), apiKeyHint: 'abcd' } });
    await db.prisma.agent.create({
      data: {
        id: agentId,
        tenantId,
        name: 'Reminder agent',
        systemPrompt: 'Remind {{customer_name}} of the appointment.',
        voice: { greeting: 'Hi!', tts: { provider: 'cartesia', model: 'sonic-2', voice: 'maya' }, stt: { provider: 'deepgram', model: 'nova-2', language: 'en' }, max_duration: 300, recording: false, transcription: true },
      },
    });
    const number = uniquePhoneNumber();
    const { trunkId } = await new LiveKitSip({ url: livekit.url, ...LIVEKIT_KEYS }).createOutbound({ number, name: 'scheduler spec', address: 'acme.pstn.twilio.com' });
    const id = newId('phoneNumber');
    await db.prisma.phoneNumber.create({
      data: { id, tenantId, number, provider: 'twilio', byok: true, outboundEnabled: true, importSteps: [{ name: 'livekit.outbound', output: { trunk_id: trunkId }, at: new Date().toISOString() }] },
    });
    from = { id, number };
  });
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((x) => x.close()));
  });
  afterAll(async () => {
    await db.close();
    await livekit.stop();
  });

  /** Scheduled calls written as the dial API writes them. */
  async function schedule(count: number, at: Date, over: { state?: string; updatedAt?: Date } = {}): Promise<string[]> {
    const rows = Array.from({ length: count }, () => ({
      id: newId('callSession'),
      tenantId,
      userId,
      agentId,
      fromPhoneId: from.id,
      fromNumber: from.number,
      toNumber: uniquePhoneNumber(),
      callType: 'scheduled',
      context: { customer_name: 'Asha' },
      state: over.state ?? 'scheduled',
      scheduledAt: at,
      ...(over.updatedAt ? { updatedAt: over.updatedAt } : {}),
    }));
    await db.prisma.outboundCall.createMany({ data: rows });
    return rows.map((r) => r.id);
  }
  const sipRequestsPerRoom = () => {
    const perRoom = new Map<string, number>();
    for (const r of livekit.requestsTo('SIP', 'CreateSIPParticipant')) {
      const room = String((r.body as { roomName?: string }).roomName);
      perRoom.set(room, (perRoom.get(room) ?? 0) + 1);
    }
    return perRoom;
  };
  const countState = (ids: string[], state: string | string[]) => db.prisma.outboundCall.count({ where: { id: { in: ids }, state: { in: [state].flat() } } });

  it('four replicas racing over 120 due calls place each exactly once', async () => {
    const clock = new TestClock();
    const ids = await schedule(120, new Date(clock.now().getTime() - 1_000));
    const replicas = Array.from({ length: 4 }, () => replica(clock));
    const workers = replicas.map((r) => startScheduler(r, { intervalMs: 5, batchSize: 7 }));
    try {
      await pollUntil(async () => (await countState(ids, ['scheduled', 'dispatching'])) === 0, { timeoutMs: 30_000, description: 'every call claimed and dispatched' });
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
    }
    await drained(replicas);

    const perRoom = sipRequestsPerRoom();
    for (const id of ids) expect(perRoom.get(`${CALL_ROOM_PREFIX}${id}`)).toBe(1);
    expect(await db.prisma.callSession.count({ where: { id: { in: ids } } })).toBe(ids.length);
    expect(await db.prisma.callSession.count({ where: { id: { in: ids }, status: 'in_progress', callType: 'scheduled' } })).toBe(ids.length);
    expect(await countState(ids, 'dispatched')).toBe(ids.length);
    expect(livekit.requestsTo('AgentDispatchService', 'CreateDispatch').filter((r) => ids.some((id) => (r.body as { room?: string }).room === `${CALL_ROOM_PREFIX}${id}`))).toHaveLength(ids.length);
  });

  it('claims racing each other on separate pools hand out disjoint rows that cover every due call (repeated 5 times)', async () => {
    const clock = new TestClock();
    const replicas = Array.from({ length: 4 }, () => replica(clock));
    for (let round = 0; round < 5; round++) {
      const ids = await schedule(60, clock.now());
      const notDue = await schedule(5, new Date(clock.now().getTime() + 1));
      const claims = await Promise.all(Array.from({ length: 24 }, (_, i) => claimDueCalls(replicas[i % 4]!, { batchSize: 4 })));
      const claimed = claims.flat();
      expect(claimed.length).toBe(new Set(claimed).size);
      expect(new Set(claimed)).toEqual(new Set(ids));
      expect(await countState(ids, 'dispatching')).toBe(ids.length);
      expect(await countState(notDue, 'scheduled')).toBe(notDue.length);
      // Not dispatched here: leave nothing due for the other tests.
      await db.prisma.outboundCall.updateMany({ where: { id: { in: [...ids, ...notDue] } }, data: { state: 'canceled' } });
    }
  });

  it('a cancel racing the claim either wins (never placed) or loses with not_cancellable (placed once)', async () => {
    const clock = new TestClock();
    const replicas = Array.from({ length: 3 }, () => replica(clock));
    const ids = await schedule(40, clock.now());
    const caller = { tenantId, userId };
    const [rounds, cancels] = await Promise.all([
      Promise.all(replicas.map((r) => runSchedulerRound(r, { batchSize: 3 }).then(async (a) => [...a, ...(await runSchedulerRound(r, { batchSize: 3 }))]))),
      Promise.all(ids.map((id, i) => cancelScheduledCall(replicas[i % 3]!, logger, caller, id).then(() => 'canceled' as const, (e: unknown) => (e instanceof AppError ? e.code : String(e))))),
    ]);
    // What the cancels left behind is claimed by a last round.
    const rest = await runSchedulerRound(replicas[0]!, { batchSize: 100 });
    await drained(replicas);

    const claimed = [...rounds.flat(), ...rest];
    expect(claimed.length).toBe(new Set(claimed).size);
    const perRoom = sipRequestsPerRoom();
    for (const [i, id] of ids.entries()) {
      const row = await db.prisma.outboundCall.findUniqueOrThrow({ where: { id } });
      if (cancels[i] === 'canceled') {
        expect(row.state).toBe('canceled');
        expect(claimed).not.toContain(id);
        expect(perRoom.get(`${CALL_ROOM_PREFIX}${id}`)).toBeUndefined();
      } else {
        expect(cancels[i]).toBe('not_cancellable');
        expect(row.state).toBe('dispatched');
        expect(perRoom.get(`${CALL_ROOM_PREFIX}${id}`)).toBe(1);
      }
    }
  });

  it('a running scheduler places a call on its first round at or after its time, never before', async () => {
    // How soon after its time a call fires is bounded by the loop's interval (500 ms by default), a speed that no
    // wall-clock bound here should judge on a loaded machine. What is tested is the decision each round makes.
    const clock = new TestClock();
    const at = new Date(clock.now().getTime() + 60_000);
    const [id] = await schedule(1, at);
    // A call already due: once it has fired, rounds have run while the other was still 1 ms short of its time.
    const [marker] = await schedule(1, clock.now());
    clock.set(new Date(at.getTime() - 1).toISOString());
    const r = replica(clock);
    const worker = startScheduler(r, { intervalMs: 5 });
    try {
      await pollUntil(() => db.prisma.callSession.findUnique({ where: { id: marker! } }), { description: 'the due call fired' });
      await pollUntil(async () => (await db.prisma.outboundCall.findUniqueOrThrow({ where: { id: marker! } })).state === 'dispatched');
      expect(await db.prisma.callSession.findUnique({ where: { id: id! } })).toBeNull();
      expect(await countState([id!], 'scheduled')).toBe(1);

      clock.set(at.toISOString());
      const session = await pollUntil(() => db.prisma.callSession.findUnique({ where: { id: id! } }), { description: 'the call fired at its time' });
      expect(session.createdAt.getTime()).toBe(at.getTime());
    } finally {
      await worker.stop();
      await drained([r]);
    }
    expect(sipRequestsPerRoom().get(`${CALL_ROOM_PREFIX}${id}`)).toBe(1);
  });

  it('survives a restart: a call scheduled under one process fires from the next one, once', async () => {
    const clock = new TestClock();
    const [id] = await schedule(1, new Date(clock.now().getTime() + 60_000));
    const first = replica(clock);
    const before = startScheduler(first, { intervalMs: 5 });
    // Rounds have run with the call not yet due.
    await pollUntil(async () => (await claimDueCalls(first)).length === 0);
    await before.stop();
    expect(await countState([id!], 'scheduled')).toBe(1);

    clock.advance(60_000);
    const second = replica(clock);
    const after = startScheduler(second, { intervalMs: 5 });
    try {
      await pollUntil(async () => (await db.prisma.callSession.findUnique({ where: { id: id! } }))?.status === 'in_progress', { description: 'the call fired after the restart' });
    } finally {
      await after.stop();
      await drained([first, second]);
    }
    expect(sipRequestsPerRoom().get(`${CALL_ROOM_PREFIX}${id}`)).toBe(1);
  });

  it('reclaims a call its process claimed but never dispatched, once it is stale; a fresh claim is left alone', async () => {
    const clock = new TestClock();
    const r = replica(clock);
    const [stale] = await schedule(1, new Date(clock.now().getTime() - 20 * 60_000), { state: 'dispatching', updatedAt: new Date(clock.now().getTime() - 10 * 60_000) });
    const [fresh] = await schedule(1, new Date(clock.now().getTime() - 60_000), { state: 'dispatching', updatedAt: new Date(clock.now().getTime() - 10_000) });
    expect(await runSchedulerRound(r)).toEqual([stale]);
    await drained([r]);
    expect(await db.prisma.callSession.findUnique({ where: { id: stale! } })).toMatchObject({ status: 'in_progress' });
    expect(await db.prisma.callSession.findUnique({ where: { id: fresh! } })).toBeNull();
    expect(await runSchedulerRound(r)).toEqual([]);
    await db.prisma.outboundCall.update({ where: { id: fresh! }, data: { state: 'canceled' } });
  });

  it('a dispatch that fails before opening the session puts the call back on the schedule; the next round places it', async () => {
    const clock = new TestClock();
    const r = replica(clock);
    const [id] = await schedule(1, clock.now());
    let reads = 0;
    // The claim reads the clock first; the dispatch's read (before it opens the session) fails once.
    r.now = () => {
      if (++reads === 2) throw new Error('the database went away');
      return clock.now();
    };
    expect(await runSchedulerRound(r)).toEqual([id]);
    await drained([r]);
    expect(await db.prisma.outboundCall.findUniqueOrThrow({ where: { id: id! } })).toMatchObject({ state: 'scheduled' });
    expect(await db.prisma.callSession.findUnique({ where: { id: id! } })).toBeNull();

    expect(await runSchedulerRound(r)).toEqual([id]);
    await drained([r]);
    expect(await db.prisma.callSession.findUnique({ where: { id: id! } })).toMatchObject({ status: 'in_progress' });
    expect(sipRequestsPerRoom().get(`${CALL_ROOM_PREFIX}${id}`)).toBe(1);
  });

  it('the same claimed row dispatched twice at once (a reclaim racing a slow original) is placed once', async () => {
    const clock = new TestClock();
    const [a, b] = [replica(clock), replica(clock)];
    const ids = await schedule(10, clock.now(), { state: 'dispatching' });
    await Promise.all(ids.flatMap((id) => [dispatchOutboundCall(a, id), dispatchOutboundCall(b, id)]));
    const perRoom = sipRequestsPerRoom();
    for (const id of ids) expect(perRoom.get(`${CALL_ROOM_PREFIX}${id}`)).toBe(1);
    expect(await db.prisma.callSession.count({ where: { id: { in: ids }, status: 'in_progress' } })).toBe(ids.length);
  });

  it('stop() waits for the round in progress', async () => {
    const clock = new TestClock();
    const r = replica(clock);
    const ids = await schedule(10, clock.now());
    // Hold the table so the first round's claim blocks inside PostgreSQL.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const locker = db.prisma.$transaction(
      async (tx) => {
        await tx.$executeRaw`LOCK TABLE outbound_calls IN EXCLUSIVE MODE`;
        await held;
      },
      { timeout: 30_000 },
    );
    await pollUntil(async () => (await db.prisma.$queryRaw<Array<{ n: bigint }>>`SELECT count(*) AS n FROM pg_locks WHERE relation = 'outbound_calls'::regclass AND mode = 'ExclusiveLock' AND granted`)[0]!.n > 0n);
    const worker = startScheduler(r, { intervalMs: 5 });
    try {
      await pollUntil(
        async () =>
          (await db.prisma.$queryRaw<Array<{ n: bigint }>>`SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid() AND query LIKE '%UPDATE outbound_calls SET state%'`)[0]!
            .n > 0n,
        { description: 'the claim waiting on the lock' },
      );
      let stopped = false;
      const stopping = worker.stop().then(() => (stopped = true));
      await new Promise((resolve) => setImmediate(resolve));
      expect(stopped).toBe(false);

      release();
      await locker;
      await stopping;
    } finally {
      release();
      await worker.stop();
    }
    // The round finished before stop() returned: its rows were claimed and their dispatch started.
    expect(await countState(ids, 'scheduled')).toBe(0);
    expect(r.inflight.size + (await countState(ids, 'dispatched'))).toBeGreaterThan(0);
    await drained([r]);
    expect(await countState(ids, 'dispatched')).toBe(ids.length);
  });
});
