import { newId, outboundCallMetadataSchema, SANDBOX_NUMBERS } from '@callplane/contracts';
import { LiveKitCalls } from '@callplane/livekit';
import { FakeLiveKit } from '@callplane/testing';
import { LIVEKIT_KEYS, TestClock } from '../dialer.test-harness';
import type { DialerDeps } from './deps';
import { planDial } from './dial-plan';
import { AGENT_VOICE, seedCall, seedNumber, seedTenant, seedTrialNumber, usecaseDeps } from './usecase-deps.test-harness';

/** The dispatch's decisions, read from the database as the call is about to be placed; LiveKit is never asked. */
describe('planDial', () => {
  const livekit = new FakeLiveKit(LIVEKIT_KEYS);
  const clock = new TestClock();
  const withoutLiveKit = usecaseDeps({ clock, settings: { testCallMaxSeconds: 45 } });
  const prisma = withoutLiveKit.prisma;
  let deps: DialerDeps;
  let t: Awaited<ReturnType<typeof seedTenant>>;
  beforeAll(async () => {
    await livekit.start();
    deps = { ...withoutLiveKit, livekit: new LiveKitCalls({ url: livekit.url, ...LIVEKIT_KEYS }) };
    t = await seedTenant(prisma, 'Dial plan');
  });
  afterAll(async () => {
    await livekit.stop();
    await withoutLiveKit.db.close();
  });

  it("builds the voice agent's metadata from the agent and the call's context, and routes it on the number's trunk", async () => {
    const from = await seedNumber(prisma, t.tenantId, { provider: 'exotel', trunkId: 'ST_exotel_out' });
    const call = await seedCall(prisma, { tenantId: t.tenantId, agentId: t.agentId, fromPhoneId: from.id, fromNumber: from.number, callType: 'campaign', context: { customer_name: 'Asha' } });

    const plan = await planDial(deps, call);

    expect(plan).toEqual({
      ok: true,
      provider: 'exotel',
      route: { kind: 'livekit', livekit: deps.livekit, trunkId: 'ST_exotel_out' },
      metadata: {
        session_id: call.id,
        tenant_id: t.tenantId,
        direction: 'outbound',
        call_type: 'campaign',
        from_number: from.number,
        to_number: call.toNumber,
        max_duration_seconds: AGENT_VOICE.max_duration,
        agent: { id: t.agentId, name: 'Outbound agent', system_prompt: 'You call {{customer_name}} about their order.', voice: AGENT_VOICE },
        context: { customer_name: 'Asha' },
      },
    });
    // The voice agent reads back exactly what was planned.
    const metadata = plan.ok ? plan.metadata : null;
    expect(outboundCallMetadataSchema.parse(JSON.parse(JSON.stringify(metadata)))).toEqual(metadata);
    expect(livekit.requests).toEqual([]);
  });

  it('an agent without a max_duration gets 600 s; a studio test call gets the test-call maximum instead', async () => {
    const agentId = newId('agent');
    const { max_duration: _max, ...voice } = AGENT_VOICE;
    await prisma.agent.create({ data: { id: agentId, tenantId: t.tenantId, name: 'Old agent', systemPrompt: 'p', voice } });
    const from = await seedNumber(prisma, t.tenantId, { trunkId: 'ST_out' });
    const call = await seedCall(prisma, { tenantId: t.tenantId, agentId, fromPhoneId: from.id, fromNumber: from.number });
    expect(await planDial(deps, call)).toMatchObject({ ok: true, metadata: { max_duration_seconds: 600, context: {} } });

    const trial = await seedTrialNumber(prisma, 'plivo', { trunkId: 'ST_trial_us' });
    const test = await seedCall(prisma, { tenantId: t.tenantId, agentId: t.agentId, trialNumberId: trial.id, fromNumber: trial.number, callType: 'studio_test' });
    expect(await planDial(deps, test)).toMatchObject({ ok: true, metadata: { max_duration_seconds: 45, call_type: 'studio_test' } });
  });

  it("a studio test call takes the trial number's provider and trunk", async () => {
    const trial = await seedTrialNumber(prisma, 'vobiz', { trunkId: 'ST_trial_in' });
    const call = await seedCall(prisma, { tenantId: t.tenantId, agentId: t.agentId, trialNumberId: trial.id, fromNumber: trial.number, toNumber: '+919876543210', callType: 'studio_test' });
    expect(await planDial(deps, call)).toMatchObject({ ok: true, provider: 'vobiz', route: { kind: 'livekit', trunkId: 'ST_trial_in' }, metadata: { from_number: trial.number } });
  });

  it('a number that lost outbound calling, or is not active, is refused with from_number_not_outbound', async () => {
    for (const over of [{ outboundEnabled: false }, { state: 'needs_attention' }]) {
      const from = await seedNumber(prisma, t.tenantId, { provider: 'plivo', trunkId: 'ST_out', ...over });
      const call = await seedCall(prisma, { tenantId: t.tenantId, agentId: t.agentId, fromPhoneId: from.id, fromNumber: from.number, callType: 'scheduled' });
      expect(await planDial(deps, call)).toEqual({ ok: false, provider: 'plivo', error: 'from_number_not_outbound' });
    }
  });

  it('with LiveKit, a number or trial number without an outbound trunk is refused with no_outbound_trunk', async () => {
    const from = await seedNumber(prisma, t.tenantId, { provider: 'twilio' });
    const call = await seedCall(prisma, { tenantId: t.tenantId, agentId: t.agentId, fromPhoneId: from.id, fromNumber: from.number });
    expect(await planDial(deps, call)).toEqual({ ok: false, provider: 'twilio', error: 'no_outbound_trunk' });

    const trial = await seedTrialNumber(prisma, 'vobiz');
    const test = await seedCall(prisma, { tenantId: t.tenantId, agentId: t.agentId, trialNumberId: trial.id, fromNumber: trial.number, callType: 'studio_test' });
    expect(await planDial(deps, test)).toEqual({ ok: false, provider: 'vobiz', error: 'no_outbound_trunk' });
  });

  it("without LiveKit, only the sandbox carrier's numbers can be called", async () => {
    const from = await seedNumber(prisma, t.tenantId, { provider: 'sip' });
    const sandbox = await seedCall(prisma, { tenantId: t.tenantId, agentId: t.agentId, fromPhoneId: from.id, fromNumber: from.number, toNumber: SANDBOX_NUMBERS.answers });
    expect(await planDial(withoutLiveKit, sandbox)).toMatchObject({ ok: true, provider: 'sip', route: { kind: 'sandbox' }, metadata: { to_number: SANDBOX_NUMBERS.answers } });

    const real = await seedCall(prisma, { tenantId: t.tenantId, agentId: t.agentId, fromPhoneId: from.id, fromNumber: from.number });
    expect(await planDial(withoutLiveKit, real)).toEqual({ ok: false, provider: 'sip', error: 'livekit_not_configured' });
  });

  it('an agent deleted since the call was recorded is refused with agent_not_found', async () => {
    const from = await seedNumber(prisma, t.tenantId, { trunkId: 'ST_out' });
    const call = await seedCall(prisma, { tenantId: t.tenantId, agentId: newId('agent'), fromPhoneId: from.id, fromNumber: from.number });
    expect(await planDial(deps, call)).toEqual({ ok: false, provider: 'twilio', error: 'agent_not_found' });
  });

  it("a destination on the tenant's do-not-call list is refused with do_not_call, whatever placed the call; another tenant's list does not count", async () => {
    const from = await seedNumber(prisma, t.tenantId, { provider: 'plivo', trunkId: 'ST_out' });
    const other = await seedTenant(prisma, 'Other list');
    for (const callType of ['scheduled', 'campaign', 'production']) {
      const call = await seedCall(prisma, { tenantId: t.tenantId, agentId: t.agentId, fromPhoneId: from.id, fromNumber: from.number, callType });
      await prisma.doNotCallNumber.create({ data: { tenantId: other.tenantId, number: call.toNumber } });
      expect(await planDial(deps, call)).toMatchObject({ ok: true });
      await prisma.doNotCallNumber.create({ data: { tenantId: t.tenantId, number: call.toNumber } });
      expect(await planDial(deps, call)).toEqual({ ok: false, provider: 'plivo', error: 'do_not_call' });
    }
    const trial = await seedTrialNumber(prisma, 'vobiz', { trunkId: 'ST_trial_in' });
    const test = await seedCall(prisma, { tenantId: t.tenantId, agentId: t.agentId, trialNumberId: trial.id, fromNumber: trial.number, toNumber: '+919876500001', callType: 'studio_test' });
    await prisma.doNotCallNumber.create({ data: { tenantId: t.tenantId, number: test.toNumber } });
    expect(await planDial(deps, test)).toEqual({ ok: false, provider: 'vobiz', error: 'do_not_call' });
    expect(livekit.requests).toEqual([]);
  });
});
