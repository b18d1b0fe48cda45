import { LiveKitSip } from '@callplane/livekit';
import { FakeLiveKit, FakeTwilio, twilioError, type RecordedRequest } from '@callplane/testing';
import type { ImportContext, PreflightResult, StepRecord } from '../import/import-plan';
import { ImportStepFailed, runImport, undoSteps } from '../import/import-runner';
import { ProviderError } from '../provider-adapter';
import { createTwilioImporter, twilioTrunkDomain } from './twilio.importer';

const AC = 'AC' + 'a'.repeat(32);
const TOKEN = 'twilio-token-' + 'b'.repeat(19);
const creds = { account_sid: AC, auth_token: TOKEN };
const PN = 'PN' + '1'.repeat(32);
const NUMBER = '+14155550100';
const PREVIOUS_VOICE_URL = 'https://demo.twilio.com/welcome/voice/';
const PHONE_ID = 'pn_0a1b2c3d4e5f6g7h8i9j';
const BASE = 'https://hooks.callplane.test';
const LK_SIP_HOST = 'abc123.sip.livekit.cloud';
const sipAuth = { username: 'cp_0a1b2c3d4e5f', password: 'SipPassw0rd-' + 'p'.repeat(20) };
const lkKey = 'APItwilioimport';
const lkSecret = 'twilio-importer-spec-secret-0123456789';
const A = `/2010-04-01/Accounts/${AC}`;
const STEP_NAMES = [
  'twilio.credential_list',
  'twilio.credential',
  'twilio.trunk',
  'twilio.trunk_credential_list',
  'twilio.origination_url',
  'livekit.inbound',
  'livekit.outbound',
  'twilio.voice_url',
];

/** Resolves to the ProviderError a call threw; fails the test when it resolved instead. */
async function providerErrorOf(p: Promise<unknown>): Promise<ProviderError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProviderError);
  return err as ProviderError;
}

const byName = (records: StepRecord[]) => Object.fromEntries(records.map((r) => [r.name, r.output]));

describe('Twilio importer: real twilio SDK against FakeTwilio, real LiveKitSip against FakeLiveKit', () => {
  let tw: FakeTwilio;
  let lk: FakeLiveKit;

  beforeEach(async () => {
    tw = new FakeTwilio({ accounts: [{ sid: AC, authToken: TOKEN, numbers: [{ sid: PN, phoneNumber: NUMBER, friendlyName: 'Main line', voiceUrl: PREVIOUS_VOICE_URL }] }] });
    lk = new FakeLiveKit({ apiKey: lkKey, apiSecret: lkSecret });
    await Promise.all([tw.start(), lk.start()]);
  });
  afterEach(() => Promise.all([tw.stop(), lk.stop()]));

  const importer = (o: { timeoutMs?: number } = {}) => createTwilioImporter({ apiBaseUrl: tw.url, ...o });
  const ctxFor = (preflight: PreflightResult): ImportContext => ({
    phoneId: PHONE_ID,
    tenantId: 'ten_0123456789abcdefghij',
    number: NUMBER,
    preflight,
    publicBaseUrl: BASE,
    livekitSipHost: LK_SIP_HOST,
    sipAuth,
    livekit: new LiveKitSip({ url: lk.url, apiKey: lkKey, apiSecret: lkSecret }),
    label: `callplane-${PHONE_ID}`,
  });
  const planFor = () => importer().plan(creds, ctxFor({ providerNumberId: PN }));
  const sent = (from: number) => tw.requests.slice(from).map((r: RecordedRequest) => ({ method: r.method, path: r.path, body: r.body }));
  const noJournal = async () => undefined;

  /** Asserts the fakes hold nothing the import created and the number routes as before. */
  const expectNothingLeft = () => {
    expect(tw.credentialLists.size).toBe(0);
    expect(tw.trunks.size).toBe(0);
    expect(lk.inboundTrunks).toEqual([]);
    expect(lk.outboundTrunks).toEqual([]);
    expect(lk.dispatchRules).toEqual([]);
    expect(tw.numbers.get(PN)!.voiceUrl).toBe(PREVIOUS_VOICE_URL);
  };

  it('imports: Twilio resources in order, then LiveKit, then the voice URL last; no password in the journal', async () => {
    const journal: StepRecord[][] = [];
    const from = tw.requests.length;
    const plan = planFor();
    const run = await runImport(plan, async (r) => void journal.push(r));

    expect(plan.steps.map((s) => s.name)).toEqual(STEP_NAMES);
    expect(run.records.map((r) => r.name)).toEqual(STEP_NAMES);
    expect(run.skipped).toEqual([]);
    const out = byName(run.records);
    const CL = out['twilio.credential_list']!.sid!;
    const CR = out['twilio.credential']!.sid!;
    const TK = out['twilio.trunk']!.sid!;
    const OU = out['twilio.origination_url']!.sid!;
    const domain = `callplane-pn-0a1b2c3d4e5f6g7h8i9j.pstn.twilio.com`;
    expect(out['twilio.trunk']).toEqual({ sid: TK, domain_name: domain });

    expect(sent(from)).toEqual([
      { method: 'POST', path: `${A}/SIP/CredentialLists.json`, body: { FriendlyName: `callplane-${PHONE_ID}` } },
      { method: 'POST', path: `${A}/SIP/CredentialLists/${CL}/Credentials.json`, body: { Username: sipAuth.username, Password: sipAuth.password } },
      { method: 'POST', path: '/v1/Trunks', body: { FriendlyName: `callplane-${PHONE_ID}`, DomainName: domain } },
      { method: 'POST', path: `/v1/Trunks/${TK}/CredentialLists`, body: { CredentialListSid: CL } },
      {
        method: 'POST',
        path: `/v1/Trunks/${TK}/OriginationUrls`,
        body: { FriendlyName: 'livekit', SipUrl: `sip:${LK_SIP_HOST};transport=tcp`, Priority: '10', Weight: '10', Enabled: 'true' },
      },
      { method: 'GET', path: `${A}/IncomingPhoneNumbers/${PN}.json`, body: undefined },
      {
        method: 'POST',
        path: `${A}/IncomingPhoneNumbers/${PN}.json`,
        body: { VoiceUrl: `${BASE}/twilio/incoming/${PHONE_ID}`, VoiceMethod: 'POST', StatusCallback: `${BASE}/twilio/status/${PHONE_ID}`, StatusCallbackMethod: 'POST' },
      },
    ]);
    expect(lk.requests.map((r) => r.rpc)).toEqual(['CreateSIPInboundTrunk', 'CreateSIPDispatchRule', 'CreateSIPOutboundTrunk']);

    // State, read back from the fakes.
    expect(tw.credentialLists.get(CL)).toMatchObject({ friendlyName: `callplane-${PHONE_ID}`, credentials: [{ sid: CR, ...sipAuth }] });
    expect(tw.trunks.get(TK)).toMatchObject({
      domainName: domain,
      credentialListSids: [CL],
      originationUrls: [{ sid: OU, sipUrl: `sip:${LK_SIP_HOST};transport=tcp`, priority: 10, weight: 10, enabled: true }],
      phoneNumberSids: [],
    });
    expect(tw.numbers.get(PN)).toMatchObject({ voiceUrl: `${BASE}/twilio/incoming/${PHONE_ID}`, statusCallback: `${BASE}/twilio/status/${PHONE_ID}`, trunkSid: null });
    expect(lk.inboundTrunks).toEqual([
      expect.objectContaining({ sipTrunkId: out['livekit.inbound']!.trunk_id, numbers: [NUMBER], authUsername: sipAuth.username, authPassword: sipAuth.password }),
    ]);
    expect(lk.dispatchRules).toEqual([expect.objectContaining({ sipDispatchRuleId: out['livekit.inbound']!.dispatch_rule_id })]);
    expect(lk.outboundTrunks).toEqual([
      expect.objectContaining({
        sipTrunkId: out['livekit.outbound']!.trunk_id,
        address: domain,
        numbers: [NUMBER],
        authUsername: sipAuth.username,
        authPassword: sipAuth.password,
        transport: 'SIP_TRANSPORT_TCP',
      }),
    ]);

    // What is stored in the clear: ids and the number's previous routing, never a secret.
    expect(out['twilio.voice_url']).toEqual({
      number_sid: PN,
      previous_voice_url: PREVIOUS_VOICE_URL,
      previous_voice_method: 'POST',
      previous_status_callback: '',
      previous_status_callback_method: 'POST',
      previous_voice_application_sid: '',
    });
    expect(journal.map((j) => j.length)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const stored = JSON.stringify(journal);
    expect(stored).not.toContain(sipAuth.password);
    expect(stored).not.toContain(TOKEN);
    expect(plan.inbound).toEqual({ automatic: true, manualSteps: expect.stringContaining(`${BASE}/twilio/incoming/${PHONE_ID}`) });
  });

  it('tears down newest first: voice URL restored, LiveKit removed, then every Twilio resource; nothing left', async () => {
    const plan = planFor();
    const { records } = await runImport(plan, noJournal);
    const out = byName(records);
    const [CL, CR, TK, OU] = [out['twilio.credential_list']!.sid, out['twilio.credential']!.sid, out['twilio.trunk']!.sid, out['twilio.origination_url']!.sid];
    const fromTw = tw.requests.length;
    const fromLk = lk.requests.length;
    const journal: string[][] = [];

    const undone = await undoSteps(plan, records, async (r) => void journal.push(r.map((x) => x.name)));

    expect(undone).toEqual({ remaining: [] });
    expect(sent(fromTw)).toEqual([
      { method: 'POST', path: `${A}/IncomingPhoneNumbers/${PN}.json`, body: { VoiceUrl: PREVIOUS_VOICE_URL, VoiceMethod: 'POST', StatusCallback: '', StatusCallbackMethod: 'POST' } },
      { method: 'DELETE', path: `/v1/Trunks/${TK}/OriginationUrls/${OU}`, body: undefined },
      { method: 'DELETE', path: `/v1/Trunks/${TK}/CredentialLists/${CL}`, body: undefined },
      { method: 'DELETE', path: `/v1/Trunks/${TK}`, body: undefined },
      { method: 'DELETE', path: `${A}/SIP/CredentialLists/${CL}/Credentials/${CR}.json`, body: undefined },
      { method: 'DELETE', path: `${A}/SIP/CredentialLists/${CL}.json`, body: undefined },
    ]);
    expect(lk.requests.slice(fromLk).map((r) => [r.rpc, r.body])).toEqual([
      ['DeleteSIPTrunk', { sipTrunkId: out['livekit.outbound']!.trunk_id }],
      ['DeleteSIPDispatchRule', { sipDispatchRuleId: out['livekit.inbound']!.dispatch_rule_id }],
      ['DeleteSIPTrunk', { sipTrunkId: out['livekit.inbound']!.trunk_id }],
    ]);
    expect(journal).toEqual(STEP_NAMES.slice(0, -1).map((_, i, all) => all.slice(0, all.length - i)).concat([[]]));
    expectNothingLeft();
  });

  it('takes the number off a voice application while imported and puts it back on undo', async () => {
    const AP = 'AP' + '7'.repeat(32);
    tw.numbers.get(PN)!.voiceApplicationSid = AP;
    const plan = planFor();
    const { records } = await runImport(plan, noJournal);
    const update = tw.requestsTo('POST', new RegExp(`/IncomingPhoneNumbers/${PN}\\.json$`)).at(-1)!;
    expect(update.body).toMatchObject({ VoiceApplicationSid: '', VoiceUrl: `${BASE}/twilio/incoming/${PHONE_ID}` });
    expect(tw.numbers.get(PN)!.voiceApplicationSid).toBe('');

    await undoSteps(plan, records, noJournal);
    expect(tw.numbers.get(PN)).toMatchObject({ voiceApplicationSid: AP, voiceUrl: PREVIOUS_VOICE_URL });
  });

  it('a 500 on the origination URL fails the import with the four earlier records; undoing them leaves nothing', async () => {
    tw.failNext({ method: 'POST', path: /^\/v1\/Trunks\/TK[0-9a-f]{32}\/OriginationUrls$/ }, twilioError(500, 20500, 'Internal Server Error'));
    const plan = planFor();

    const err = await runImport(plan, noJournal).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(ImportStepFailed);
    const failed = err as ImportStepFailed;
    expect(failed.step).toBe('twilio.origination_url');
    expect(failed.cause).toBeInstanceOf(ProviderError);
    expect(failed.cause).toMatchObject({ code: 'provider_unavailable', retryable: true });
    expect(failed.message).not.toContain(TOKEN);
    expect(failed.records.map((r) => r.name)).toEqual(STEP_NAMES.slice(0, 4));
    expect(lk.requests).toEqual([]);
    expect(tw.numbers.get(PN)!.voiceUrl).toBe(PREVIOUS_VOICE_URL);
    expect(tw.trunks.size).toBe(1);

    const from = tw.requests.length;
    const undone = await undoSteps(plan, failed.records, noJournal);
    expect(undone).toEqual({ remaining: [] });
    expect(sent(from).map((r) => `${r.method} ${r.path}`)).toEqual([
      expect.stringMatching(/^DELETE \/v1\/Trunks\/TK\w+\/CredentialLists\/CL\w+$/),
      expect.stringMatching(/^DELETE \/v1\/Trunks\/TK\w+$/),
      expect.stringMatching(/^DELETE \/2010-04-01\/Accounts\/AC\w+\/SIP\/CredentialLists\/CL\w+\/Credentials\/CR\w+\.json$/),
      expect.stringMatching(/^DELETE \/2010-04-01\/Accounts\/AC\w+\/SIP\/CredentialLists\/CL\w+\.json$/),
    ]);
    expectNothingLeft();
  });

  it('undo counts resources already gone (404) as removed, including a number that left the account', async () => {
    const plan = planFor();
    const { records } = await runImport(plan, noJournal);
    // Someone cleaned up by hand: trunk and credential list deleted in the Console, number released, LiveKit trunks gone.
    tw.trunks.clear();
    tw.credentialLists.clear();
    tw.numbers.delete(PN);
    lk.inboundTrunks.length = 0;
    lk.outboundTrunks.length = 0;
    lk.dispatchRules.length = 0;
    const from = tw.requests.length;

    const undone = await undoSteps(plan, records, noJournal);

    expect(undone).toEqual({ remaining: [] });
    // Every removal was attempted and every one answered 404.
    expect(sent(from).map((r) => r.method)).toEqual(['POST', 'DELETE', 'DELETE', 'DELETE', 'DELETE', 'DELETE']);
  });

  it('undo stops on a Twilio failure other than 404 and keeps the step to retry', async () => {
    const plan = planFor();
    const { records } = await runImport(plan, noJournal);
    tw.failNext({ method: 'DELETE', path: /^\/v1\/Trunks\/TK\w+$/ }, twilioError(503, 20503, 'Service Unavailable'));

    const undone = await undoSteps(plan, records, noJournal);

    expect(undone.remaining.map((r) => r.name)).toEqual(STEP_NAMES.slice(0, 3));
    expect(undone.failure).toMatchObject({ step: 'twilio.trunk', error: expect.objectContaining({ code: 'provider_unavailable' }) });
    expect(tw.trunks.size).toBe(1);
    await expect(undoSteps(plan, undone.remaining, noJournal)).resolves.toEqual({ remaining: [] });
    expectNothingLeft();
  });

  describe('preflight', () => {
    it("finds the number on the account and answers its PN sid, reading only", async () => {
      const from = tw.requests.length;
      await expect(importer().preflight(creds, NUMBER)).resolves.toEqual({ providerNumberId: PN });
      expect(sent(from).map((r) => r.method)).toEqual(['GET']);
      expect(tw.requests.at(-1)!.query.PhoneNumber).toBe(NUMBER);
    });

    it('answers provider_rejected for a number not on the account', async () => {
      const err = await providerErrorOf(importer().preflight(creds, '+14155550199'));
      expect(err).toMatchObject({ code: 'provider_rejected', retryable: false });
      expect(err.message).toMatch(/^\+14155550199 is not on this Twilio account/);
    });

    it('answers provider_rejected for a number Twilio only lists as a partial match', async () => {
      // PhoneNumber is a pattern filter at Twilio: +1415555010 also matches +14155550100.
      const err = await providerErrorOf(importer().preflight(creds, '+1415555010'));
      expect(err.code).toBe('provider_rejected');
    });

    it('answers provider_rejected, saying why, for a number without voice capability', async () => {
      tw.failNext(
        { method: 'GET', path: /\/IncomingPhoneNumbers\.json$/ },
        {
          status: 200,
          body: {
            incoming_phone_numbers: [{ sid: PN, account_sid: AC, phone_number: NUMBER, friendly_name: 'SMS only', capabilities: { voice: false, sms: true, mms: false, fax: false } }],
            page: 0,
            page_size: 50,
            next_page_uri: null,
          },
        },
      );
      const err = await providerErrorOf(importer().preflight(creds, NUMBER));
      expect(err.code).toBe('provider_rejected');
      expect(err.message).toMatch(/no voice capability/);
    });

    it('answers provider_rejected for a number routed by an Elastic SIP trunk, whose voice URL Twilio ignores', async () => {
      const TK = 'TK' + '5'.repeat(32);
      tw.numbers.get(PN)!.trunkSid = TK;
      const err = await providerErrorOf(importer().preflight(creds, NUMBER));
      expect(err.code).toBe('provider_rejected');
      expect(err.message).toContain(TK);
    });

    it('answers a wrong token with invalid_credentials, never echoing either token', async () => {
      const wrong = 'wrong-token-' + 'z'.repeat(20);
      const err = await providerErrorOf(importer().preflight({ account_sid: AC, auth_token: wrong }, NUMBER));
      expect(err).toMatchObject({ code: 'invalid_credentials', retryable: false });
      for (const secret of [wrong, TOKEN]) {
        expect(err.message).not.toContain(secret);
        expect(JSON.stringify(err.opts.cause)).not.toContain(secret);
      }
    });

    it('answers a Twilio 5xx with provider_unavailable, retryable, without the token', async () => {
      tw.failNext({ method: 'GET', path: /\/IncomingPhoneNumbers\.json$/ }, twilioError(503, 20503, 'Service Unavailable'));
      const err = await providerErrorOf(importer().preflight(creds, NUMBER));
      expect(err).toMatchObject({ code: 'provider_unavailable', retryable: true, opts: expect.objectContaining({ providerStatus: 503 }) });
      expect(err.message).not.toContain(TOKEN);
    });

    it('answers a Twilio that never responds with provider_unavailable once the timeout passes', async () => {
      tw.failNext({ method: 'GET', path: /\/IncomingPhoneNumbers\.json$/ }, 'timeout');
      const err = await providerErrorOf(importer({ timeoutMs: 200 }).preflight(creds, NUMBER));
      expect(err).toMatchObject({ code: 'provider_unavailable', retryable: true });
      expect(err.message).toMatch(/did not answer in time/);
      expect(err.message).not.toContain(TOKEN);
      expect(JSON.stringify(err.opts.cause)).not.toContain(TOKEN);
    });
  });

  it('derives the trunk domain from the phone id as one lower-case DNS label', () => {
    expect(twilioTrunkDomain('pn_AbC_12')).toBe('callplane-pn-abc-12.pstn.twilio.com');
    const long = twilioTrunkDomain('pn_' + 'x'.repeat(80) + '_');
    const label = long.replace(/\.pstn\.twilio\.com$/, '');
    expect(label.length).toBeLessThanOrEqual(63);
    expect(label).toMatch(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/);
  });
});
