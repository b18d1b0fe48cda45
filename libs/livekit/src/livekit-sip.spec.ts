import { FakeLiveKit, twirpError } from '@callplane/testing';
import { LiveKitError, LiveKitSip } from './livekit-sip';

const apiKey = 'APIlivekitsip';
const apiSecret = 'livekit-sip-spec-secret-0123456789abcdef';
const metadata = { phoneNumberId: 'pn_1', tenantId: 'tn_1' };

describe('LiveKitSip against FakeLiveKit', () => {
  let fake: FakeLiveKit;
  let sip: LiveKitSip;

  beforeEach(async () => {
    fake = new FakeLiveKit({ apiKey, apiSecret });
    await fake.start();
    sip = new LiveKitSip({ url: fake.url, apiKey, apiSecret });
  });
  afterEach(() => fake.stop());

  const rpcs = () => fake.requests.map((r) => r.rpc);

  it('createInbound: one trunk for the number and one individual rule on it dispatching the agent with the metadata', async () => {
    const ids = await sip.createInbound({
      number: '+14155550100',
      name: 'pn_1 inbound',
      metadata,
      auth: { username: 'carrier', password: 'sip-pass-1' },
      allowedAddresses: ['54.172.60.0/30'],
    });

    expect(fake.inboundTrunks).toHaveLength(1);
    expect(fake.inboundTrunks[0]).toMatchObject({
      sipTrunkId: ids.trunkId,
      numbers: ['+14155550100'],
      authUsername: 'carrier',
      authPassword: 'sip-pass-1',
      allowedAddresses: ['54.172.60.0/30'],
      // The session header our webhooks add becomes an attribute the agent and the webhook handler read.
      headersToAttributes: { 'X-Callplane-Session': 'callplane.session_id' },
    });
    expect(fake.dispatchRules).toHaveLength(1);
    const rule = fake.dispatchRules[0]!;
    expect(rule.sipDispatchRuleId).toBe(ids.dispatchRuleId);
    expect(rule.trunkIds).toEqual([ids.trunkId]);
    expect(rule.rule).toEqual({ dispatchRuleIndividual: { roomPrefix: 'call-' } });

    const [req] = fake.requestsTo('SIP', 'CreateSIPDispatchRule');
    const agents = (req!.body as { roomConfig: { agents: { agentName: string; metadata: string }[] } }).roomConfig.agents;
    expect(agents).toHaveLength(1);
    expect(agents[0]!.agentName).toBe('voice-agent');
    expect(JSON.parse(agents[0]!.metadata)).toEqual(metadata);
    expect(rpcs()).toEqual(['CreateSIPInboundTrunk', 'CreateSIPDispatchRule']);
  });

  it('createInbound dispatches a configured agent name', async () => {
    const custom = new LiveKitSip({ url: fake.url, apiKey, apiSecret }, { agentName: 'agent-eu' });
    await custom.createInbound({ number: '+14155550101', name: 'n', metadata });
    const [req] = fake.requestsTo('SIP', 'CreateSIPDispatchRule');
    expect((req!.body as { roomConfig: { agents: { agentName: string }[] } }).roomConfig.agents[0]!.agentName).toBe('agent-eu');
  });

  it('createInbound deletes the new trunk when the dispatch rule fails, and reports a retryable error', async () => {
    fake.failNext({ path: /CreateSIPDispatchRule/ }, twirpError('internal', 'database down'));

    const err = await sip.createInbound({ number: '+14155550100', name: 'n', metadata }).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(LiveKitError);
    expect(err).toMatchObject({ retryable: true, status: 500 });
    expect(fake.inboundTrunks).toEqual([]);
    expect(fake.dispatchRules).toEqual([]);
    const [deleted] = fake.requestsTo('SIP', 'DeleteSIPTrunk');
    expect(deleted!.body).toEqual({ sipTrunkId: expect.stringMatching(/^ST_/) });
    expect(rpcs()).toEqual(['CreateSIPInboundTrunk', 'CreateSIPDispatchRule', 'DeleteSIPTrunk']);
  });

  it('createOutbound: a trunk to the carrier address with credentials and transport', async () => {
    const { trunkId } = await sip.createOutbound({
      number: '+14155550100',
      name: 'pn_1 outbound',
      address: 'acme.pstn.twilio.com',
      auth: { username: 'lk-out', password: 'out-pass' },
      transport: 'tcp',
    });

    expect(fake.outboundTrunks).toEqual([
      expect.objectContaining({
        sipTrunkId: trunkId,
        address: 'acme.pstn.twilio.com',
        numbers: ['+14155550100'],
        authUsername: 'lk-out',
        authPassword: 'out-pass',
        transport: 'SIP_TRANSPORT_TCP',
      }),
    ]);
    expect(fake.inboundTrunks).toEqual([]);
  });

  it('remove deletes the dispatch rule before the trunks', async () => {
    const inbound = await sip.createInbound({ number: '+14155550100', name: 'n', metadata });
    const outbound = await sip.createOutbound({ number: '+14155550100', name: 'n', address: 'sip.example.com' });

    await sip.remove({ dispatchRuleId: inbound.dispatchRuleId, inboundTrunkId: inbound.trunkId, outboundTrunkId: outbound.trunkId });

    expect(fake.dispatchRules).toEqual([]);
    expect(fake.inboundTrunks).toEqual([]);
    expect(fake.outboundTrunks).toEqual([]);
    const deletes = fake.requests.filter((r) => r.rpc.startsWith('Delete')).map((r) => [r.rpc, r.body]);
    expect(deletes).toEqual([
      ['DeleteSIPDispatchRule', { sipDispatchRuleId: inbound.dispatchRuleId }],
      ['DeleteSIPTrunk', { sipTrunkId: inbound.trunkId }],
      ['DeleteSIPTrunk', { sipTrunkId: outbound.trunkId }],
    ]);
  });

  it('remove treats ids that are already gone as removed and still deletes the rest', async () => {
    const outbound = await sip.createOutbound({ number: '+14155550100', name: 'n', address: 'sip.example.com' });

    await expect(
      sip.remove({ dispatchRuleId: 'SDR_gone', inboundTrunkId: 'ST_gone', outboundTrunkId: outbound.trunkId }),
    ).resolves.toBeUndefined();

    expect(fake.outboundTrunks).toEqual([]);
    expect(rpcs().slice(-3)).toEqual(['DeleteSIPDispatchRule', 'DeleteSIPTrunk', 'DeleteSIPTrunk']);
  });

  it('remove surfaces failures other than not-found', async () => {
    const outbound = await sip.createOutbound({ number: '+14155550100', name: 'n', address: 'sip.example.com' });
    fake.failNext({ path: /DeleteSIPTrunk/ }, twirpError('unavailable', 'try later'));

    await expect(sip.remove({ outboundTrunkId: outbound.trunkId })).rejects.toMatchObject({ retryable: true, status: 503 });
    expect(fake.outboundTrunks).toHaveLength(1);
  });

  it('a wrong API secret is a non-retryable error that does not leak secrets', async () => {
    const wrong = new LiveKitSip({ url: fake.url, apiKey, apiSecret: 'not-the-right-secret-0123456789abcdef' });

    const err = await wrong
      .createOutbound({ number: '+14155550100', name: 'n', address: 'sip.example.com', auth: { username: 'u', password: 'out-pass' } })
      .catch((e: unknown) => e);

    expect(err).toBeInstanceOf(LiveKitError);
    expect(err).toMatchObject({ retryable: false, status: 401, code: 'unauthenticated' });
    expect((err as Error).message).not.toContain('not-the-right-secret');
    expect((err as Error).message).not.toContain('out-pass');
    expect(fake.outboundTrunks).toEqual([]);
  });

  it('a request that times out is retryable', async () => {
    const impatient = new LiveKitSip({ url: fake.url, apiKey, apiSecret }, { requestTimeoutSeconds: 0.2 });
    fake.failNext({ path: /CreateSIPOutboundTrunk/ }, 'timeout');

    const err = await impatient.createOutbound({ number: '+14155550100', name: 'n', address: 'sip.example.com' }).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(LiveKitError);
    expect(err).toMatchObject({ retryable: true, status: undefined });
  });

  it('an unreachable server is retryable', async () => {
    await fake.stop();
    const err = await sip.createOutbound({ number: '+14155550100', name: 'n', address: 'sip.example.com' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'LiveKitError', retryable: true });
  });
});
