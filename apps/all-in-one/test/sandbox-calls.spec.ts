/**
 * @jest-environment ./apps/voice-agent/test/host-typed-arrays.environment.js
 */
import {
  callTranscriptDataSchema,
  callUsageDataSchema,
  newId,
  SANDBOX_CALL_REQUESTED_EVENT_TYPE,
  SANDBOX_NUMBERS,
  TOPICS,
  type EventEnvelope,
  type TranscriptTurn,
} from '@callplane/contracts';
import { hashApiKey, newApiKey, SecretBox } from '@callplane/service-kit';
import { apiClient, bootTestService, pollUntil, uniquePhoneNumber, uniqueSuffix, type TestService } from '@callplane/testing';
import { initializeLogger } from '@livekit/agents';
import { randomBytes } from 'node:crypto';
/* eslint-disable @nx/enforce-module-boundaries -- the sandbox call crosses the dialer and the voice agent, composed as the all-in-one does */
import { createDialerModule, dialerSettingsFrom } from '../../dialer/src/app';
import { createVoiceAgentModule } from '../../voice-agent/src/app';
import { closeEspeak } from '../../voice-agent/src/local/espeak-tts';
import { PocketsphinxSTT } from '../../voice-agent/src/local/pocketsphinx-stt';
/* eslint-enable @nx/enforce-module-boundaries */

const GREETING = 'Hi Asha, this is Ava from Acme.';
const PROMPT = [
  'You are Ava from Acme, calling {{customer_name}}.',
  'INTENT cost | price => It is ten dollars a month.',
  'INTENT goodbye | bye => Thanks Asha, goodbye! [end_call]',
  'FALLBACK => Sorry, could you say that again?',
].join('\n');
const CALLER_SCRIPT = ['How much does it cost?', 'Great, goodbye.'];

/**
 * Outbound calls with no LiveKit: the dialer hands calls to the sandbox numbers to the voice agent's sandbox
 * media plane, which plays the carrier (busy, failed, no answer) or connects a caller bot to the real
 * AgentSession loop on the local voice stack: the caller bot speaks with espeak-ng, the agent hears it through
 * pocketsphinx and answers with espeak-ng. Dialer and voice agent in one service, real PostgreSQL, the in-process bus.
 */
describe('sandbox media plane: outbound calls without LiveKit', () => {
  let svc: TestService | undefined;
  const service = () => svc!;
  const api = apiClient(service);
  let caller: { apiKey: string; agentId: string; from: string; tenantId: string };

  beforeAll(async () => {
    initializeLogger({ pretty: false, level: process.env.AGENTS_LOG ?? 'silent' });
    const secrets = new SecretBox(randomBytes(32));
    svc = await bootTestService({
      name: 'sandbox',
      modules: ({ platform, routerDeps }) => [
        createDialerModule({
          platform,
          routerDeps,
          secrets,
          settings: dialerSettingsFrom({ TEST_CALL_USER_DAILY_LIMIT: 5, TEST_CALL_DESTINATION_DAILY_LIMIT: 3, TEST_CALL_MAX_SECONDS: 120, TEST_CALL_DISPATCH_TIMEOUT_SECONDS: 90, DIAL_RINGING_TIMEOUT_SECONDS: 30, WEBHOOK_ALLOW_PRIVATE_TARGETS: true }),
        }),
        createVoiceAgentModule({ platform, sandbox: { ringingTimeoutMs: 300, answerAfterMs: 100, callerScript: CALLER_SCRIPT, callerHangUpAfterMs: 3_000 } }),
      ],
    });
    caller = await seedCaller(service());
  });

  afterAll(async () => {
    await svc?.stop();
    await closeEspeak();
  });

  const dial = async (to: string) => {
    const res = await api.call('POST', '/voice/outbound/dial', { token: caller.apiKey, json: { agent_id: caller.agentId, to_number: to, from_number: caller.from, context: { customer_name: 'Asha' } } });
    expect(res.status).toBe(202);
    return String(res.body.session_id);
  };
  const session = (id: string) => service().prisma.callSession.findUniqueOrThrow({ where: { id } });
  const ended = (id: string, timeoutMs = 10_000) =>
    pollUntil(async () => ((await session(id)).endedAt ? session(id) : null), { timeoutMs, description: `session ${id} ended` });
  const outbox = async (id: string, topic: string) =>
    (await service().prisma.outboxEvent.findMany({ where: { key: id, topic }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] })).map((e) => e.envelope as unknown as EventEnvelope);
  const lifecycle = async (id: string) => (await outbox(id, TOPICS.callLifecycle)).map((e) => e.type);

  it('the busy number ends the call busy with SIP 486, after the dialer asked the sandbox for it with the call metadata', async () => {
    const id = await dial(SANDBOX_NUMBERS.busy);
    expect(await ended(id)).toMatchObject({ status: 'busy', sipStatus: 486, endReason: 'busy', answeredAt: null });
    expect(await lifecycle(id)).toEqual(['call.initiating', 'call.busy']);

    const commands = await outbox(id, TOPICS.dialerCommands);
    expect(commands).toHaveLength(1);
    expect(commands[0]).toMatchObject({
      type: SANDBOX_CALL_REQUESTED_EVENT_TYPE,
      tenant_id: caller.tenantId,
      key: id,
      data: { session_id: id, direction: 'outbound', to_number: SANDBOX_NUMBERS.busy, from_number: caller.from, agent: { id: caller.agentId, system_prompt: PROMPT }, context: { customer_name: 'Asha' } },
    });
  });

  it('the failing number ends the call failed with SIP 503', async () => {
    const id = await dial(SANDBOX_NUMBERS.fails);
    expect(await ended(id)).toMatchObject({ status: 'failed', sipStatus: 503 });
    expect(await lifecycle(id)).toEqual(['call.initiating', 'call.failed']);
  });

  it('the never-answering number rings, then ends no_answer with SIP 480 after the ringing timeout', async () => {
    const id = await dial(SANDBOX_NUMBERS.noAnswer);
    expect(await ended(id)).toMatchObject({ status: 'no_answer', sipStatus: 480, endReason: 'no_answer', answeredAt: null });
    expect(await lifecycle(id)).toEqual(['call.initiating', 'call.ringing', 'call.no_answer']);
  });

  it('a number outside the sandbox range still fails livekit_not_configured, and the sandbox is not asked', async () => {
    const id = await dial(uniquePhoneNumber());
    expect(await ended(id)).toMatchObject({ status: 'failed', endReason: 'livekit_not_configured' });
    expect(await outbox(id, TOPICS.dialerCommands)).toEqual([]);
  });

  it('the answering number connects a caller bot to the agent: greeting, caller line recognised from its speech, reply, then hang-up, with transcript and usage events', async () => {
    // The caller's lines must be heard, not handed over: this test needs pocketsphinx (apt-get install pocketsphinx pocketsphinx-en-us).
    expect(PocketsphinxSTT.isAvailable()).toBe(true);
    const id = await dial(SANDBOX_NUMBERS.answers);
    const answered = await pollUntil(async () => ((await session(id)).answeredAt ? session(id) : null), { description: 'call answered' });
    expect(answered.status).toBe('in_progress');

    const done = await ended(id, 45_000);
    expect(done).toMatchObject({ status: 'completed', endReason: 'agent_hangup' });
    expect(await lifecycle(id)).toEqual(['call.initiating', 'call.ringing', 'call.in_progress', 'call.completed']);

    const transcripts = await outbox(id, TOPICS.callTranscript);
    const turns = new Map<number, TranscriptTurn>();
    for (const e of transcripts) {
      expect(e).toMatchObject({ type: 'call.transcript', tenant_id: caller.tenantId, key: id });
      for (const t of callTranscriptDataSchema.parse(e.data).turns) turns.set(t.seq, t);
    }
    expect([...turns.values()].sort((a, b) => a.seq - b.seq).map((t) => [t.role, t.text])).toEqual([
      ['agent', GREETING],
      ['caller', CALLER_SCRIPT[0]],
      ['agent', 'It is ten dollars a month.'],
      ['caller', CALLER_SCRIPT[1]],
      ['agent', 'Thanks Asha, goodbye!'],
    ]);

    const usages = (await outbox(id, TOPICS.callUsage)).map((e) => {
      expect(e).toMatchObject({ type: 'call.usage', tenant_id: caller.tenantId, key: id });
      return callUsageDataSchema.parse(e.data);
    });
    expect(usages.length).toBeGreaterThan(0);
    const last = usages.reduce((a, b) => (b.report_seq > a.report_seq ? b : a));
    expect(last.session_id).toBe(id);
    expect(last.llm).toEqual([expect.objectContaining({ provider: 'local', model: 'scripted-intents' })]);
    expect(last.llm[0]!.completion_tokens).toBeGreaterThan(0);
    expect(last.tts).toEqual([{ provider: 'local', model: 'espeak-ng', characters: GREETING.length + 'It is ten dollars a month.'.length + 'Thanks Asha, goodbye!'.length }]);
    // Recognised from the caller's audio: pocketsphinx against the caller script's grammar, not the scripted recogniser.
    expect(last.stt).toEqual([expect.objectContaining({ provider: 'local', model: 'pocketsphinx-jsgf' })]);
    expect(last.stt[0]!.seconds).toBeGreaterThan(0);
  }, 60_000);
});

/** A tenant with a user, an agent on the local voice stack (espeak-ng, pocketsphinx), and a number with outbound calling, stored as provisioning stores them. */
async function seedCaller(svc: TestService) {
  const prisma = svc.prisma;
  const tenantId = newId('tenant');
  const apiKey = newApiKey();
  await prisma.tenant.create({ data: { id: tenantId, name: `Sandbox ${uniqueSuffix()}` } });
  await prisma.user.create({ data: { id: newId('user'), tenantId, email: `u-${uniqueSuffix()}@example.com`, apiKeyHash: hashApiKey(apiKey), apiKeyHint: apiKey.slice(-4) } });
  const agentId = newId('agent');
  await prisma.agent.create({
    data: {
      id: agentId,
      tenantId,
      name: 'Ava',
      systemPrompt: PROMPT,
      voice: {
        greeting: 'Hi {{customer_name}}, this is Ava from Acme.',
        tts: { provider: 'local', model: 'espeak', voice: 'default' },
        stt: { provider: 'local', model: 'pocketsphinx', language: 'en' },
        max_duration: 120,
        recording: false,
        transcription: true,
      },
    },
  });
  const from = uniquePhoneNumber();
  await prisma.phoneNumber.create({ data: { id: newId('phoneNumber'), tenantId, number: from, provider: 'sip', byok: true, outboundEnabled: true } });
  return { apiKey, agentId, from, tenantId };
}
