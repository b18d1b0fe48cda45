import { LiveKitSip } from '@callplane/livekit';
import { FakeLiveKit, FakePlivo, twirpError } from '@callplane/testing';
import type { ImportContext, PreflightResult, StepRecord } from '../import/import-plan';
import { ImportStepFailed, runImport, undoSteps } from '../import/import-runner';
import { ProviderError } from '../provider-adapter';
import type { PlivoCredentials } from './plivo-account';
import { createPlivoImporter } from './plivo.importer';

const MAIN = { authId: 'MAZDQ1ZTA2NDY3MTUXNT', authToken: 'main-token-s3cret' };
const NO_ZENTRUNK = { authId: 'MAYTI3MWE0ZDA4NTQ2NJ', authToken: 'basic-plan-token' };
const SUB = { authId: 'SAYTI3MWE0ZDA4NTQ2NJ', authToken: 'sub-token-s3cret' };
const creds = (a: { authId: string; authToken: string }): PlivoCredentials => ({ auth_id: a.authId, auth_token: a.authToken });

const US_LOCAL = '14155550100';
const IN_LOCAL_BOUND = '918046000100';
const IN_LOCAL_FREE = '918046000101';
const IN_MOBILE_BOUND = '919900000001';
const IN_TOLLFREE_BOUND = '9118001234567';
const OTHER_TRUNK = '21784177249999';

const LK = { apiKey: 'APIplivoimport', apiSecret: 'plivo-importer-spec-secret-0123456789' };
const SIP_AUTH = { username: 'cp_pn_1', password: 'sip-pass-N0t-In-Journal' };
const SIP_HOST = 'sip.livekit.test:5060';

const ACCOUNT = `/v1/Account/${MAIN.authId}`;

async function providerError(p: Promise<unknown>): Promise<ProviderError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProviderError);
  return err as ProviderError;
}

describe('Plivo importer (Zentrunk, SIP-direct)', () => {
  let plivo: FakePlivo;
  let livekit: FakeLiveKit;
  let sip: LiveKitSip;

  beforeEach(async () => {
    plivo = new FakePlivo({
      accounts: [
        {
          ...MAIN,
          zentrunk: true,
          numbers: [
            { number: US_LOCAL, country: 'US', type: 'local' },
            { number: IN_LOCAL_BOUND, country: 'IN', type: 'local', boundTrunkId: OTHER_TRUNK },
            { number: IN_LOCAL_FREE, country: 'IN', type: 'local' },
            { number: IN_MOBILE_BOUND, country: 'IN', type: 'mobile', boundTrunkId: OTHER_TRUNK },
            { number: IN_TOLLFREE_BOUND, country: 'IN', type: 'tollfree', boundTrunkId: OTHER_TRUNK },
          ],
        },
        { ...NO_ZENTRUNK, zentrunk: false, numbers: [{ number: '14155550199', country: 'US', type: 'local' }] },
        { ...SUB, parentAuthId: MAIN.authId, zentrunk: true },
      ],
    });
    livekit = new FakeLiveKit(LK);
    await Promise.all([plivo.start(), livekit.start()]);
    sip = new LiveKitSip({ url: livekit.url, ...LK });
  });
  afterEach(async () => {
    await Promise.all([plivo.stop(), livekit.stop()]);
  });

  const importer = () => createPlivoImporter({ apiBaseUrl: plivo.url });

  const contextFor = (number: string, preflight: PreflightResult): ImportContext => ({
    phoneId: 'pn_1',
    tenantId: 'tn_1',
    number,
    preflight,
    publicBaseUrl: 'https://api.callplane.test',
    livekitSipHost: SIP_HOST,
    sipAuth: SIP_AUTH,
    livekit: sip,
    label: 'callplane-pn_1',
  });

  /** Plivo requests from index `from` on, as `METHOD path` plus the body fields that matter. */
  const plivoCalls = (from = 0) => plivo.requests.slice(from).map((r) => ({ call: `${r.method} ${r.path}`, body: r.body }));

  /** Preflight then plan, the way the import use case runs them. */
  async function planFor(number: string) {
    const preflight = await importer().preflight(creds(MAIN), `+${number}`);
    const ctx = contextFor(`+${number}`, preflight);
    return { preflight, ctx, plan: importer().plan(creds(MAIN), ctx) };
  }

  describe('import and teardown', () => {
    it('creates credential, URI, trunks, LiveKit trunks and rule, then attaches the number last', async () => {
      const { preflight, plan } = await planFor(US_LOCAL);
      expect(preflight).toEqual({ providerNumberId: US_LOCAL, stickyBinding: false });
      const journal: StepRecord[][] = [];
      const before = plivo.requests.length;

      const run = await runImport(plan, async (r) => void journal.push(r));

      expect(run.skipped).toEqual([]);
      expect(run.records.map((r) => r.name)).toEqual([
        'plivo.credential',
        'plivo.origination_uri',
        'plivo.outbound_trunk',
        'plivo.inbound_trunk',
        'livekit.inbound',
        'livekit.outbound',
        'plivo.attach_number',
      ]);
      const out = (name: string) => run.records.find((r) => r.name === name)!.output;
      const credentialUuid = out('plivo.credential').credential_uuid!;
      const uriUuid = out('plivo.origination_uri').uri_uuid!;
      const outTrunk = out('plivo.outbound_trunk');
      const inTrunkId = out('plivo.inbound_trunk').trunk_id!;
      expect(outTrunk.domain).toBe(`${outTrunk.trunk_id}.zt.plivo.com`);
      expect(inTrunkId).not.toBe(outTrunk.trunk_id);

      expect(plivoCalls(before)).toEqual([
        { call: `POST ${ACCOUNT}/Zentrunk/Credential/`, body: { name: 'callplane-pn_1', username: SIP_AUTH.username, password: SIP_AUTH.password } },
        { call: `POST ${ACCOUNT}/Zentrunk/URI/`, body: expect.objectContaining({ uri: `${SIP_HOST};transport=tcp` }) },
        { call: `POST ${ACCOUNT}/Zentrunk/Trunk/`, body: expect.objectContaining({ trunk_direction: 'outbound', credential_uuid: credentialUuid }) },
        { call: `POST ${ACCOUNT}/Zentrunk/Trunk/`, body: expect.objectContaining({ trunk_direction: 'inbound', primary_uri_uuid: uriUuid }) },
        { call: `POST ${ACCOUNT}/Number/${US_LOCAL}/`, body: { app_id: inTrunkId } },
      ]);

      expect(livekit.requests.map((r) => r.rpc)).toEqual(['CreateSIPInboundTrunk', 'CreateSIPDispatchRule', 'CreateSIPOutboundTrunk']);
      const lkIn = out('livekit.inbound');
      expect(livekit.inboundTrunks).toEqual([expect.objectContaining({ sipTrunkId: lkIn.trunk_id, numbers: [`+${US_LOCAL}`] })]);
      expect(livekit.dispatchRules).toEqual([
        expect.objectContaining({ sipDispatchRuleId: lkIn.dispatch_rule_id, trunkIds: [lkIn.trunk_id], rule: { dispatchRuleIndividual: { roomPrefix: 'call-' } } }),
      ]);
      const [ruleReq] = livekit.requestsTo('SIP', 'CreateSIPDispatchRule');
      const agents = (ruleReq!.body as { roomConfig: { agents: Array<{ agentName: string; metadata: string }> } }).roomConfig.agents;
      expect(agents.map((a) => a.agentName)).toEqual(['voice-agent']);
      expect(JSON.parse(agents[0]!.metadata)).toEqual({ phone_id: 'pn_1', tenant_id: 'tn_1', number: `+${US_LOCAL}` });
      expect(livekit.outboundTrunks).toEqual([
        expect.objectContaining({
          sipTrunkId: out('livekit.outbound').trunk_id,
          address: outTrunk.domain,
          numbers: [`+${US_LOCAL}`],
          authUsername: SIP_AUTH.username,
          authPassword: SIP_AUTH.password,
          transport: 'SIP_TRANSPORT_TCP',
        }),
      ]);

      // Read back from Plivo: the number is attached to our inbound trunk, which points at LiveKit SIP.
      expect(plivo.number(MAIN.authId, US_LOCAL)?.boundTrunkId).toBe(inTrunkId);
      expect(plivo.trunks(MAIN.authId)).toEqual([
        expect.objectContaining({ trunk_id: outTrunk.trunk_id, trunk_direction: 'outbound', credential_uuid: credentialUuid, trunk_domain: outTrunk.domain }),
        expect.objectContaining({ trunk_id: inTrunkId, trunk_direction: 'inbound', primary_uri_uuid: uriUuid }),
      ]);
      expect(plivo.uris(MAIN.authId)).toEqual([expect.objectContaining({ uri_uuid: uriUuid, uri: `${SIP_HOST};transport=tcp` })]);
      expect(plivo.credentials(MAIN.authId)).toEqual([expect.objectContaining({ credential_uuid: credentialUuid, username: SIP_AUTH.username })]);

      // The journal is stored in the clear: ids only.
      expect(journal).toHaveLength(7);
      const stored = JSON.stringify(journal);
      expect(stored).not.toContain(SIP_AUTH.password);
      expect(stored).not.toContain(MAIN.authToken);
    });

    it('undoes everything in exact reverse order, detaching the number first, and a second teardown finds nothing left', async () => {
      const { plan } = await planFor(US_LOCAL);
      const { records } = await runImport(plan, async () => undefined);
      const out = (name: string) => records.find((r) => r.name === name)!.output;
      const plivoBefore = plivo.requests.length;
      const livekitBefore = livekit.requests.length;
      const journal: string[][] = [];

      const undone = await undoSteps(plan, records, async (r) => void journal.push(r.map((x) => x.name)));

      expect(undone).toEqual({ remaining: [] });
      expect(journal.map((j) => j.length)).toEqual([6, 5, 4, 3, 2, 1, 0]);
      expect(journal[0]).not.toContain('plivo.attach_number');
      expect(journal[1]).not.toContain('livekit.outbound');
      expect(plivoCalls(plivoBefore)).toEqual([
        { call: `POST ${ACCOUNT}/Number/${US_LOCAL}/`, body: { app_id: '' } },
        { call: `DELETE ${ACCOUNT}/Zentrunk/Trunk/${out('plivo.inbound_trunk').trunk_id}/`, body: undefined },
        { call: `DELETE ${ACCOUNT}/Zentrunk/Trunk/${out('plivo.outbound_trunk').trunk_id}/`, body: undefined },
        { call: `DELETE ${ACCOUNT}/Zentrunk/URI/${out('plivo.origination_uri').uri_uuid}/`, body: undefined },
        { call: `DELETE ${ACCOUNT}/Zentrunk/Credential/${out('plivo.credential').credential_uuid}/`, body: undefined },
      ]);
      expect(livekit.requests.slice(livekitBefore).map((r) => [r.rpc, r.body])).toEqual([
        ['DeleteSIPTrunk', { sipTrunkId: out('livekit.outbound').trunk_id }],
        ['DeleteSIPDispatchRule', { sipDispatchRuleId: out('livekit.inbound').dispatch_rule_id }],
        ['DeleteSIPTrunk', { sipTrunkId: out('livekit.inbound').trunk_id }],
      ]);
      expect(plivo.number(MAIN.authId, US_LOCAL)?.boundTrunkId).toBeUndefined();
      expect([plivo.trunks(MAIN.authId), plivo.uris(MAIN.authId), plivo.credentials(MAIN.authId)]).toEqual([[], [], []]);
      expect([livekit.inboundTrunks, livekit.dispatchRules, livekit.outboundTrunks]).toEqual([[], [], []]);

      // A crash after the deletes but before the journal write replays them: every 404 counts as removed.
      plivo.failNext({ method: 'POST', path: /\/Number\/\d+\/?$/ }, { status: 404, body: { error: 'not found' } });
      const deletesBefore = plivo.requestsTo('DELETE', /Zentrunk/).length;
      await expect(undoSteps(plan, records, async () => undefined)).resolves.toEqual({ remaining: [] });
      const replayed = plivo.requestsTo('DELETE', /Zentrunk/).slice(deletesBefore);
      expect(replayed).toHaveLength(4);
    });

    it('a 500 from the inbound trunk fails the import at that step with the earlier records, and undoing them leaves nothing', async () => {
      const { plan } = await planFor(US_LOCAL);
      plivo.failNextTrunk('inbound', { status: 500, body: { error: 'internal error' } });

      const err = await runImport(plan, async () => undefined).catch((e: unknown) => e);

      expect(err).toBeInstanceOf(ImportStepFailed);
      const failed = err as ImportStepFailed;
      expect(failed.step).toBe('plivo.inbound_trunk');
      expect(failed.cause).toMatchObject({ code: 'provider_unavailable', retryable: true });
      expect(failed.records.map((r) => r.name)).toEqual(['plivo.credential', 'plivo.origination_uri', 'plivo.outbound_trunk']);
      expect(plivo.trunks(MAIN.authId).map((t) => t.trunk_direction)).toEqual(['outbound']);
      expect(livekit.requests).toEqual([]);
      expect(plivo.requestsTo('POST', /\/Number\//)).toEqual([]);

      await expect(undoSteps(plan, failed.records, async () => undefined)).resolves.toEqual({ remaining: [] });
      expect([plivo.trunks(MAIN.authId), plivo.uris(MAIN.authId), plivo.credentials(MAIN.authId)]).toEqual([[], [], []]);
      expect(plivo.number(MAIN.authId, US_LOCAL)?.boundTrunkId).toBeUndefined();
    });

    it('a LiveKit failure after the Plivo steps leaves the number unattached, and undoing removes both sides', async () => {
      const { plan } = await planFor(US_LOCAL);
      livekit.failNext({ path: /CreateSIPOutboundTrunk/ }, twirpError('unavailable', 'try later'));

      const failed = (await runImport(plan, async () => undefined).catch((e: unknown) => e)) as ImportStepFailed;

      expect(failed).toBeInstanceOf(ImportStepFailed);
      expect(failed.step).toBe('livekit.outbound');
      expect(failed.records.map((r) => r.name)).toEqual(['plivo.credential', 'plivo.origination_uri', 'plivo.outbound_trunk', 'plivo.inbound_trunk', 'livekit.inbound']);
      expect(plivo.number(MAIN.authId, US_LOCAL)?.boundTrunkId).toBeUndefined();

      await expect(undoSteps(plan, failed.records, async () => undefined)).resolves.toEqual({ remaining: [] });
      expect([livekit.inboundTrunks, livekit.dispatchRules, livekit.outboundTrunks]).toEqual([[], [], []]);
      expect([plivo.trunks(MAIN.authId), plivo.uris(MAIN.authId), plivo.credentials(MAIN.authId)]).toEqual([[], [], []]);
    });

    it('an Indian local number imports with the lock reason and the delete warning; other numbers carry neither', async () => {
      const india = await planFor(IN_LOCAL_FREE);
      expect(india.preflight).toEqual({ providerNumberId: IN_LOCAL_FREE, stickyBinding: true });
      expect(india.plan.inbound.automatic).toBe(true);
      expect(india.plan.lockedReason).toMatch(/Indian local number/);
      expect(india.plan.lockedReason).toMatch(/bound/);
      expect(india.plan.deleteWarning).toMatch(/Callplane's side only/);
      expect(india.plan.deleteWarning).toMatch(/re-purchase/);
      expect(india.plan.deleteWarning).toMatch(/Plivo support/);

      const { records } = await runImport(india.plan, async () => undefined);
      expect(plivo.number(MAIN.authId, IN_LOCAL_FREE)?.boundTrunkId).toBe(records.find((r) => r.name === 'plivo.inbound_trunk')!.output.trunk_id);

      const us = await planFor(US_LOCAL);
      expect(us.plan.inbound.automatic).toBe(true);
      expect(us.plan.lockedReason).toBeUndefined();
      expect(us.plan.deleteWarning).toBeUndefined();
    });

    it('building a plan sends nothing, even with credentials that could never work (plans are rebuilt at delete time)', () => {
      const plan = importer().plan(creds(SUB), contextFor(`+${US_LOCAL}`, { providerNumberId: US_LOCAL, stickyBinding: false }));
      expect(plan.steps).toHaveLength(7);
      expect(plivo.requests).toEqual([]);
      expect(livekit.requests).toEqual([]);
    });
  });

  describe('preflight', () => {
    /** The refusal as a ProviderError, checked to carry no auth token in its message or serialised form. */
    const refusal = async (p: Promise<unknown>) => {
      const err = await providerError(p);
      const text = `${err.message} ${JSON.stringify(err)}`;
      for (const token of [MAIN.authToken, SUB.authToken, NO_ZENTRUNK.authToken, 'wrong-token-XYZ']) expect(text).not.toContain(token);
      return err;
    };

    it('refuses subaccount (SA…) credentials before sending anything', async () => {
      const err = await refusal(importer().preflight(creds(SUB), `+${US_LOCAL}`));
      expect(err.code).toBe('plivo_subaccount_credentials');
      expect(plivo.requests).toEqual([]);
    });

    it('refuses a plan without Zentrunk, without looking the number up', async () => {
      const err = await refusal(importer().preflight(creds(NO_ZENTRUNK), '+14155550199'));
      expect(err.code).toBe('plivo_zentrunk_required');
      expect(err.retryable).toBe(false);
      expect(plivo.requestsTo('GET', /\/Number\//)).toEqual([]);
    });

    it('maps a wrong auth token to invalid_credentials', async () => {
      const err = await refusal(importer().preflight({ auth_id: MAIN.authId, auth_token: 'wrong-token-XYZ' }, `+${US_LOCAL}`));
      expect(err.code).toBe('invalid_credentials');
      expect(err.opts.providerStatus).toBe(401);
    });

    it('refuses an Indian local number Plivo reports bound to a trunk with plivo_india_number_locked and the recovery paths', async () => {
      const err = await refusal(importer().preflight(creds(MAIN), `+${IN_LOCAL_BOUND}`));
      expect(err.code).toBe('plivo_india_number_locked');
      expect(err.retryable).toBe(false);
      expect(err.message).toMatch(/release/i);
      expect(err.message).toMatch(/re-purchase/i);
      expect(err.message).toMatch(/Plivo support/i);
      expect(plivoCalls().map((c) => c.call)).toEqual([`GET ${ACCOUNT}/`, `GET ${ACCOUNT}/Zentrunk/Trunk/`, `GET ${ACCOUNT}/Number/${IN_LOCAL_BOUND}/`]);
      // Read only: the binding is untouched.
      expect(plivo.number(MAIN.authId, IN_LOCAL_BOUND)?.boundTrunkId).toBe(OTHER_TRUNK);
    });

    it('refuses a number that is not on the account with provider_rejected naming it', async () => {
      const err = await refusal(importer().preflight(creds(MAIN), '+14155550123'));
      expect(err.code).toBe('provider_rejected');
      expect(err.opts.providerStatus).toBe(404);
      expect(err.message).toContain('+14155550123');
      expect(err.message).toMatch(/not a number on this Plivo account/);
    });

    it('maps a 503 on the number lookup to a retryable provider_unavailable', async () => {
      plivo.failNext({ method: 'GET', path: /\/Number\/\d+\/?$/ }, { status: 503, body: { error: 'Service Unavailable' } });
      const err = await refusal(importer().preflight(creds(MAIN), `+${US_LOCAL}`));
      expect(err.code).toBe('provider_unavailable');
      expect(err.retryable).toBe(true);
      expect(err.opts.providerStatus).toBe(503);
    });

    it.each([
      ['an Indian local number bound to nothing', IN_LOCAL_FREE, true],
      ['an Indian toll-free number, even bound', IN_TOLLFREE_BOUND, false],
      ['an Indian mobile number, even bound', IN_MOBILE_BOUND, false],
      ['a US local number', US_LOCAL, false],
    ])('passes %s with stickyBinding %s', async (_label, digits, stickyBinding) => {
      await expect(importer().preflight(creds(MAIN), `+${digits}`)).resolves.toEqual({ providerNumberId: digits, stickyBinding });
      expect(plivo.requestsTo('GET', /\/Number\/\d+\/?$/).map((r) => r.path)).toEqual([`${ACCOUNT}/Number/${digits}/`]);
    });
  });
});
