import type { VoiceConfig } from '@callplane/contracts';
import { CallPlanError, planCall, type InboundAgentResolver } from './agent-config';

const voice: VoiceConfig = {
  greeting: 'Hello {{name}}, this is Ava.',
  tts: { provider: 'cartesia', model: 'sonic-2', voice: 'v1' },
  stt: { provider: 'deepgram', model: 'nova-3', language: 'en' },
  max_duration: 300,
  recording: false,
  transcription: true,
};

const outbound = {
  session_id: 'sess_1',
  tenant_id: 'ten_1',
  direction: 'outbound',
  call_type: 'production',
  from_number: '+14155550100',
  to_number: '+14155550199',
  max_duration_seconds: 120,
  agent: { id: 'agt_1', name: 'Ava', system_prompt: 'You call {{name}} about order {{order}}.', voice },
  context: { name: 'Asha', order: 'A-17' },
};

describe('planCall', () => {
  it('turns a web call\'s metadata into a plan with no phone numbers, capped at its max_duration; refuses one that is malformed', async () => {
    const web = { session_id: 'cs_web', tenant_id: 'ten_1', direction: 'web', call_type: 'studio_test', max_duration_seconds: 90, agent: outbound.agent, context: { name: 'Asha', order: 'A-1' } };
    expect(await planCall({ metadata: JSON.stringify(web) })).toMatchObject({
      sessionId: 'cs_web',
      direction: 'web',
      callType: 'studio_test',
      instructions: 'You call Asha about order A-1.',
      greeting: 'Hello Asha, this is Ava.',
      maxDurationSeconds: 90,
      fromNumber: null,
      toNumber: null,
      phoneId: null,
    });
    await expect(planCall({ metadata: JSON.stringify({ ...web, max_duration_seconds: 0 }) })).rejects.toThrow(/web call metadata is invalid: max_duration_seconds/);
    await expect(planCall({ metadata: JSON.stringify({ ...web, call_type: 'production' }) })).rejects.toBeInstanceOf(CallPlanError);
  });

  it('turns outbound dispatch metadata into a plan with the prompt and greeting templated', async () => {
    const plan = await planCall({ metadata: JSON.stringify(outbound) });
    expect(plan).toMatchObject({
      sessionId: 'sess_1',
      tenantId: 'ten_1',
      direction: 'outbound',
      callType: 'production',
      agent: { id: 'agt_1', name: 'Ava' },
      instructions: 'You call Asha about order A-17.',
      greeting: 'Hello Asha, this is Ava.',
      maxDurationSeconds: 120,
      fromNumber: '+14155550100',
      toNumber: '+14155550199',
      phoneId: null,
    });
    expect(plan.voice.tts.provider).toBe('cartesia');
  });

  it('stringifies scalar context values and defaults a missing context to empty', async () => {
    const { context: _c, ...noContext } = outbound;
    expect((await planCall({ metadata: JSON.stringify(noContext) })).greeting).toBe('Hello , this is Ava.');
    const plan = await planCall({ metadata: JSON.stringify({ ...outbound, context: { name: 42 } }) });
    expect(plan.context).toEqual({ name: '42' });
  });

  it('refuses outbound metadata with an invalid voice config, naming the field', async () => {
    const bad = { ...outbound, agent: { ...outbound.agent, voice: { ...voice, tts: { ...voice.tts, provider: 'acme' } } } };
    await expect(planCall({ metadata: JSON.stringify(bad) })).rejects.toThrow(/agent\.voice\.tts\.provider/);
  });

  it('refuses metadata that is not JSON or not a known shape', async () => {
    await expect(planCall({ metadata: 'not json' })).rejects.toBeInstanceOf(CallPlanError);
    await expect(planCall({ metadata: '{"hello":"world"}' })).rejects.toThrow(/neither an outbound call nor an inbound number/);
  });

  describe('inbound', () => {
    const metadata = JSON.stringify({ phone_id: 'ph_1', tenant_id: 'ten_1', number: '+14155550123' });
    const resolver: InboundAgentResolver = async (ref) =>
      ref.phoneId === 'ph_1' ? { id: 'agt_2', name: 'Desk', system_prompt: 'You answer for {{company}}.', voice, context: { company: 'Acme', name: 'there' } } : null;

    it('looks the agent up by phone and takes the session id from the SIP attribute', async () => {
      const plan = await planCall({ metadata, resolveInboundAgent: resolver, participantAttributes: { 'callplane.session_id': 'sess_in' } });
      expect(plan).toMatchObject({
        sessionId: 'sess_in',
        direction: 'inbound',
        callType: null,
        phoneId: 'ph_1',
        toNumber: '+14155550123',
        instructions: 'You answer for Acme.',
        greeting: 'Hello there, this is Ava.',
        maxDurationSeconds: 300,
      });
    });

    it('leaves the session id unknown when the participant carries none (SIP-direct trunks)', async () => {
      expect((await planCall({ metadata, resolveInboundAgent: resolver })).sessionId).toBeNull();
    });

    it('uses the assignment greeting override', async () => {
      const plan = await planCall({ metadata, resolveInboundAgent: async () => ({ id: 'a', name: 'n', system_prompt: 'p', voice, greeting: 'Welcome to {{company}}!', context: { company: 'Acme' } }) });
      expect(plan.greeting).toBe('Welcome to Acme!');
      expect(plan.voice.greeting).toBe('Welcome to {{company}}!');
    });

    it('refuses a number with no agent', async () => {
      await expect(planCall({ metadata, resolveInboundAgent: async () => null })).rejects.toThrow(/no agent is assigned to phone ph_1/);
      await expect(planCall({ metadata })).rejects.toThrow(/no agent resolver/);
    });
  });
});
