import { randomBytes } from 'node:crypto';
import { basicAuth, FakeHttpServer, type FakeResponse, type RecordedRequest } from './fake-http-server';
import {
  accountJson,
  API,
  apiPage,
  credentialJson,
  credentialListJson,
  numberJson,
  originationUrlJson,
  trunkCredentialListJson,
  trunkJson,
  trunkNumberJson,
  twilioError,
  v1Page,
} from './twilio-wire.fake';

export { twilioError } from './twilio-wire.fake';

/**
 * A stateful fake of the Twilio REST API (2010-04-01 accounts, numbers, SIP credential lists) and of Elastic SIP
 * Trunking (v1) on one port: their paths don't collide. Drive it with the real twilio SDK via `pointTwilioAt`.
 * Shapes follow twilio-node 5.x (lib/rest/api/v2010/account/*, lib/rest/trunking/v1/trunk*, lib/base/Page.js).
 */

export interface FakeTwilioNumberSeed {
  sid: string;
  phoneNumber: string;
  friendlyName?: string;
  voiceUrl?: string;
}

export interface FakeTwilioAccountSeed {
  sid: string;
  authToken: string;
  friendlyName?: string;
  numbers?: FakeTwilioNumberSeed[];
}

export interface FakeTwilioNumber {
  sid: string;
  accountSid: string;
  phoneNumber: string;
  friendlyName: string;
  voiceUrl: string | null;
  voiceMethod: string;
  voiceFallbackUrl: string | null;
  voiceFallbackMethod: string;
  statusCallback: string | null;
  statusCallbackMethod: string;
  voiceApplicationSid: string | null;
  trunkSid: string | null;
}

export interface FakeTwilioCredential {
  sid: string;
  username: string;
  /** Kept so tests can assert what was set; never sent back in a response (nor is it by Twilio). */
  password: string;
}

export interface FakeTwilioCredentialList {
  sid: string;
  accountSid: string;
  friendlyName: string;
  credentials: FakeTwilioCredential[];
}

export interface FakeTwilioOriginationUrl {
  sid: string;
  friendlyName: string;
  sipUrl: string;
  priority: number;
  weight: number;
  enabled: boolean;
}

export interface FakeTwilioTrunk {
  sid: string;
  accountSid: string;
  friendlyName: string;
  domainName: string | null;
  originationUrls: FakeTwilioOriginationUrl[];
  credentialListSids: string[];
  phoneNumberSids: string[];
}

export interface TwilioErrorSpec {
  status: number;
  code: number;
  message: string;
}

/** Points a twilio-node client's `api` (2010-04-01) and `trunking` (v1) domains at `baseUrl`. */
export function pointTwilioAt<T extends { api: { baseUrl: string }; trunking: { baseUrl: string } }>(client: T, baseUrl: string): T {
  client.api.baseUrl = baseUrl;
  client.trunking.baseUrl = baseUrl;
  return client;
}

const AUTH_FAILED = twilioError(401, 20003, 'Authenticate');
const notFound = (path: string) => twilioError(404, 20404, `The requested resource ${path} was not found`);
// Twilio's code for a missing/invalid parameter varies by resource; 21200-range codes are unconfirmed here.
const badParam = (message: string) => twilioError(400, 21200, message);

const newSid = (prefix: string) => prefix + randomBytes(16).toString('hex');
const form = (req: RecordedRequest) => (req.body ?? {}) as Record<string, string>;

export class FakeTwilio extends FakeHttpServer {
  readonly accounts = new Map<string, { sid: string; authToken: string; friendlyName: string }>();
  readonly numbers = new Map<string, FakeTwilioNumber>();
  readonly credentialLists = new Map<string, FakeTwilioCredentialList>();
  readonly trunks = new Map<string, FakeTwilioTrunk>();
  private readonly voiceUrlFailures: TwilioErrorSpec[] = [];

  constructor(opts: { accounts: FakeTwilioAccountSeed[] }) {
    super('twilio');
    for (const a of opts.accounts) {
      this.accounts.set(a.sid, { sid: a.sid, authToken: a.authToken, friendlyName: a.friendlyName ?? a.sid });
      for (const n of a.numbers ?? []) this.addNumber(a.sid, n);
    }
    this.routeApi();
    this.routeTrunking();
  }

  get url(): string {
    return this.baseUrl;
  }

  addNumber(accountSid: string, n: FakeTwilioNumberSeed): FakeTwilioNumber {
    const num: FakeTwilioNumber = {
      sid: n.sid,
      accountSid,
      phoneNumber: n.phoneNumber,
      friendlyName: n.friendlyName ?? n.phoneNumber,
      voiceUrl: n.voiceUrl ?? null,
      voiceMethod: 'POST',
      voiceFallbackUrl: null,
      voiceFallbackMethod: 'POST',
      statusCallback: null,
      statusCallbackMethod: 'POST',
      voiceApplicationSid: null,
      trunkSid: null,
    };
    this.numbers.set(num.sid, num);
    return num;
  }

  /** The next `times` updates of any incoming number answer this Twilio error instead (default: 400 / 21402). */
  failVoiceUrlUpdate(error: TwilioErrorSpec = { status: 400, code: 21402, message: 'VoiceUrl is not a valid URL' }, times = 1): void {
    for (let i = 0; i < times; i++) this.voiceUrlFailures.push(error);
  }

  /** The authenticated account, or null when Basic auth is missing or wrong. */
  private authed(req: RecordedRequest): string | null {
    const cred = basicAuth(req);
    const acct = cred && this.accounts.get(cred.user);
    return acct && acct.authToken === cred.password ? acct.sid : null;
  }

  /** 2010-04-01 routes: credentials must match, and (no subaccounts here) the path's AC must be the caller's. */
  private api(method: string, path: string, handler: (req: RecordedRequest, ac: string) => FakeResponse): void {
    this.route(method, `${API}/:ac${path}`, (req) => {
      const ac = this.authed(req);
      return ac && ac === req.params.ac ? handler(req, ac) : AUTH_FAILED;
    });
  }

  private trunking(method: string, path: string, handler: (req: RecordedRequest, ac: string, trunk: FakeTwilioTrunk) => FakeResponse): void {
    this.route(method, `/v1/Trunks/:tk${path}`, (req) => {
      const ac = this.authed(req);
      if (!ac) return AUTH_FAILED;
      const trunk = this.trunks.get(req.params.tk!);
      return trunk && trunk.accountSid === ac ? handler(req, ac, trunk) : notFound(req.path);
    });
  }

  private routeApi(): void {
    this.api('GET', '.json', (_req, ac) => ({ status: 200, body: accountJson(this.accounts.get(ac)!) }));

    this.api('GET', '/IncomingPhoneNumbers.json', (req, ac) => {
      const { PhoneNumber: pn, FriendlyName: fn } = req.query;
      const all = [...this.numbers.values()].filter(
        (n) => n.accountSid === ac && (!pn || n.phoneNumber.includes(pn)) && (!fn || n.friendlyName === fn),
      );
      return apiPage(req, 'incoming_phone_numbers', all.map((n) => numberJson(n)));
    });
    this.api('GET', '/IncomingPhoneNumbers/:pn.json', (req, ac) => {
      const n = this.numbers.get(req.params.pn!);
      return n && n.accountSid === ac ? { status: 200, body: numberJson(n) } : notFound(req.path);
    });
    this.api('POST', '/IncomingPhoneNumbers/:pn.json', (req, ac) => {
      const n = this.numbers.get(req.params.pn!);
      if (!n || n.accountSid !== ac) return notFound(req.path);
      const failure = this.voiceUrlFailures.shift();
      if (failure) return twilioError(failure.status, failure.code, failure.message);
      const f = form(req);
      const set = <K extends keyof FakeTwilioNumber>(key: K, field: string) => {
        if (f[field] !== undefined) (n[key] as string) = f[field]!;
      };
      set('friendlyName', 'FriendlyName');
      set('voiceUrl', 'VoiceUrl');
      set('voiceMethod', 'VoiceMethod');
      set('voiceFallbackUrl', 'VoiceFallbackUrl');
      set('voiceFallbackMethod', 'VoiceFallbackMethod');
      set('statusCallback', 'StatusCallback');
      set('statusCallbackMethod', 'StatusCallbackMethod');
      set('voiceApplicationSid', 'VoiceApplicationSid');
      set('trunkSid', 'TrunkSid');
      return { status: 200, body: numberJson(n) };
    });

    this.api('POST', '/SIP/CredentialLists.json', (req, ac) => {
      const friendlyName = form(req).FriendlyName;
      if (!friendlyName) return badParam('Missing required parameter FriendlyName in the post body');
      const list: FakeTwilioCredentialList = { sid: newSid('CL'), accountSid: ac, friendlyName, credentials: [] };
      this.credentialLists.set(list.sid, list);
      return { status: 201, body: credentialListJson(list) };
    });
    this.api('GET', '/SIP/CredentialLists.json', (req, ac) =>
      apiPage(req, 'credential_lists', [...this.credentialLists.values()].filter((l) => l.accountSid === ac).map((l) => credentialListJson(l))),
    );
    this.api('DELETE', '/SIP/CredentialLists/:cl.json', (req, ac) => {
      const list = this.credentialLists.get(req.params.cl!);
      if (!list || list.accountSid !== ac) return notFound(req.path);
      this.credentialLists.delete(list.sid);
      // Whether Twilio refuses to delete a list still attached to a trunk is unconfirmed; here it detaches.
      for (const t of this.trunks.values()) t.credentialListSids = t.credentialListSids.filter((s) => s !== list.sid);
      return { status: 204 };
    });
    this.api('POST', '/SIP/CredentialLists/:cl/Credentials.json', (req, ac) => {
      const list = this.credentialLists.get(req.params.cl!);
      if (!list || list.accountSid !== ac) return notFound(req.path);
      const { Username: username, Password: password } = form(req);
      if (!username || !password) return badParam('Missing required parameter Username or Password in the post body');
      const cred: FakeTwilioCredential = { sid: newSid('CR'), username, password };
      list.credentials.push(cred);
      return { status: 201, body: credentialJson(list, cred) };
    });
    this.api('GET', '/SIP/CredentialLists/:cl/Credentials.json', (req, ac) => {
      const list = this.credentialLists.get(req.params.cl!);
      if (!list || list.accountSid !== ac) return notFound(req.path);
      return apiPage(req, 'credentials', list.credentials.map((c) => credentialJson(list, c)));
    });
    // Credential resource: DELETE .../SIP/CredentialLists/{CL}/Credentials/{CR}.json answers 204 (twilio-node
    // lib/rest/api/v2010/account/sip/credentialList/credential.js `remove`); an unknown list or credential, 404.
    this.api('DELETE', '/SIP/CredentialLists/:cl/Credentials/:cr.json', (req, ac) => {
      const list = this.credentialLists.get(req.params.cl!);
      if (!list || list.accountSid !== ac || !list.credentials.some((c) => c.sid === req.params.cr)) return notFound(req.path);
      list.credentials = list.credentials.filter((c) => c.sid !== req.params.cr);
      return { status: 204 };
    });
  }

  private routeTrunking(): void {
    this.route('POST', '/v1/Trunks', (req) => {
      const ac = this.authed(req);
      if (!ac) return AUTH_FAILED;
      const f = form(req);
      const domainName = f.DomainName ?? null;
      if (domainName && !domainName.endsWith('.pstn.twilio.com')) return badParam('DomainName must end with pstn.twilio.com');
      if (domainName && [...this.trunks.values()].some((t) => t.domainName === domainName)) return badParam(`DomainName ${domainName} is already in use`);
      const trunk: FakeTwilioTrunk = {
        sid: newSid('TK'),
        accountSid: ac,
        friendlyName: f.FriendlyName ?? '',
        domainName,
        originationUrls: [],
        credentialListSids: [],
        phoneNumberSids: [],
      };
      this.trunks.set(trunk.sid, trunk);
      return { status: 201, body: trunkJson(this.baseUrl, trunk) };
    });
    this.route('GET', '/v1/Trunks', (req) => {
      const ac = this.authed(req);
      if (!ac) return AUTH_FAILED;
      return v1Page(this.baseUrl, req, 'trunks', [...this.trunks.values()].filter((t) => t.accountSid === ac).map((t) => trunkJson(this.baseUrl, t)));
    });
    this.trunking('GET', '', (_req, _ac, t) => ({ status: 200, body: trunkJson(this.baseUrl, t) }));
    this.trunking('DELETE', '', (_req, _ac, t) => {
      this.trunks.delete(t.sid);
      for (const n of this.numbers.values()) if (n.trunkSid === t.sid) n.trunkSid = null;
      return { status: 204 };
    });

    this.trunking('POST', '/OriginationUrls', (req, _ac, t) => {
      const f = form(req);
      const missing = ['FriendlyName', 'SipUrl', 'Priority', 'Weight', 'Enabled'].filter((k) => f[k] === undefined);
      if (missing.length) return badParam(`Missing required parameter ${missing.join(', ')} in the post body`);
      if (!/^sips?:/.test(f.SipUrl!)) return badParam('SipUrl must be a sip: or sips: URI');
      const ou: FakeTwilioOriginationUrl = {
        sid: newSid('OU'),
        friendlyName: f.FriendlyName!,
        sipUrl: f.SipUrl!,
        priority: Number(f.Priority),
        weight: Number(f.Weight),
        enabled: f.Enabled === 'true',
      };
      t.originationUrls.push(ou);
      return { status: 201, body: originationUrlJson(this.baseUrl, t, ou) };
    });
    this.trunking('GET', '/OriginationUrls', (req, _ac, t) =>
      v1Page(this.baseUrl, req, 'origination_urls', t.originationUrls.map((o) => originationUrlJson(this.baseUrl, t, o))),
    );
    this.trunking('DELETE', '/OriginationUrls/:ou', (req, _ac, t) => {
      const before = t.originationUrls.length;
      t.originationUrls = t.originationUrls.filter((o) => o.sid !== req.params.ou);
      return t.originationUrls.length < before ? { status: 204 } : notFound(req.path);
    });

    this.trunking('POST', '/CredentialLists', (req, ac, t) => {
      const list = this.credentialLists.get(form(req).CredentialListSid ?? '');
      if (!list || list.accountSid !== ac) return badParam('CredentialListSid is not a credential list of this account');
      if (!t.credentialListSids.includes(list.sid)) t.credentialListSids.push(list.sid);
      return { status: 201, body: trunkCredentialListJson(this.baseUrl, t, list) };
    });
    this.trunking('GET', '/CredentialLists', (req, _ac, t) =>
      v1Page(this.baseUrl, req, 'credential_lists', t.credentialListSids.map((s) => trunkCredentialListJson(this.baseUrl, t, this.credentialLists.get(s)!))),
    );
    this.trunking('DELETE', '/CredentialLists/:cl', (req, _ac, t) => {
      if (!t.credentialListSids.includes(req.params.cl!)) return notFound(req.path);
      t.credentialListSids = t.credentialListSids.filter((s) => s !== req.params.cl);
      return { status: 204 };
    });

    this.trunking('POST', '/PhoneNumbers', (req, ac, t) => {
      const n = this.numbers.get(form(req).PhoneNumberSid ?? '');
      if (!n || n.accountSid !== ac) return badParam('PhoneNumberSid is not a phone number of this account');
      // A number sits on at most one trunk: attaching it elsewhere moves it.
      const previous = n.trunkSid ? this.trunks.get(n.trunkSid) : undefined;
      if (previous && previous !== t) previous.phoneNumberSids = previous.phoneNumberSids.filter((s) => s !== n.sid);
      n.trunkSid = t.sid;
      if (!t.phoneNumberSids.includes(n.sid)) t.phoneNumberSids.push(n.sid);
      return { status: 201, body: trunkNumberJson(this.baseUrl, t, n) };
    });
    this.trunking('GET', '/PhoneNumbers', (req, _ac, t) =>
      v1Page(this.baseUrl, req, 'phone_numbers', t.phoneNumberSids.map((s) => trunkNumberJson(this.baseUrl, t, this.numbers.get(s)!))),
    );
    this.trunking('DELETE', '/PhoneNumbers/:pn', (req, _ac, t) => {
      if (!t.phoneNumberSids.includes(req.params.pn!)) return notFound(req.path);
      t.phoneNumberSids = t.phoneNumberSids.filter((s) => s !== req.params.pn);
      const n = this.numbers.get(req.params.pn!);
      if (n) n.trunkSid = null;
      return { status: 204 };
    });
  }

}
