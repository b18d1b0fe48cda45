/**
 * @jest-environment ./apps/voice-agent/test/host-typed-arrays.environment.js
 */
import { CallTransitions, openOutboundSession, recordMediaReplica } from '@callplane/calls';
import {
  buildEventEnvelope,
  callUsageDataSchema,
  newId,
  SANDBOX_CALL_REQUESTED_EVENT_TYPE,
  sandboxLoadNumber,
  TOPICS,
  type EventEnvelope,
  type OutboundCallMetadata,
} from '@callplane/contracts';
import { connectPostgres, type Database, type PrismaClient } from '@callplane/db';
import { bootTestService, pollUntil, uniquePhoneNumber, type TestService } from '@callplane/testing';
import pino from 'pino';
import { createVoiceAgentModule } from '../app';
import { outboxCallEventSink } from '../session/outbox-sink';
import { DEFAULT_SANDBOX_SETTINGS } from './sandbox-call';
import { SandboxMediaPlane } from './sandbox-media-plane';

const FROM = uniquePhoneNumber();

/** A campaign call's session, opened as the dialer opens it, and the metadata the dialer sends with it. */
async function openCall(prisma: PrismaClient, to: string, opts: { campaignId?: string; maxDurationSeconds?: number } = {}) {
  const id = newId('callSession');
  const tenantId = newId('tenant');
  const campaignId = opts.campaignId ?? newId('campaign');
  await prisma.$transaction((tx) =>
    openOutboundSession(tx, { id, tenantId, agentId: 'agt_load', phoneNumberId: null, callType: 'campaign', fromNumber: FROM, toNumber: to, provider: 'sip', roomName: `call-${id}`, campaignId, at: new Date() }),
  );
  const metadata: OutboundCallMetadata = {
    session_id: id,
    tenant_id: tenantId,
    direction: 'outbound',
    call_type: 'campaign',
    from_number: FROM,
    to_number: to,
    max_duration_seconds: opts.maxDurationSeconds ?? 600,
    agent: {
      id: 'agt_load',
      name: 'Load',
      system_prompt: 'You remind {{customer_name}} of the appointment.',
      voice: { greeting: 'Hi', tts: { provider: 'local', model: 'espeak', voice: 'default' }, stt: { provider: 'local', model: 'pocketsphinx', language: 'en' }, max_duration: 600, recording: false, transcription: true },
    },
    context: { customer_name: 'Asha' },
  };
  return { id, tenantId, campaignId, metadata };
}

const outbox = async (prisma: PrismaClient, id: string, topic: string) =>
  (await prisma.outboxEvent.findMany({ where: { key: id, topic }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] })).map((e) => e.envelope as unknown as EventEnvelope);
const session = (prisma: PrismaClient, id: string) => prisma.callSession.findUniqueOrThrow({ where: { id } });
const ended = (prisma: PrismaClient, id: string) => pollUntil(async () => ((await session(prisma, id)).endedAt ? session(prisma, id) : null), { timeoutMs: 30_000, description: `session ${id} ended` });

describe('sandbox load range through the bus: the voice agent places the calls the dialer asks for', () => {
  let svc: TestService | undefined;
  const prisma = () => svc!.prisma;
  beforeAll(async () => {
    svc = await bootTestService({ name: 'voice-agent-load', modules: ({ platform }) => [createVoiceAgentModule({ platform })] });
  });
  afterAll(async () => {
    await svc?.stop();
  });

  /** Publishes `sandbox.call_requested` commands as the dialer's outbox relay does. */
  const request = (calls: Array<{ id: string; tenantId: string; metadata: OutboundCallMetadata }>) =>
    svc!.running.platform.bus.publish(
      TOPICS.dialerCommands,
      calls.map((c) => buildEventEnvelope({ type: SANDBOX_CALL_REQUESTED_EVENT_TYPE, tenantId: c.tenantId, key: c.id, data: c.metadata })),
    );

  it('+1555011XX00 rings, answers, holds one second and hangs up: initiating → ringing → in_progress → completed, silent', async () => {
    const call = await openCall(prisma(), '+15550114200');
    await request([call]);

    const done = await ended(prisma(), call.id);
    expect(done).toMatchObject({ status: 'completed', sipStatus: 200, endReason: 'caller_hangup', campaignId: call.campaignId });
    expect(done.answeredAt).not.toBeNull();
    // Rang for a second before the answer, held (at least) a second after it.
    expect(done.answeredAt!.getTime() - done.createdAt.getTime()).toBeGreaterThanOrEqual(990);
    expect(done.endedAt!.getTime() - done.answeredAt!.getTime()).toBeGreaterThanOrEqual(990);

    const lifecycle = await outbox(prisma(), call.id, TOPICS.callLifecycle);
    expect(lifecycle.map((e) => e.type)).toEqual(['call.initiating', 'call.ringing', 'call.in_progress', 'call.completed']);
    for (const e of lifecycle) expect(e.data).toMatchObject({ campaign_id: call.campaignId, call_type: 'campaign' });
    // No voice processing: no transcript turn, and the one usage report says no model ran.
    expect(await outbox(prisma(), call.id, TOPICS.callTranscript)).toEqual([]);
    const usage = await outbox(prisma(), call.id, TOPICS.callUsage);
    expect(usage.map((e) => callUsageDataSchema.parse(e.data))).toEqual([{ session_id: call.id, report_seq: 1, llm: [], tts: [], stt: [] }]);
  });

  it('hundreds at once each run the whole sequence, once, with the hold their number says', async () => {
    const calls = await Promise.all(Array.from({ length: 300 }, (_, i) => openCall(prisma(), sandboxLoadNumber(1 + (i % 3), Math.floor(i / 3)))));
    await request(calls);
    await request(calls.slice(0, 50)); // a redelivered command places nothing twice

    for (const c of calls) {
      const done = await ended(prisma(), c.id);
      expect({ to: c.metadata.to_number, status: done.status, endReason: done.endReason }).toEqual({ to: c.metadata.to_number, status: 'completed', endReason: 'caller_hangup' });
      const hold = Number(c.metadata.to_number.slice(-2));
      expect(done.endedAt!.getTime() - done.answeredAt!.getTime()).toBeGreaterThanOrEqual(hold * 1000 - 10);
    }
    const lifecycle = await prisma().outboxEvent.findMany({ where: { key: { in: calls.map((c) => c.id) }, topic: TOPICS.callLifecycle }, select: { key: true, envelope: true } });
    const types = new Map<string, string[]>();
    for (const e of lifecycle) types.set(e.key, [...(types.get(e.key) ?? []), (e.envelope as unknown as EventEnvelope).type]);
    for (const c of calls) expect(types.get(c.id)!.sort()).toEqual(['call.completed', 'call.in_progress', 'call.initiating', 'call.ringing']);
  }, 60_000);

  it("a hold past the agent's max duration ends at the cap, max_duration", async () => {
    const call = await openCall(prisma(), sandboxLoadNumber(30), { maxDurationSeconds: 1 });
    await request([call]);
    expect(await ended(prisma(), call.id)).toMatchObject({ status: 'completed', endReason: 'max_duration' });
  });
});

describe('sandbox media plane: load calls when the worker stops', () => {
  let db: Database;
  beforeAll(() => {
    db = connectPostgres({ url: process.env.DATABASE_URL!, poolSize: 4 });
  });
  afterAll(async () => {
    await db.close();
  });

  const plane = () => {
    const outbox = { notify: () => undefined };
    const transitions = new CallTransitions({ prisma: db.prisma, outbox });
    return new SandboxMediaPlane({
      report: (r) => transitions.report(r),
      takeCall: (sessionId, maxDurationSeconds) => recordMediaReplica(db.prisma, sessionId, { replica: 'load-call-spec', maxDurationSeconds }),
      sink: (tenantId) => outboxCallEventSink({ db: db.prisma, outbox }, tenantId),
      logger: pino({ level: 'silent' }),
      settings: DEFAULT_SANDBOX_SETTINGS,
    });
  };
  const reached = (id: string, status: string) => pollUntil(async () => (await session(db.prisma, id)).status === status, { description: `session ${id} ${status}` });

  it('a call still ringing ends canceled at once; an answered one is let finish; nothing is left running', async () => {
    const sandbox = plane();
    const ringing = await openCall(db.prisma, sandboxLoadNumber(1, 1));
    const answered = await openCall(db.prisma, sandboxLoadNumber(2, 2));
    sandbox.place(answered.metadata);
    await reached(answered.id, 'in_progress');
    sandbox.place(ringing.metadata);
    await reached(ringing.id, 'ringing');
    expect(sandbox.activeCalls).toBe(2);

    await sandbox.drain();
    expect(sandbox.activeCalls).toBe(0);
    expect(await session(db.prisma, ringing.id)).toMatchObject({ status: 'canceled', endReason: 'worker_shutdown', answeredAt: null });
    expect(await session(db.prisma, answered.id)).toMatchObject({ status: 'completed', endReason: 'caller_hangup' });
    const late = await openCall(db.prisma, sandboxLoadNumber(1));
    expect(() => sandbox.place(late.metadata)).toThrow(/draining/);
  });
});
