import { LiveKitSip } from '@callplane/livekit';
import { FakeLiveKit } from '@callplane/testing';
import { ProviderError } from '../provider-adapter';
import type { ImportContext } from '../import/import-plan';
import { runImport, undoSteps } from '../import/import-runner';
import { createVobizImporter, type VobizSipCredentials } from './vobiz.importer';

const apiKey = 'APIvobizimport';
const apiSecret = 'vobiz-import-spec-secret-0123456789abcdef';
const creds: VobizSipCredentials = { sip_domain: 'abc123.sip.vobiz.ai', username: 'acme-trunk', password: 'vobiz-sip-secret-0001' };

describe('Vobiz importer (SIP trunk credentials) against FakeLiveKit', () => {
  let livekit: FakeLiveKit;
  let ctx: ImportContext;
  const importer = createVobizImporter();

  beforeEach(async () => {
    livekit = new FakeLiveKit({ apiKey, apiSecret });
    await livekit.start();
    ctx = {
      phoneId: 'pn_vobiz1',
      tenantId: 'ten_1',
      number: '+918071234567',
      preflight: { providerNumberId: '918071234567', stickyBinding: false },
      publicBaseUrl: 'https://voice.example.com',
      livekitSipHost: 'sip.example.com',
      sipAuth: { username: 'cpgen', password: 'generated-sip-secret' },
      livekit: new LiveKitSip({ url: livekit.url, apiKey, apiSecret }),
      label: 'callplane-pn_vobiz1',
    };
  });
  afterEach(() => livekit.stop());

  it('creates the LiveKit inbound trunk + dispatch rule and an outbound trunk to the Vobiz domain with the trunk credentials, then removes them', async () => {
    const plan = importer.plan(creds, ctx);
    const journal: string[] = [];
    const run = await runImport(plan, async (r) => void journal.push(JSON.stringify(r)));
    expect(livekit.requests.map((r) => r.rpc)).toEqual(['CreateSIPInboundTrunk', 'CreateSIPDispatchRule', 'CreateSIPOutboundTrunk']);
    expect(livekit.inboundTrunks[0]).toMatchObject({ numbers: ['+918071234567'] });
    expect(livekit.outboundTrunks[0]).toMatchObject({ address: 'abc123.sip.vobiz.ai', numbers: ['+918071234567'], authUsername: 'acme-trunk', authPassword: 'vobiz-sip-secret-0001' });
    expect(JSON.stringify(livekit.dispatchRules[0])).toContain('pn_vobiz1');
    expect(journal.join()).not.toContain(creds.password);
    // Inbound needs the customer's trunk to point at LiveKit: the plan says exactly how.
    expect(plan.inbound.automatic).toBe(false);
    expect(plan.inbound.manualSteps).toContain('sip:sip.example.com;transport=tcp');
    expect(plan.inbound.manualSteps).toContain('+918071234567');

    const undone = await undoSteps(plan, run.records, async () => undefined);
    expect(undone.remaining).toEqual([]);
    expect(livekit.requests.slice(3).map((r) => r.rpc)).toEqual(['DeleteSIPTrunk', 'DeleteSIPDispatchRule', 'DeleteSIPTrunk']);
    expect([livekit.inboundTrunks, livekit.outboundTrunks, livekit.dispatchRules]).toEqual([[], [], []]);
  });

  it.each([
    [{ ...creds, sip_domain: 'not a host' }, /SIP domain/],
    [{ ...creds, password: '' }, /username and password/],
  ])('preflight refuses unusable trunk credentials (case %#) without calling anything', async (bad, message) => {
    const err = await importer.preflight(bad, ctx.number).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).code).toBe('invalid_credentials');
    expect((err as ProviderError).message).toMatch(message);
    expect(livekit.requests).toHaveLength(0);
  });
});
