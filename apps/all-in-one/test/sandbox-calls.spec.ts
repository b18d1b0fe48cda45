/**
 * @jest-environment ./apps/voice-agent/test/host-typed-arrays.environment.js
 */
import {
  callTranscriptDataSchema,
  callUsageDataSchema,
  newId,
  SANDBOX_CALL_REQUESTED_EVENT_TYPE,
  SANDBOX_NUMBERS,
  SANDBOX_TRIAL_NUMBER,
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
import { honestReply } from '../../voice-agent/src/local/scripted-llm';
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
  /** The call's turns as `[role, text]`, from its `call.transcript` events. */
  const transcript = async (id: string) => {
    const turns = new Map<number, TranscriptTurn>();
    for (const e of await outbox(id, TOPICS.callTranscript)) {
      expect(e).toMatchObject({ type: 'call.transcript', tenant_id: caller.tenantId, key: id });
      for (const t of callTranscriptDataSchema.parse(e.data).turns) turns.set(t.seq, t);
    }
    return [...turns.values()].sort((a, b) => a.seq - b.seq).map((t) => [t.role, t.text]);
  };
  const testCall = async (to: string) => {
    const res = await api.call('POST', '/voice/studio/test-call', { token: caller.apiKey, json: { agent_id: caller.agentId, to_number: to } });
    expect(res.status).toBe(201);
    return String(res.body.session_id);
  };
  const testCallStatus = async (id: string) => (await api.call('GET', `/voice/studio/test-call/${id}/status`, { token: caller.apiKey })).body as { state: string; duration_seconds: number; max_seconds: number; error: string | null };

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

  it('a number outside the sandbox range is refused at once (409 livekit_not_configured): no call, and the sandbox is not asked', async () => {
    const before = await service().prisma.outboundCall.count({ where: { tenantId: caller.tenantId } });
    const res = await api.call('POST', '/voice/outbound/dial', { token: caller.apiKey, json: { agent_id: caller.agentId, to_number: uniquePhoneNumber(), from_number: caller.from } });
    expect({ status: res.status, code: (res.body.error as { code: string }).code }).toEqual({ status: 409, code: 'livekit_not_configured' });
    expect(await service().prisma.outboundCall.count({ where: { tenantId: caller.tenantId } })).toBe(before);
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

    expect(await transcript(id)).toEqual([
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

  it("the README's first agent (a prompt for a real model, no INTENT lines, providers with no keys) holds a short conversation: greeting, the caller's line, an honest reply, goodbye", async () => {
    expect(PocketsphinxSTT.isAvailable()).toBe(true);
    const agentId = newId('agent');
    await service().prisma.agent.create({ data: { id: agentId, tenantId: caller.tenantId, name: 'Acme support', systemPrompt: README_AGENT.system_prompt, voice: README_AGENT.voice } });
    const res = await api.call('POST', '/voice/outbound/dial', { token: caller.apiKey, json: { agent_id: agentId, to_number: SANDBOX_NUMBERS.answers, from_number: caller.from } });
    expect(res.status).toBe(202);
    const id = String(res.body.session_id);

    expect(await ended(id, 45_000)).toMatchObject({ status: 'completed', endReason: 'agent_hangup' });
    expect(await transcript(id)).toEqual([
      ['agent', README_AGENT.voice.greeting],
      ['caller', CALLER_SCRIPT[0]],
      ['agent', honestReply(CALLER_SCRIPT[0]!)],
      ['caller', CALLER_SCRIPT[1]],
      ['agent', 'Goodbye!'],
    ]);
    expect(honestReply(CALLER_SCRIPT[0]!)).toMatch(/^I heard: How much does it cost\. .*real replies need an LLM key\.$/);
  }, 60_000);

  describe('studio test calls to the answering number (the Phone Call dialog on `npm start`)', () => {
    it('walk every state: initiating, ringing, live with its counter against the 2-minute cap, then ended; the call counts once', async () => {
      const id = await testCall(SANDBOX_NUMBERS.answers);
      const seen: string[] = [];
      const last = await pollUntil(
        async () => {
          const s = await testCallStatus(id);
          if (seen.at(-1) !== s.state) seen.push(s.state);
          return s.state === 'ended' ? s : null;
        },
        { timeoutMs: 45_000, intervalMs: 20, description: 'the test call to end' },
      );
      // The states only move forward; ringing lasts a tenth of a second here, so the dialer's record says it rang.
      expect(seen[0]).toBe('initiating');
      expect(seen.slice(-2)).toEqual(['live', 'ended']);
      expect(['initiating', 'ringing', 'live', 'ended'].filter((x) => seen.includes(x))).toEqual(seen);
      const row = await service().prisma.outboundCall.findUniqueOrThrow({ where: { id } });
      expect(row.ringingAt).not.toBeNull();
      expect(row.ringingAt!.getTime()).toBeLessThanOrEqual(row.answeredAt!.getTime());
      expect(last).toMatchObject({ max_seconds: 120, error: null });
      expect(last.duration_seconds).toBeGreaterThan(0);
      expect(await session(id)).toMatchObject({ callType: 'studio_test', status: 'completed', endReason: 'agent_hangup', fromNumber: SANDBOX_TRIAL_NUMBER });
      expect((await api.call('GET', '/voice/studio/quota', { token: caller.apiKey })).body).toMatchObject({ used: 1 });
    }, 60_000);

    it('End Call while connected hangs up the sandbox call itself: the agent stops, the session ends ended_by_user', async () => {
      const id = await testCall(SANDBOX_NUMBERS.answers);
      await pollUntil(async () => (await testCallStatus(id)).state === 'live', { timeoutMs: 20_000, intervalMs: 20, description: 'the test call to connect' });
      expect((await api.call('POST', `/voice/studio/test-call/${id}/end`, { token: caller.apiKey })).status).toBe(200);
      // The status follows the call's end as the dialer records it (from the call.lifecycle event).
      expect(await pollUntil(async () => ((await testCallStatus(id)).state === 'ended' ? testCallStatus(id) : null), { description: 'the status to say ended' })).toMatchObject({ state: 'ended', error: null });
      expect(await session(id)).toMatchObject({ status: 'completed', endReason: 'ended_by_user' });
      // The agent's session ends at once (its usage is reported when it ends), long before the conversation would have.
      await pollUntil(async () => (await outbox(id, TOPICS.callUsage)).length > 0, { timeoutMs: 20_000, description: "the agent's session to end" });
      expect((await transcript(id)).filter(([role]) => role === 'caller')).toEqual([]);
      // The trial number is free again for the next test.
      await pollUntil(async () => (await service().prisma.trialNumber.count({ where: { inUseBy: id } })) === 0, { description: 'the trial number released' });
    }, 60_000);
  });
});

/** The agent of the README's first flow, as it is pasted there: a prompt for a real model, providers with no keys configured here. */
const README_AGENT = {
  system_prompt: 'You are a friendly support agent.',
  voice: {
    greeting: 'Hi, thanks for calling Acme.',
    tts: { provider: 'cartesia', model: 'sonic-2', voice: 'maya' },
    stt: { provider: 'deepgram', model: 'nova-2', language: 'en' },
    max_duration: 600,
  },
};

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
