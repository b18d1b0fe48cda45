/**
 * @jest-environment ./apps/voice-agent/test/host-typed-arrays.environment.js
 */
import { callTranscriptDataSchema, newId, TOPICS, type AfterHours, type EventEnvelope, type TranscriptTurn } from '@callplane/contracts';
import { Prisma } from '@callplane/db';
import { apiClient, bootTestService, pollUntil, uniquePhoneNumber, uniqueSuffix, type TestService } from '@callplane/testing';
import { initializeLogger } from '@livekit/agents';
/* eslint-disable @nx/enforce-module-boundaries -- the voice agent's module, composed as the all-in-one does */
import { createVoiceAgentModule } from '../../voice-agent/src/app';
/* eslint-enable @nx/enforce-module-boundaries */

const PROMPT = [
  'You are Ava from Acme, answering the phone.',
  'INTENT cost | price => It is ten dollars a month.',
  'INTENT goodbye | bye => Thanks for calling, goodbye! [end_call]',
  'FALLBACK => Sorry, could you say that again?',
].join('\n');
const CALLER_SCRIPT = ['How much does it cost?', 'Great, goodbye.'];
const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
/** Open only on the day after tomorrow (UTC): closed now. */
const closedNow: AfterHours = { timezone: 'UTC', open: [{ days: [DAYS[(new Date().getUTCDay() + 2) % 7]!], start: '00:00', end: '23:59' }], message: 'We are closed.' };

/**
 * Inbound calls with no LiveKit: `POST /admin/sandbox/inbound-call` (what `npm run call:sandbox` calls) opens the
 * session for the number's agent as the gateway would, and the sandbox media plane answers it with the caller bot.
 */
describe('sandbox media plane: inbound calls without LiveKit', () => {
  let svc: TestService | undefined;
  const service = () => svc!;
  const api = apiClient(service);

  beforeAll(async () => {
    initializeLogger({ pretty: false, level: process.env.AGENTS_LOG ?? 'silent' });
    svc = await bootTestService({
      name: 'sandbox-inbound',
      modules: ({ platform, routerDeps }) => [
        createVoiceAgentModule({ platform, routerDeps, sandbox: { callerScript: CALLER_SCRIPT, callerVoice: 'synthetic', msPerChar: 40, callerHangUpAfterMs: 3_000 } }),
      ],
    });
  });

  afterAll(async () => {
    await svc?.stop();
  });

  const call = (json: unknown, token = service().adminToken) => api.call('POST', '/admin/sandbox/inbound-call', { token, json });
  const session = (id: string) => service().prisma.callSession.findUniqueOrThrow({ where: { id } });
  const outbox = async (id: string, topic: string) =>
    (await service().prisma.outboxEvent.findMany({ where: { key: id, topic }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] })).map((e) => e.envelope as unknown as EventEnvelope);
  const lifecycle = async (id: string) => (await outbox(id, TOPICS.callLifecycle)).map((e) => e.type);

  it('opens an inbound session for the number\'s agent, answers with the greeting, talks with the caller bot, and ends agent_hangup', async () => {
    const { number, agentId, tenantId } = await seedNumber(service(), { greeting: 'Thanks for calling Acme, Ava speaking.' });
    const res = await call({ to_number: number, from_number: '+15550100042' });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ tenant_id: tenantId, agent_id: agentId, status: 'initiating', end_reason: null });
    const id = String(res.body.session_id);

    const done = await pollUntil(async () => ((await session(id)).endedAt ? session(id) : null), { timeoutMs: 30_000, description: 'call ended' });
    expect(done).toMatchObject({ direction: 'inbound', provider: 'sip', status: 'completed', endReason: 'agent_hangup', tenantId, agentId, toNumber: number, fromNumber: '+15550100042' });
    expect(done.answeredAt).not.toBeNull();
    expect(await lifecycle(id)).toEqual(['call.initiating', 'call.in_progress', 'call.completed']);

    const turns = new Map<number, TranscriptTurn>();
    for (const e of await outbox(id, TOPICS.callTranscript)) for (const t of callTranscriptDataSchema.parse(e.data).turns) turns.set(t.seq, t);
    expect([...turns.values()].sort((a, b) => a.seq - b.seq).map((t) => [t.role, t.text])).toEqual([
      // The number's greeting override, first.
      ['agent', 'Thanks for calling Acme, Ava speaking.'],
      ['caller', CALLER_SCRIPT[0]],
      ['agent', 'It is ten dollars a month.'],
      ['caller', CALLER_SCRIPT[1]],
      ['agent', 'Thanks for calling, goodbye!'],
    ]);
    expect(await outbox(id, TOPICS.callUsage)).not.toHaveLength(0);
  }, 45_000);

  it('after hours: the session ends at once with end_reason after_hours, and no session loop runs', async () => {
    const { number } = await seedNumber(service(), { afterHours: closedNow });
    const res = await call({ to_number: number });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ status: 'completed', end_reason: 'after_hours' });
    const id = String(res.body.session_id);
    expect(await session(id)).toMatchObject({ direction: 'inbound', status: 'completed', endReason: 'after_hours', answeredAt: null });
    expect(await lifecycle(id)).toEqual(['call.completed']);
    expect(await outbox(id, TOPICS.callTranscript)).toEqual([]);
  });

  it('refuses unknown and unassigned numbers, and callers without the operator token', async () => {
    expect((await call({ to_number: uniquePhoneNumber() })).status).toBe(404);
    const { number } = await seedNumber(service(), { assigned: false });
    expect((await call({ to_number: number })).status).toBe(409);
    expect((await call({ to_number: number }, 'not-the-token')).status).toBe(401);
    expect((await call({ to_number: 'nope' })).status).toBe(400);
  });
});

async function seedNumber(svc: TestService, opts: { greeting?: string; afterHours?: AfterHours; assigned?: boolean }) {
  const prisma = svc.prisma;
  const tenantId = newId('tenant');
  await prisma.tenant.create({ data: { id: tenantId, name: `Inbound ${uniqueSuffix()}` } });
  const agentId = newId('agent');
  await prisma.agent.create({
    data: {
      id: agentId,
      tenantId,
      name: 'Ava',
      systemPrompt: PROMPT,
      voice: {
        greeting: 'Hello, Ava here.',
        tts: { provider: 'local', model: 'synthetic', voice: 'default' },
        stt: { provider: 'local', model: 'scripted', language: 'en' },
        max_duration: 60,
        recording: false,
        transcription: true,
      },
      afterHours: opts.afterHours ? (opts.afterHours as unknown as Prisma.InputJsonValue) : Prisma.DbNull,
    },
  });
  const number = uniquePhoneNumber();
  await prisma.phoneNumber.create({
    data: { id: newId('phoneNumber'), tenantId, number, provider: 'sip', byok: true, agentId: opts.assigned === false ? null : agentId, greeting: opts.greeting ?? null },
  });
  return { number, agentId, tenantId };
}
