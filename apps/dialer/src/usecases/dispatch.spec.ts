import { SANDBOX_CALL_REQUESTED_EVENT_TYPE, SANDBOX_NUMBERS, TOPICS } from '@callplane/contracts';
import type { OutboundCall } from '@callplane/db';
import { CALL_ROOM_PREFIX, LiveKitCalls, LiveKitSip } from '@callplane/livekit';
import { BackendTerminator, FakeLiveKit, pollUntil, uniquePhoneNumber } from '@callplane/testing';
import { LIVEKIT_KEYS, TestClock } from '../dialer.test-harness';
import type { DialerDeps } from './deps';
import { planDial } from './dial-plan';
import { dispatchOutboundCall, startDispatch } from './dispatch';
import { seedCall, seedNumber, seedTenant, usecaseDeps } from './usecase-deps.test-harness';

/** `dispatchOutboundCall` called directly: what it writes and whom it asks, for each way a dispatch can go. */
describe('dispatchOutboundCall', () => {
  const livekit = new FakeLiveKit(LIVEKIT_KEYS);
  const clock = new TestClock();
  const sandboxOnly = usecaseDeps({ clock });
  const prisma = sandboxOnly.prisma;
  let deps: DialerDeps;
  let t: Awaited<ReturnType<typeof seedTenant>>;
  beforeAll(async () => {
    await livekit.start();
    deps = { ...sandboxOnly, livekit: new LiveKitCalls({ url: livekit.url, ...LIVEKIT_KEYS }) };
    t = await seedTenant(prisma, 'Dispatch');
  });
  afterAll(async () => {
    await livekit.stop();
    await sandboxOnly.db.close();
  });

  const session = (id: string) => prisma.callSession.findUnique({ where: { id } });
  const row = (id: string) => prisma.outboundCall.findUniqueOrThrow({ where: { id } });
  const events = async (id: string) =>
    (await prisma.outboxEvent.findMany({ where: { key: id }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] })).map((e) => ({ topic: e.topic, ...(e.envelope as { type: string; data: unknown }) }));
  /** A number whose LiveKit outbound trunk exists (the import's `livekit.outbound` step). */
  const numberWithTrunk = async (provider: string) => {
    const number = uniquePhoneNumber();
    const { trunkId } = await new LiveKitSip({ url: livekit.url, ...LIVEKIT_KEYS }).createOutbound({ number, name: 'dispatch spec', address: 'acme.pstn.example.com' });
    return { trunkId, ...(await seedNumber(prisma, t.tenantId, { number, provider, trunkId })) };
  };
  /** The metadata the dispatch will send, planned beforehand from the same rows. */
  const plannedMetadata = async (d: DialerDeps, call: OutboundCall) => {
    const plan = await planDial(d, call);
    if (!plan.ok) throw new Error(`the call cannot be placed: ${plan.error}`);
    return plan.metadata;
  };
  const livekitAskedAbout = (id: string) => livekit.requests.filter((r) => JSON.stringify(r.body ?? {}).includes(`${CALL_ROOM_PREFIX}${id}`));

  it('leaves a row that is no longer dispatching alone (cancelled, or another worker took it)', async () => {
    const from = await seedNumber(prisma, t.tenantId, { trunkId: 'ST_out' });
    for (const state of ['canceled', 'dispatched']) {
      const call = await seedCall(prisma, { tenantId: t.tenantId, agentId: t.agentId, fromPhoneId: from.id, fromNumber: from.number, state });
      await dispatchOutboundCall(deps, call.id);
      expect(await row(call.id)).toEqual(call);
      expect(await session(call.id)).toBeNull();
      expect(livekitAskedAbout(call.id)).toEqual([]);
    }
  });

  it('a call it cannot place still gets a session, which fails with the refusal as its end reason; LiveKit is not asked', async () => {
    const from = await seedNumber(prisma, t.tenantId, { provider: 'vobiz' }); // no outbound trunk
    const call = await seedCall(prisma, { tenantId: t.tenantId, agentId: t.agentId, fromPhoneId: from.id, fromNumber: from.number });
    await dispatchOutboundCall(deps, call.id);

    expect(await row(call.id)).toMatchObject({ state: 'dispatched', error: 'no_outbound_trunk', roomName: `${CALL_ROOM_PREFIX}${call.id}`, dispatchedAt: clock.now() });
    expect(await session(call.id)).toMatchObject({ status: 'failed', endReason: 'no_outbound_trunk', provider: 'vobiz', direction: 'outbound', phoneNumberId: from.id });
    expect((await events(call.id)).map((e) => e.type)).toEqual(['call.initiating', 'call.failed']);
    expect(livekitAskedAbout(call.id)).toEqual([]);
  });

  it('without LiveKit, a sandbox call is handed to the voice agent as a command carrying the planned metadata, with its session', async () => {
    const from = await seedNumber(prisma, t.tenantId, { provider: 'sip' });
    const call = await seedCall(prisma, { tenantId: t.tenantId, agentId: t.agentId, fromPhoneId: from.id, fromNumber: from.number, toNumber: SANDBOX_NUMBERS.busy, context: { customer_name: 'Asha' } });
    const metadata = await plannedMetadata(sandboxOnly, call);
    await dispatchOutboundCall(sandboxOnly, call.id);

    expect(await session(call.id)).toMatchObject({ status: 'initiating', provider: 'sip', toNumber: SANDBOX_NUMBERS.busy });
    const written = await events(call.id);
    expect(written.map((e) => [e.topic, e.type])).toEqual([
      [TOPICS.callLifecycle, 'call.initiating'],
      [TOPICS.dialerCommands, SANDBOX_CALL_REQUESTED_EVENT_TYPE],
    ]);
    expect(written[1]!.data).toEqual(metadata);
    expect(await row(call.id)).toMatchObject({ state: 'dispatched', error: null });
  });

  it('two dispatches of one row (a stale claim taken over) open one session and send one command', async () => {
    const from = await seedNumber(prisma, t.tenantId, { provider: 'sip' });
    const call = await seedCall(prisma, { tenantId: t.tenantId, agentId: t.agentId, fromPhoneId: from.id, fromNumber: from.number, toNumber: SANDBOX_NUMBERS.answers });
    await Promise.all([dispatchOutboundCall(sandboxOnly, call.id), dispatchOutboundCall(sandboxOnly, call.id)]);

    expect((await events(call.id)).map((e) => e.type)).toEqual(['call.initiating', SANDBOX_CALL_REQUESTED_EVENT_TYPE]);
    expect(await prisma.callSession.count({ where: { id: call.id } })).toBe(1);
  });

  it('answered on the trunk: the room carries the metadata, the callee is dialled with the ringing timeout, and the call is in progress', async () => {
    const from = await numberWithTrunk('twilio');
    const call = await seedCall(prisma, { tenantId: t.tenantId, agentId: t.agentId, fromPhoneId: from.id, fromNumber: from.number });
    const metadata = await plannedMetadata(deps, call);
    await dispatchOutboundCall(deps, call.id);

    const room = `${CALL_ROOM_PREFIX}${call.id}`;
    expect(JSON.parse(String(livekit.rooms.find((r) => r.name === room)?.metadata))).toEqual(metadata);
    const [sip, ...more] = livekit.requestsTo('SIP', 'CreateSIPParticipant').filter((r) => (r.body as { roomName?: string }).roomName === room);
    expect(more).toEqual([]);
    expect(sip!.body).toMatchObject({ sipTrunkId: from.trunkId, sipCallTo: call.toNumber, sipNumber: from.number });
    // Durations travel as protobuf JSON (`30s`): the settings' ringing timeout and the agent's max_duration.
    const body = sip!.body as { ringingTimeout?: unknown; maxCallDuration?: unknown };
    expect(String(body.ringingTimeout)).toMatch(/^30(s|\.0+s)?$/);
    expect(String(body.maxCallDuration)).toMatch(/^300(s|\.0+s)?$/);
    expect(await session(call.id)).toMatchObject({ status: 'in_progress', roomName: room });
  });

  it('not answered (SIP 486): the call ends busy with its SIP status, and the room is deleted', async () => {
    const from = await numberWithTrunk('plivo');
    const call = await seedCall(prisma, { tenantId: t.tenantId, agentId: t.agentId, fromPhoneId: from.id, fromNumber: from.number });
    livekit.failSipCall(486);
    await dispatchOutboundCall(deps, call.id);

    expect(await session(call.id)).toMatchObject({ status: 'busy', sipStatus: 486, endReason: 'busy' });
    // A callee's answer is not a dispatch error: the row keeps none.
    expect(await row(call.id)).toMatchObject({ state: 'dispatched', error: null });
    expect(livekit.rooms.some((r) => r.name === `${CALL_ROOM_PREFIX}${call.id}`)).toBe(false);
  });

  it('started in the background, a dispatch whose database connection is lost before the session is written is tried again, and places the call once', async () => {
    const from = await numberWithTrunk('twilio');
    const call = await seedCall(prisma, { tenantId: t.tenantId, agentId: t.agentId, fromPhoneId: from.id, fromNumber: from.number });
    const terminator = new BackendTerminator(process.env.DATABASE_URL!);
    await terminator.connect();
    // Another connection holds the call's row: the dispatch's conditional update waits for it, and is ended there.
    const holder = await sandboxOnly.db.pool!.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT id FROM outbound_calls WHERE id = $1 FOR UPDATE', [call.id]);
      startDispatch(deps, call.id);
      await pollUntil(async () => (await terminator.terminateWaitingOnLocks()) > 0, { description: 'the dispatch waiting for the row' });
      // Tried again: it waits for the row once more.
      await pollUntil(async () => (await terminator.waitingOnLocks()) > 0, { description: 'the dispatch tried again' });
      await holder.query('COMMIT');
    } finally {
      holder.release();
      await terminator.stop();
    }
    await Promise.all([...deps.inflight]);

    const room = `${CALL_ROOM_PREFIX}${call.id}`;
    expect(await session(call.id)).toMatchObject({ status: 'in_progress', roomName: room });
    expect((await events(call.id)).map((e) => e.type)).toEqual(['call.initiating', 'call.in_progress']);
    expect(livekit.requestsTo('SIP', 'CreateSIPParticipant').filter((r) => (r.body as { roomName?: string }).roomName === room)).toHaveLength(1);
  });
});
