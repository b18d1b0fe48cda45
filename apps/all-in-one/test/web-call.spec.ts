/**
 * @jest-environment ./apps/voice-agent/test/host-typed-arrays.environment.js
 */
import { SessionDto } from '@callplane/contracts';
import { connectPostgres } from '@callplane/db';
import { pollUntil } from '@callplane/testing';
/* eslint-disable @nx/enforce-module-boundaries -- the caller's audio is made by the local voice stack, as the sandbox's caller bot makes it */
import { espeakSamples } from '../../voice-agent/src/local/espeak-tts';
import { PocketsphinxSTT } from '../../voice-agent/src/local/pocketsphinx-stt';
/* eslint-enable @nx/enforce-module-boundaries */
import { CALLER_SCRIPT, connect, PUBLIC_BASE_URL, useWebCallService } from './web-call.test-harness';

const GREETING = 'Hi, this is Ava from Acme.';
const REPLY = 'It is ten dollars a month.';

/**
 * The studio's Web Call without LiveKit (the all-in-one's sandbox): the browser's audio over the voice agent's
 * WebSocket, through the same VoiceSession a phone call runs, with a real `ws` client as the browser. The caller's
 * line is speech made by espeak-ng and heard by pocketsphinx, as in the sandbox's phone calls.
 */
describe('sandbox web call: the browser talks to the agent over a WebSocket', () => {
  const h = useWebCallService();
  let agentId: string;
  beforeAll(async () => {
    agentId = await h.newAgent({ greeting: GREETING });
  });

  it('greets, hears the caller, answers, ends on End Call, and shows as a web studio_test session with transcript and usage', async () => {
    // The caller's line must be heard, not handed over: this test needs pocketsphinx (apt-get install pocketsphinx pocketsphinx-en-us).
    expect(PocketsphinxSTT.isAvailable()).toBe(true);
    const created = await h.createWebCall(agentId);
    expect(created).toMatchObject({ transport: 'websocket', url: `wss://voice.example.com/voice/web-call/${created.session_id}/audio?token=${created.token}` });
    expect(created.url.startsWith(PUBLIC_BASE_URL.replace('https', 'wss'))).toBe(true);
    expect(created.token).toMatch(/^wct_/);
    expect(await h.session(created.session_id)).toMatchObject({ direction: 'web', callType: 'studio_test', provider: 'web', status: 'initiating' });

    const browser = await connect(created.socketUrl);
    browser.startMicrophone();
    try {
      await browser.waitFor('the greeting', (e) => e.type === 'transcript' && e.role === 'agent' && e.final);
      expect(browser.events[0]).toEqual({ type: 'state', state: 'connecting' });
      expect(browser.eventsOf('transcript')[0]).toEqual({ type: 'transcript', role: 'agent', text: GREETING, final: true });
      expect(browser.eventsOf('state').map((e) => e.state)).toEqual(expect.arrayContaining(['connecting', 'listening', 'speaking']));
      // The greeting came as audio first: 20 ms frames of real speech, nothing else.
      expect(browser.audioFrames).toBeGreaterThan(25);
      expect(browser.oddFrames).toBe(0);
      expect(browser.loudest).toBeGreaterThan(1_000);
      expect(await h.session(created.session_id)).toMatchObject({ status: 'in_progress' });

      browser.say(await espeakSamples(CALLER_SCRIPT[0]!, 16_000));
      await browser.waitFor('the caller line', (e) => e.type === 'transcript' && e.role === 'caller' && e.final);
      await browser.waitFor('the reply', (e) => e.type === 'transcript' && e.role === 'agent' && e.text === REPLY, 30_000);
      expect(browser.eventsOf('transcript').filter((e) => e.final).map((e) => [e.role, e.text])).toEqual([
        ['agent', GREETING],
        ['caller', CALLER_SCRIPT[0]],
        ['agent', REPLY],
      ]);
      expect(browser.eventsOf('state').map((e) => e.state)).toContain('thinking');

      expect((await h.endWebCall(created.session_id)).status).toBe(200);
      expect(await browser.closed).toEqual({ code: 1000, reason: 'ended_by_user' });
      expect(browser.events.at(-1)).toEqual({ type: 'ended', reason: 'ended_by_user' });
    } finally {
      browser.stopMicrophone();
    }

    expect(await h.ended(created.session_id)).toMatchObject({ status: 'completed', endReason: 'ended_by_user', direction: 'web' });
    const shown = await pollUntil(
      async () => {
        const res = await h.api.call('GET', `/voice/sessions/${created.session_id}`, { token: h.user.apiKey });
        const s = res.body as unknown as SessionDto;
        return res.status === 200 && s.status === 'completed' && s.transcript.length === 3 && s.usage.tts_characters > 0 ? s : null;
      },
      { timeoutMs: 15_000, description: 'the session in analytics, with its transcript and usage' },
    );
    expect(shown).toMatchObject({ id: created.session_id, direction: 'web', call_type: 'studio_test', provider: 'web', agent_id: agentId, end_reason: 'ended_by_user', from_number: `web:${h.user.userId}` });
    expect(shown.transcript.map((t) => [t.role, t.text])).toEqual([
      ['agent', GREETING],
      ['caller', CALLER_SCRIPT[0]],
      ['agent', REPLY],
    ]);
    expect(shown.usage).toMatchObject({ tts_characters: GREETING.length + REPLY.length, telephony_minutes: 0 });
    expect(shown.usage.stt_seconds).toBeGreaterThan(0);
    expect(shown.cost.telephony).toBe(0);
    // No telephony and no test-call quota: nothing placed, nothing counted.
    expect((await h.api.call('GET', '/voice/studio/quota', { token: h.user.apiKey })).body).toMatchObject({ used: 0 });
    expect(await h.service().prisma.outboundCall.count({ where: { tenantId: h.user.tenantId } })).toBe(0);
  }, 90_000);

  it("ends at the agent's max_duration: the closing line, then an ended event and close 1000", async () => {
    const shortAgent = await h.newAgent({ greeting: 'Hi.', max_duration: 2 });
    const created = await h.createWebCall(shortAgent);
    const browser = await connect(created.socketUrl);
    browser.startMicrophone();
    try {
      expect(await browser.closed).toEqual({ code: 1000, reason: 'max_duration' });
    } finally {
      browser.stopMicrophone();
    }
    expect(browser.events.at(-1)).toEqual({ type: 'ended', reason: 'max_duration' });
    expect(browser.eventsOf('transcript').map((e) => e.text)).toContain('We have reached the time limit for this call. Thank you, goodbye.');
    expect(await h.ended(created.session_id)).toMatchObject({ status: 'completed', endReason: 'max_duration', maxDurationSeconds: 2 });
  }, 60_000);

  it('ends when the browser closes its socket (the caller hung up)', async () => {
    const created = await h.createWebCall(agentId);
    const browser = await connect(created.socketUrl);
    await browser.waitFor('the agent speaking', (e) => e.type === 'state' && e.state === 'speaking');
    browser.ws.close(1000);
    expect(await h.ended(created.session_id)).toMatchObject({ status: 'completed', endReason: 'caller_hangup' });
    expect(browser.eventsOf('ended')).toEqual([]);
  }, 60_000);

  it('a call ended before the browser connects: the socket is closed 4410 and nothing runs', async () => {
    const created = await h.createWebCall(agentId);
    expect((await h.endWebCall(created.session_id)).status).toBe(200);
    expect(await h.session(created.session_id)).toMatchObject({ status: 'completed', endReason: 'ended_by_user', answeredAt: null });
    const browser = await connect(created.socketUrl);
    expect(await browser.closed).toEqual({ code: 4410, reason: 'call_over' });
    expect(browser.events).toEqual([]);
    expect(browser.audioFrames).toBe(0);
    // Ending it again changes nothing.
    expect((await h.endWebCall(created.session_id)).status).toBe(200);
    expect(await h.session(created.session_id)).toMatchObject({ status: 'completed', endReason: 'ended_by_user' });
  }, 30_000);

  // Last: it stops the service.
  it('the server stopping with a call up: a short goodbye, an ended event, close 1001, and the session ends worker_shutdown', async () => {
    const created = await h.createWebCall(agentId);
    const browser = await connect(created.socketUrl);
    await browser.waitFor('the greeting', (e) => e.type === 'transcript' && e.role === 'agent' && e.final);
    await h.service().stop();
    expect(await browser.closed).toEqual({ code: 1001, reason: 'worker_shutdown' });
    expect(browser.events.at(-1)).toEqual({ type: 'ended', reason: 'worker_shutdown' });
    expect(browser.eventsOf('transcript').map((e) => e.text)).toContain('I am sorry, I have to end this call now. Goodbye.');
    // The service's own pool is closed now: read what it left with another.
    const db = connectPostgres({ url: process.env.DATABASE_URL! });
    try {
      expect(await db.prisma.callSession.findUniqueOrThrow({ where: { id: created.session_id } })).toMatchObject({ status: 'completed', endReason: 'worker_shutdown' });
    } finally {
      await db.close();
    }
  }, 60_000);
});
