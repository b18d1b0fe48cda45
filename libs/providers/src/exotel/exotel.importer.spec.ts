import { LiveKitSip } from '@callplane/livekit';
import { basicAuth, FakeExotel, FakeLiveKit, type RecordedRequest } from '@callplane/testing';
import type { ImportContext, StepRecord } from '../import/import-plan';
import { ImportStepFailed, runImport, undoSteps } from '../import/import-runner';
import { ProviderError } from '../provider-adapter';
import type { ExotelCredentials } from './exotel.adapter';
import { createExotelImporter, trunkNameFor, type ExotelImporterOptions } from './exotel.importer';

const SID = 'acme1';
const TOKEN = 'exotel-token-very-secret';
const creds: ExotelCredentials = { api_key: 'key-acme', api_token: TOKEN, account_sid: SID };
const NUMBER = '+919513886363';
const PHONE_ID = 'pn_0123456789abcdefghij';
const PREVIOUS_VOICE_URL = 'http://my.exotel.com/acme1/exoml/start_voice/926';
const OUR_VOICE_URL = `https://api.callplane.test/exotel/incoming/${PHONE_ID}`;
const LK = { apiKey: 'APIexotelimport', apiSecret: 'exotel-importer-spec-secret-0123456789' };
const LIVEKIT_IPS = ['198.51.100.10', '198.51.100.11'];

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
}

describe('Exotel importer against FakeExotel and FakeLiveKit', () => {
  let exotel: FakeExotel;
  let livekit: FakeLiveKit;
  let ctx: ImportContext;

  beforeEach(async () => {
    exotel = new FakeExotel({
      accounts: [
        {
          sid: SID,
          apiKey: 'key-acme',
          apiToken: TOKEN,
          exophones: [
            { sid: 'exo-support', phoneNumber: '08047091234' },
            { sid: 'exo-sales', phoneNumber: '09513886363', voiceUrl: PREVIOUS_VOICE_URL },
          ],
        },
      ],
    });
    livekit = new FakeLiveKit(LK);
    await Promise.all([exotel.start(), livekit.start()]);
    ctx = {
      phoneId: PHONE_ID,
      tenantId: 'ten_1',
      number: NUMBER,
      preflight: { providerNumberId: 'exo-sales', stickyBinding: false },
      publicBaseUrl: 'https://api.callplane.test',
      livekitSipHost: 'sip.livekit.test:5060',
      sipAuth: { username: 'cp_user', password: 'sip-pass-generated' },
      livekit: new LiveKitSip({ url: livekit.url, ...LK }),
      label: `callplane-${PHONE_ID}`,
    };
  });
  afterEach(() => Promise.all([exotel.stop(), livekit.stop()]));

  const importer = (o: Omit<ExotelImporterOptions, 'apiBaseUrl'> = {}) => createExotelImporter({ apiBaseUrl: exotel.url, timeoutMs: 10_000, ...o }); // roomy: the timeout test passes its own
  const trunkOf = () => exotel.trunks(SID);
  /** `METHOD path[?query]` with the trunk sid written `{tsid}`, so sequences read like the docs. */
  const line = (r: RecordedRequest) => {
    const q = new URLSearchParams(r.query).toString();
    // FakeExotel's trunk sids look like Exotel's (`trmum…n`).
    return `${r.method} ${r.path}${q ? `?${q}` : ''}`.replace(/trmum[0-9a-f]+n/g, '{tsid}');
  };
  const noSecretsIn = (value: unknown) => {
    const text = JSON.stringify(value);
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(ctx.sipAuth.password);
  };

  /** Runs the import, noting which Exotel requests and LiveKit RPCs each journaled step made. */
  async function importWithTimeline(opts: Omit<ExotelImporterOptions, 'apiBaseUrl'> = {}) {
    const plan = importer(opts).plan(creds, ctx);
    const timeline: Array<{ step: string; exotel: RecordedRequest[]; livekit: string[] }> = [];
    const journal: StepRecord[][] = [];
    let seenExotel = 0;
    let seenLiveKit = 0;
    const run = await runImport(plan, async (records) => {
      journal.push(records);
      timeline.push({ step: records.at(-1)!.name, exotel: exotel.requests.slice(seenExotel), livekit: livekit.requests.slice(seenLiveKit).map((r) => r.rpc) });
      seenExotel = exotel.requests.length;
      seenLiveKit = livekit.requests.length;
    });
    return { plan, run, timeline, journal };
  }

  it('imports: exact Exotel requests and LiveKit RPCs per step, readable back from both fakes, no secret journaled', async () => {
    const { run, timeline, journal, plan } = await importWithTimeline({ livekitSipAddresses: LIVEKIT_IPS });
    const tsid = trunkOf()[0]!.trunkSid;

    expect(run.skipped).toEqual([]);
    expect(timeline.map((t) => ({ step: t.step, exotel: t.exotel.map(line), livekit: t.livekit }))).toEqual([
      { step: 'exotel.trunk', exotel: ['POST /v2/accounts/acme1/trunks'], livekit: [] },
      { step: 'exotel.trunk_number', exotel: ['POST /v2/accounts/acme1/trunks/{tsid}/phone-numbers'], livekit: [] },
      { step: 'exotel.destination_uri', exotel: ['POST /v2/accounts/acme1/trunks/{tsid}/destination-uris'], livekit: [] },
      { step: 'exotel.whitelisted_ips', exotel: ['POST /v2/accounts/acme1/trunks/{tsid}/whitelisted-ips', 'POST /v2/accounts/acme1/trunks/{tsid}/whitelisted-ips'], livekit: [] },
      { step: 'livekit.inbound', exotel: [], livekit: ['CreateSIPInboundTrunk', 'CreateSIPDispatchRule'] },
      { step: 'livekit.outbound', exotel: [], livekit: ['CreateSIPOutboundTrunk'] },
      { step: 'exotel.voice_url', exotel: ['GET /v2_beta/Accounts/acme1/IncomingPhoneNumbers/exo-sales', 'PUT /v2_beta/Accounts/acme1/IncomingPhoneNumbers/exo-sales'], livekit: [] },
    ]);
    const bodies = timeline.flatMap((t) => t.exotel.map((r) => r.body));
    expect(bodies).toEqual([
      { trunk_name: trunkNameFor(PHONE_ID), nso_code: 'ANY-ANY', domain_name: 'acme1.pstn.exotel.com' },
      { phone_number: NUMBER, mode: 'pstn' },
      { destinations: [{ destination: 'sip.livekit.test:5060;transport=tcp' }] },
      { ip: '198.51.100.10', mask: 32 },
      { ip: '198.51.100.11', mask: 32 },
      undefined,
      { VoiceUrl: OUR_VOICE_URL },
    ]);
    // Exotel's rule: at most 16 of [A-Za-z0-9_], taken from the phone id's random part so it is unique and stable.
    expect(trunkNameFor(PHONE_ID)).toBe('cp_0123456789abc');
    const put = timeline.at(-1)!.exotel[1]!;
    expect(put.headers['content-type']).toContain('application/x-www-form-urlencoded');
    for (const r of exotel.requests) expect(basicAuth(r)).toEqual({ user: 'key-acme', password: TOKEN });

    // Exotel state read back.
    expect(trunkOf()).toEqual([
      {
        trunkSid: tsid,
        trunkName: trunkNameFor(PHONE_ID),
        nsoCode: 'ANY-ANY',
        domainName: 'acme1.pstn.exotel.com',
        phoneNumbers: [expect.objectContaining({ phoneNumber: NUMBER, mode: 'pstn' })],
        whitelistedIps: [expect.objectContaining({ ip: '198.51.100.10', mask: 32 }), expect.objectContaining({ ip: '198.51.100.11', mask: 32 })],
        destinations: [expect.objectContaining({ destination: 'sip:sip.livekit.test:5060;transport=tcp' })],
      },
    ]);
    expect(exotel.exophone(SID, 'exo-sales')?.voiceUrl).toBe(OUR_VOICE_URL);
    expect(exotel.exophone(SID, 'exo-support')?.voiceUrl).toBeNull();

    // LiveKit state read back: the outbound trunk dials the Exotel trunk's domain over TCP.
    expect(livekit.inboundTrunks).toEqual([expect.objectContaining({ numbers: [NUMBER] })]);
    expect(livekit.dispatchRules).toHaveLength(1);
    expect(livekit.outboundTrunks).toEqual([expect.objectContaining({ address: 'acme1.pstn.exotel.com', numbers: [NUMBER], transport: 'SIP_TRANSPORT_TCP' })]);

    // Outputs are ids only.
    const outputs = Object.fromEntries(run.records.map((r) => [r.name, r.output]));
    expect(outputs).toEqual({
      'exotel.trunk': { trunk_sid: tsid, domain_name: 'acme1.pstn.exotel.com' },
      'exotel.trunk_number': { phone_number_id: trunkOf()[0]!.phoneNumbers[0]!.id },
      'exotel.destination_uri': { destination_uri_ids: trunkOf()[0]!.destinations[0]!.id },
      'exotel.whitelisted_ips': { whitelisted_ip_ids: trunkOf()[0]!.whitelistedIps.map((w) => w.id).join(',') },
      'livekit.inbound': { trunk_id: livekit.inboundTrunks[0]!.sipTrunkId, dispatch_rule_id: livekit.dispatchRules[0]!.sipDispatchRuleId },
      'livekit.outbound': { trunk_id: livekit.outboundTrunks[0]!.sipTrunkId },
      'exotel.voice_url': { exophone_sid: 'exo-sales', previous_voice_url: PREVIOUS_VOICE_URL },
    });
    noSecretsIn(journal);
    expect(plan.inbound.automatic).toBe(true);
  });

  it('the manual steps name the Passthru applet, our exact URL and the ExoPhone', () => {
    const { inbound } = importer().plan(creds, ctx);
    expect(inbound.manualSteps).toContain('Passthru applet (not the Voicebot applet)');
    expect(inbound.manualSteps).toContain(`with the URL ${OUR_VOICE_URL},`);
    expect(inbound.manualSteps).toContain(`ExoPhone ${NUMBER} (09513886363 in the Exotel dashboard)`);
    expect(inbound.manualSteps).toContain("Exotel's App Bazaar");
  });

  it('whitelists nothing when no LiveKit addresses are configured', async () => {
    const { run } = await importWithTimeline();
    expect(exotel.requestsTo('POST', /whitelisted-ips$/)).toEqual([]);
    expect(trunkOf()[0]!.whitelistedIps).toEqual([]);
    expect(run.records.find((r) => r.name === 'exotel.whitelisted_ips')?.output).toEqual({ whitelisted_ip_ids: '' });
    // Everything else was still set up.
    expect(trunkOf()[0]!.destinations).toHaveLength(1);
    expect(exotel.exophone(SID, 'exo-sales')?.voiceUrl).toBe(OUR_VOICE_URL);
  });

  it('a refused VoiceUrl update skips exotel.voice_url; configureInbound sets it once Exotel accepts, and repeating it is harmless', async () => {
    exotel.failVoiceUrlUpdate(403);
    const { run } = await importWithTimeline();

    expect(run.skipped.map((s) => s.name)).toEqual(['exotel.voice_url']);
    expect(run.skipped[0]!.error).toBeInstanceOf(ProviderError);
    expect(run.records.map((r) => r.name)).not.toContain('exotel.voice_url');
    expect(exotel.exophone(SID, 'exo-sales')?.voiceUrl).toBe(PREVIOUS_VOICE_URL);
    // The rest of the import stands.
    expect(trunkOf()).toHaveLength(1);
    expect(livekit.outboundTrunks).toHaveLength(1);

    const im = importer();
    await im.configureInbound!(creds, ctx);
    expect(exotel.exophone(SID, 'exo-sales')?.voiceUrl).toBe(OUR_VOICE_URL);
    await im.configureInbound!(creds, ctx);
    expect(exotel.exophone(SID, 'exo-sales')?.voiceUrl).toBe(OUR_VOICE_URL);
    const puts = exotel.requestsTo('PUT', /IncomingPhoneNumbers\/exo-sales$/);
    expect(puts.map((r) => r.body)).toEqual([{ VoiceUrl: OUR_VOICE_URL }, { VoiceUrl: OUR_VOICE_URL }, { VoiceUrl: OUR_VOICE_URL }]);
  });

  it('configureInbound reports a refusal as a ProviderError without the token', async () => {
    exotel.failVoiceUrlUpdate(403);
    const err = await rejection(importer().configureInbound!(creds, ctx));
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).code).toBe('invalid_credentials');
    expect((err as ProviderError).opts.providerStatus).toBe(403);
    exotel.failVoiceUrlUpdate(400);
    const bad = (await rejection(importer().configureInbound!(creds, ctx))) as ProviderError;
    expect(bad.code).toBe('provider_rejected');
    expect(bad.message).toContain('Invalid VoiceUrl');
    noSecretsIn([err, bad, (err as Error).message, bad.message]);
  });

  it('teardown undoes in exact reverse order, leaves nothing behind and restores the previous VoiceUrl', async () => {
    const { plan, run } = await importWithTimeline({ livekitSipAddresses: LIVEKIT_IPS });
    const before = { exotel: exotel.requests.length, livekit: livekit.requests.length };
    const journal: string[][] = [];

    const undone = await undoSteps(plan, run.records, async (r) => void journal.push(r.map((x) => x.name)));

    expect(undone).toEqual({ remaining: [] });
    expect(journal.map((j) => j.at(-1))).toEqual([
      'livekit.outbound',
      'livekit.inbound',
      'exotel.whitelisted_ips',
      'exotel.destination_uri',
      'exotel.trunk_number',
      'exotel.trunk',
      undefined,
    ]);
    expect(exotel.requests.at(-1)!.query).toEqual({ trunk_sid: run.records[0]!.output.trunk_sid });
    expect(exotel.requests.slice(before.exotel).map(line)).toEqual([
      'GET /v2_beta/Accounts/acme1/IncomingPhoneNumbers/exo-sales',
      'PUT /v2_beta/Accounts/acme1/IncomingPhoneNumbers/exo-sales',
      'DELETE /v2/accounts/acme1/trunks?trunk_sid={tsid}',
    ]);
    expect(exotel.requests.at(-2)!.body).toEqual({ VoiceUrl: PREVIOUS_VOICE_URL });
    expect(livekit.requests.slice(before.livekit).map((r) => r.rpc)).toEqual(['DeleteSIPTrunk', 'DeleteSIPDispatchRule', 'DeleteSIPTrunk']);

    expect(trunkOf()).toEqual([]);
    expect(livekit.inboundTrunks).toEqual([]);
    expect(livekit.outboundTrunks).toEqual([]);
    expect(livekit.dispatchRules).toEqual([]);
    expect(exotel.exophone(SID, 'exo-sales')?.voiceUrl).toBe(PREVIOUS_VOICE_URL);

    // Undoing again (a retried delete) finds everything gone and still succeeds.
    await expect(undoSteps(plan, run.records, async () => undefined)).resolves.toEqual({ remaining: [] });
  });

  it('teardown keeps a VoiceUrl the customer changed after the import', async () => {
    const { plan, run } = await importWithTimeline();
    const customerUrl = 'http://my.exotel.com/acme1/exoml/start_voice/777';
    await customerSetsVoiceUrl(customerUrl);

    await expect(undoSteps(plan, run.records, async () => undefined)).resolves.toEqual({ remaining: [] });
    expect(exotel.exophone(SID, 'exo-sales')?.voiceUrl).toBe(customerUrl);
    expect(exotel.requestsTo('PUT', /IncomingPhoneNumbers\/exo-sales$/).map((r) => r.body)).toEqual([{ VoiceUrl: OUR_VOICE_URL }, { VoiceUrl: customerUrl }]);
  });

  /** What the customer would do in the dashboard, through the same API. */
  async function customerSetsVoiceUrl(voiceUrl: string) {
    await fetch(`${exotel.url}/v2_beta/Accounts/${SID}/IncomingPhoneNumbers/exo-sales`, {
      method: 'PUT',
      headers: { authorization: `Basic ${Buffer.from(`key-acme:${TOKEN}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ VoiceUrl: voiceUrl }).toString(),
    });
  }

  it('a 500 at the destination URI fails with the earlier records, and undoing them leaves nothing', async () => {
    exotel.failNext({ method: 'POST', path: /\/destination-uris$/ }, { status: 500, body: { error: 'boom' } });
    const plan = importer({ livekitSipAddresses: LIVEKIT_IPS }).plan(creds, ctx);

    const err = await rejection(runImport(plan, async () => undefined));

    expect(err).toBeInstanceOf(ImportStepFailed);
    const failed = err as ImportStepFailed;
    expect(failed.step).toBe('exotel.destination_uri');
    expect(failed.cause).toMatchObject({ code: 'provider_unavailable', retryable: true });
    expect(failed.records.map((r) => r.name)).toEqual(['exotel.trunk', 'exotel.trunk_number']);
    expect(livekit.requests).toEqual([]);
    expect(exotel.requestsTo('PUT', /IncomingPhoneNumbers/)).toEqual([]);
    noSecretsIn([failed.message, failed.records]);

    await expect(undoSteps(plan, failed.records, async () => undefined)).resolves.toEqual({ remaining: [] });
    expect(trunkOf()).toEqual([]);
    expect(exotel.exophone(SID, 'exo-sales')?.voiceUrl).toBe(PREVIOUS_VOICE_URL);
  });

  it('a failure inside a 200 envelope (the number already on the trunk) fails the step as provider_rejected', async () => {
    const plan = importer().plan(creds, ctx);
    const { records } = await runImport({ ...plan, steps: plan.steps.slice(0, 2) }, async () => undefined);
    const mapAgain = plan.steps[1]!;

    const err = await rejection(mapAgain.run(Object.fromEntries(records.map((r) => [r.name, r.output]))));

    expect(err).toMatchObject({ code: 'provider_rejected', opts: { providerStatus: 409 } });
    expect((err as Error).message).toContain('DidTrunkMapping');
    expect(trunkOf()[0]!.phoneNumbers).toHaveLength(1);
  });

  it('a rerun after the trunk was created but not journaled adopts that trunk instead of failing on the name', async () => {
    const plan = importer().plan(creds, ctx);
    const first = await plan.steps[0]!.run({});
    const again = await plan.steps[0]!.run({});
    expect(again).toEqual(first);
    expect(trunkOf()).toHaveLength(1);
    expect(exotel.requests.map(line)).toEqual(['POST /v2/accounts/acme1/trunks', 'POST /v2/accounts/acme1/trunks', 'GET /v2/accounts/acme1/trunks']);
  });

  describe('preflight', () => {
    it('finds the ExoPhone by its E.164 number and returns its sid', async () => {
      await expect(importer().preflight(creds, NUMBER)).resolves.toEqual({ providerNumberId: 'exo-sales', stickyBinding: false });
      expect(exotel.requests.map(line)).toEqual(['GET /v2_beta/Accounts/acme1/IncomingPhoneNumbers']);
    });

    it('refuses a number that is not on the account as provider_rejected, naming it', async () => {
      const err = (await rejection(importer().preflight(creds, '+919000000001'))) as ProviderError;
      expect(err).toBeInstanceOf(ProviderError);
      expect(err.code).toBe('provider_rejected');
      expect(err.message).toContain('+919000000001 is not an ExoPhone on Exotel account acme1');
      expect(trunkOf()).toEqual([]);
    });

    it('maps wrong credentials to invalid_credentials without the token', async () => {
      const wrong = { ...creds, api_token: 'wrong-token-secret-xyz' };
      const err = (await rejection(importer().preflight(wrong, NUMBER))) as ProviderError;
      expect(err.code).toBe('invalid_credentials');
      expect(err.message).not.toContain('wrong-token-secret-xyz');
      expect(JSON.stringify(err)).not.toContain('wrong-token-secret-xyz');
    });

    it('maps a 5xx and a timeout to retryable provider_unavailable without the token', async () => {
      exotel.failNext({ method: 'GET', path: /IncomingPhoneNumbers$/ }, { status: 503, body: { RestException: { Status: 503, Message: 'down' } } });
      const err = (await rejection(importer().preflight(creds, NUMBER))) as ProviderError;
      expect(err).toMatchObject({ code: 'provider_unavailable', retryable: true, opts: { providerStatus: 503 } });
      exotel.failNext({ method: 'GET', path: /IncomingPhoneNumbers$/ }, 'timeout');
      const slow = (await rejection(importer({ timeoutMs: 200 }).preflight(creds, NUMBER))) as ProviderError;
      expect(slow).toMatchObject({ code: 'provider_unavailable', retryable: true });
      noSecretsIn([err.message, slow.message, err, slow]);
    });
  });
});
