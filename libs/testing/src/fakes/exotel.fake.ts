import { randomBytes } from 'node:crypto';
import { basicAuth, FakeHttpServer, type FakeResponse, type RecordedRequest } from './fake-http-server';

/**
 * A stateful fake of the two Exotel APIs our adapter uses:
 * - ExoPhones (`/v2_beta/Accounts/{sid}/IncomingPhoneNumbers`, form bodies), developer.exotel.com/api/exophone-details
 *   and /api/assign-number-to-a-flow;
 * - vSIP trunks (`/v2/accounts/{sid}/trunks…`, JSON bodies in Exotel's `{request_id, method, http_code, response}`
 *   envelope), developer.exotel.com/api/sip-trunking-apis;
 * - Call Details (`/v1/Accounts/{sid}/Calls/{CallSid}.json`), developer.exotel.com/api/call-details: the calls a
 *   test registers with `addCall`, so the gateway can confirm an inbound call really is on the account.
 * All use HTTP Basic auth `api_key:api_token`; the account is the `{sid}` in the path.
 */

export interface FakeExophone {
  sid: string;
  /** As Exotel lists it: 0-prefixed national (`09513886363`). */
  phoneNumber: string;
  friendlyName?: string;
  voiceUrl?: string | null;
}

export interface FakeExotelAccountConfig {
  sid: string;
  apiKey: string;
  apiToken: string;
  exophones?: FakeExophone[];
}

export interface FakeExotelTrunk {
  trunkSid: string;
  trunkName: string;
  nsoCode: string;
  domainName: string;
  phoneNumbers: Array<{ id: string; phoneNumber: string; mode: string }>;
  whitelistedIps: Array<{ id: string; ip: string; mask: number }>;
  destinations: Array<{ id: string; destination: string }>;
}

/** A call on an account, as the Call Details API reports it. Numbers as Exotel writes them (`09876543210`). */
export interface FakeExotelCall {
  /** The account the call belongs to. */
  account: string;
  sid: string;
  from: string;
  to: string;
  /** `queued`, `ringing`, `in-progress`, `completed`, `busy`, `failed`, `no-answer`, `canceled`. */
  status: string;
  /** `inbound` unless told. */
  direction?: string;
}

interface AccountState {
  config: FakeExotelAccountConfig;
  exophones: Map<string, FakeExophone>;
  trunks: Map<string, FakeExotelTrunk>;
  calls: Map<string, FakeExotelCall>;
}

// Exotel's documented rule for trunk_name: alphanumeric + underscores, at most 16 characters.
const TRUNK_NAME = /^[A-Za-z0-9_]{1,16}$/;
const PHONE_MODES = ['pstn', 'flow'];
const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

export class FakeExotel extends FakeHttpServer {
  private readonly accounts = new Map<string, AccountState>();
  private nextId = 1000;

  /**
   * The host of the absolute page URIs the ExoPhone list answers with. Exotel's documented example writes them on
   * another of its hosts than the one asked (`http://twilix.exotel.com/v2_beta/…?Page=1&PageSize=50`); by default
   * this fake writes its own address, so a client that follows the URI as given still reaches the fake.
   */
  private readonly pageUriHost: string | undefined;

  constructor(opts: { accounts: FakeExotelAccountConfig[]; pageUriHost?: string }) {
    super('exotel');
    this.pageUriHost = opts.pageUriHost;
    for (const a of opts.accounts) {
      this.accounts.set(a.sid, {
        config: a,
        exophones: new Map((a.exophones ?? []).map((e) => [e.sid, { voiceUrl: null, ...e }])),
        trunks: new Map(),
        calls: new Map(),
      });
    }
    this.exophoneRoutes();
    this.trunkRoutes();
    this.callRoutes();
  }

  get url(): string {
    return this.baseUrl;
  }

  /** Current state of one ExoPhone (what a later GET would show). */
  exophone(accountSid: string, exophoneSid: string): FakeExophone | undefined {
    const e = this.accounts.get(accountSid)?.exophones.get(exophoneSid);
    return e && { ...e };
  }

  /** Current vSIP trunks of an account. */
  trunks(accountSid: string): FakeExotelTrunk[] {
    return [...(this.accounts.get(accountSid)?.trunks.values() ?? [])].map((t) => structuredClone(t));
  }

  /** Puts a call on an account (or replaces it: a status change), for the Call Details API to report. */
  addCall(call: FakeExotelCall): void {
    const acct = this.accounts.get(call.account);
    if (!acct) throw new Error(`FakeExotel: no account ${call.account}`);
    acct.calls.set(call.sid, { direction: 'inbound', ...call });
  }

  /** Call Details requests for one call (any account), to count how often a call was looked up. */
  callLookups(callSid: string): RecordedRequest[] {
    return this.requests.filter((r) => r.method === 'GET' && callPath(r.path)?.callSid === callSid);
  }

  /**
   * The next `times` VoiceUrl updates fail without changing state. *Unconfirmed*: the status and body Exotel
   * answers with when it refuses an update (403 when the number isn't editable by this key, 400 for a bad URL
   * are our best reading of developer.exotel.com/docs/references/error-codes); the `RestException` shape
   * matches Exotel's v1/v2_beta error bodies as far as we know.
   */
  failVoiceUrlUpdate(status: 400 | 403 = 403, times = 1): void {
    const message = status === 403 ? 'You are not authorized to modify this ExoPhone' : 'Invalid VoiceUrl';
    this.failNext({ method: 'PUT', path: /^\/v2_beta\/Accounts\/[^/]+\/IncomingPhoneNumbers\/[^/]+\/?$/ }, restException(status, message), times);
  }

  // ---- ExoPhones (v2_beta, form-encoded) ----

  private exophoneRoutes(): void {
    const list = (req: RecordedRequest): FakeResponse => {
      const acct = this.authed(req, 'v2_beta');
      if ('status' in acct) return acct;
      const all = [...acct.exophones.values()].map(exophoneJson);
      const page = Math.max(0, Number(req.query.Page ?? 0) || 0);
      const size = Math.min(100, Math.max(1, Number(req.query.PageSize ?? 50) || 50));
      // Shape from developer.exotel.com/api/exophone-details ("This API only supports a JSON response"): 50 a page,
      // and page URIs as absolute http URLs (`"next_page_uri": "http://twilix.exotel.com/v2_beta/Accounts/Exotel/
      // IncomingPhoneNumbers?Page=1&PageSize=50"`), null past the last page.
      const at = (p: number) => `http://${this.pageUriHost ?? req.headers.host}/v2_beta/Accounts/${acct.config.sid}/IncomingPhoneNumbers?Page=${p}&PageSize=${size}`;
      const more = (page + 1) * size < all.length;
      return {
        status: 200,
        body: {
          page,
          page_size: size,
          uri: at(page),
          first_page_uri: at(0),
          next_page_uri: more ? at(page + 1) : null,
          previous_page_uri: page > 0 ? at(page - 1) : null,
          incoming_phone_numbers: all.slice(page * size, (page + 1) * size),
        },
      };
    };
    const findPhone = (req: RecordedRequest): FakeExophone | FakeResponse => {
      const acct = this.authed(req, 'v2_beta');
      if ('status' in acct) return acct;
      const phone = acct.exophones.get(req.params.exophoneSid!.replace(/\.json$/, ''));
      return phone ?? restException(404, 'ExoPhone not found');
    };
    // The docs show no `.json` suffix for v2_beta; accept it anyway since Exotel's v1 APIs use it.
    for (const suffix of ['', '.json']) {
      this.route('GET', `/v2_beta/Accounts/:sid/IncomingPhoneNumbers${suffix}`, list);
    }
    this.route('GET', '/v2_beta/Accounts/:sid/IncomingPhoneNumbers/:exophoneSid', (req) => {
      const phone = findPhone(req);
      return 'status' in phone ? phone : { status: 200, body: exophoneJson(phone) };
    });
    this.route('PUT', '/v2_beta/Accounts/:sid/IncomingPhoneNumbers/:exophoneSid', (req) => {
      const phone = findPhone(req);
      if ('status' in phone) return phone;
      const form = (req.body ?? {}) as Record<string, unknown>;
      if (form.VoiceUrl !== undefined) {
        // *Unconfirmed*: Exotel documents VoiceUrl as a my.exotel.com flow URL; the fake accepts any http(s) URL.
        if (typeof form.VoiceUrl !== 'string' || !/^https?:\/\/\S+$/.test(form.VoiceUrl)) return restException(400, 'Invalid VoiceUrl');
        phone.voiceUrl = form.VoiceUrl;
      }
      if (typeof form.FriendlyName === 'string') phone.friendlyName = form.FriendlyName;
      return { status: 200, body: exophoneJson(phone) };
    });
  }

  // ---- vSIP trunks (v2, JSON) ----

  private trunkRoutes(): void {
    const base = '/v2/accounts/:sid/trunks';
    this.route('POST', base, (req) => {
      const acct = this.authed(req, 'v2');
      if ('status' in acct) return acct;
      const b = jsonBody(req);
      if (typeof b.trunk_name !== 'string' || !TRUNK_NAME.test(b.trunk_name)) {
        return v2Error(req, 400, 'trunk_name must be alphanumeric with underscores only, maximum 16 characters');
      }
      if (typeof b.nso_code !== 'string' || !b.nso_code) return v2Error(req, 400, 'nso_code is mandatory');
      if (typeof b.domain_name !== 'string' || !b.domain_name) return v2Error(req, 400, 'domain_name is mandatory');
      // *Unconfirmed*: the docs call trunk_name a "unique identifier"; we refuse a duplicate with 409.
      if ([...acct.trunks.values()].some((t) => t.trunkName === b.trunk_name)) return v2Error(req, 409, 'trunk_name already exists');
      const trunk: FakeExotelTrunk = {
        trunkSid: `trmum${randomBytes(10).toString('hex')}n`,
        trunkName: b.trunk_name,
        nsoCode: b.nso_code,
        domainName: b.domain_name,
        phoneNumbers: [],
        whitelistedIps: [],
        destinations: [],
      };
      acct.trunks.set(trunk.trunkSid, trunk);
      return v2Ok(req, trunkJson(trunk));
    });
    this.route('GET', base, (req) => {
      const acct = this.authed(req, 'v2');
      return 'status' in acct ? acct : v2List(req, [...acct.trunks.values()].map(trunkJson));
    });
    this.route('GET', `${base}/:tsid`, (req) => this.withTrunk(req, (t) => v2Ok(req, trunkJson(t))));
    // Documented with the trunk as a query parameter (developer.exotel.com/api/delete-trunk), not a path segment;
    // it removes the trunk's number mappings, whitelisted IPs and destination URIs with it. *Unconfirmed*: the
    // answers to a missing (400) or unknown (404) trunk_sid.
    this.route('DELETE', base, (req) => {
      const acct = this.authed(req, 'v2');
      if ('status' in acct) return acct;
      const tsid = req.query.trunk_sid;
      if (!tsid) return v2Error(req, 400, 'trunk_sid is mandatory');
      const trunk = acct.trunks.get(tsid);
      if (!trunk) return v2Error(req, 404, 'Trunk not found');
      acct.trunks.delete(tsid);
      return v2Ok(req, trunkJson(trunk));
    });

    this.route('POST', `${base}/:tsid/phone-numbers`, (req) =>
      this.withTrunk(req, (t, acct) => {
        const b = jsonBody(req);
        const mode = b.mode ?? 'pstn';
        if (typeof b.phone_number !== 'string' || !b.phone_number) return v2Error(req, 400, 'phone_number is mandatory');
        if (typeof mode !== 'string' || !PHONE_MODES.includes(mode)) return v2Error(req, 400, `mode must be one of ${PHONE_MODES.join(', ')}`);
        // *Unconfirmed*: that Exotel refuses a number that isn't one of the account's ExoPhones (we do, with 400).
        const owned = [...acct.exophones.values()].some((e) => sameIndianNumber(e.phoneNumber, b.phone_number as string));
        if (!owned) return v2Error(req, 400, 'phone_number is not an ExoPhone of this account');
        // Documented: a number already on this trunk is refused with HTTP 200 and `response.code` 409 (error 1008).
        if (t.phoneNumbers.some((p) => p.phoneNumber === b.phone_number)) {
          return v2Error(req, 409, `Unable to create DidTrunkMapping with TrunkSid ${t.trunkSid}`, 200);
        }
        const row = { id: this.id(), phoneNumber: b.phone_number, mode };
        t.phoneNumbers.push(row);
        return v2Ok(req, { id: row.id, phone_number: row.phoneNumber, mode: row.mode, trunk_sid: t.trunkSid });
      }),
    );
    this.route('GET', `${base}/:tsid/phone-numbers`, (req) =>
      this.withTrunk(req, (t) => v2List(req, t.phoneNumbers.map((p) => ({ id: p.id, phone_number: p.phoneNumber, mode: p.mode, trunk_sid: t.trunkSid })))),
    );

    this.route('POST', `${base}/:tsid/whitelisted-ips`, (req) =>
      this.withTrunk(req, (t) => {
        const b = jsonBody(req);
        const mask = b.mask === undefined ? 32 : Number(b.mask);
        if (typeof b.ip !== 'string' || !IPV4.test(b.ip)) return v2Error(req, 400, 'ip must be an IPv4 address');
        if (!Number.isInteger(mask) || mask < 0 || mask > 32) return v2Error(req, 400, 'mask must be 0-32');
        const row = { id: this.id(), ip: b.ip, mask };
        t.whitelistedIps.push(row);
        return v2Ok(req, { ...row, trunk_sid: t.trunkSid });
      }),
    );
    this.route('GET', `${base}/:tsid/whitelisted-ips`, (req) =>
      this.withTrunk(req, (t) => v2List(req, t.whitelistedIps.map((r) => ({ ...r, trunk_sid: t.trunkSid })))),
    );

    this.route('POST', `${base}/:tsid/destination-uris`, (req) =>
      this.withTrunk(req, (t) => {
        const list = jsonBody(req).destinations;
        const valid = Array.isArray(list) && list.length > 0 && list.every((d) => typeof (d as { destination?: unknown })?.destination === 'string');
        if (!valid) return v2Error(req, 400, 'destinations must be a non-empty list of {destination}');
        // *Unconfirmed*: Exotel's GET example lists `sip:host:5061;transport=tls` for a `host:5061;transport=tls`
        // input, so we store the destination with a `sip:` prefix. The POST response shape is also a guess (the list).
        const rows = (list as Array<{ destination: string }>).map((d) => ({
          id: this.id(),
          destination: d.destination.startsWith('sip:') ? d.destination : `sip:${d.destination}`,
        }));
        t.destinations.push(...rows);
        return v2List(req, rows.map((r) => ({ ...r, trunk_sid: t.trunkSid })));
      }),
    );
    this.route('GET', `${base}/:tsid/destination-uris`, (req) =>
      this.withTrunk(req, (t) => v2List(req, t.destinations.map((r) => ({ ...r, trunk_sid: t.trunkSid })))),
    );
  }

  // ---- Call Details (v1, JSON with the `.json` suffix) ----

  private callRoutes(): void {
    // The real API answers XML without the suffix; our client always asks for JSON, so the fake answers JSON only.
    this.route('GET', '/v1/Accounts/:sid/Calls/:callSid', (req) => {
      const acct = this.authed(req, 'v2_beta');
      if ('status' in acct) return acct;
      const sid = req.params.callSid!.replace(/\.json$/, '');
      const call = acct.calls.get(sid);
      // *Unconfirmed*: the exact 404 body for a CallSid that is not on the account.
      return call ? { status: 200, body: { Call: callJson(call) } } : restException(404, `Call ${sid} not found`);
    });
  }

  // ---- helpers ----

  /** The account named in the path, if the Basic credentials are its own; otherwise a 401 in that API's shape. */
  private authed(req: RecordedRequest, api: 'v2_beta' | 'v2'): AccountState | FakeResponse {
    const acct = this.accounts.get(req.params.sid!);
    const creds = basicAuth(req);
    if (acct && creds && creds.user === acct.config.apiKey && creds.password === acct.config.apiToken) return acct;
    // *Unconfirmed*: the exact 401 bodies; the status is documented (error-codes page).
    return api === 'v2' ? v2Error(req, 401, 'Authentication failed') : restException(401, 'Authentication is required to view this page.');
  }

  private withTrunk(req: RecordedRequest, fn: (t: FakeExotelTrunk, acct: AccountState) => FakeResponse): FakeResponse {
    const acct = this.authed(req, 'v2');
    if ('status' in acct) return acct;
    const trunk = acct.trunks.get(req.params.tsid!);
    return trunk ? fn(trunk, acct) : v2Error(req, 404, 'Trunk not found');
  }

  private id(): string {
    return String(this.nextId++);
  }
}

function exophoneJson(e: FakeExophone): Record<string, unknown> {
  return {
    sid: e.sid,
    phone_number: e.phoneNumber,
    friendly_name: e.friendlyName ?? e.phoneNumber,
    capabilities: { voice: true, sms: false },
    country: 'IN',
    voice_url: e.voiceUrl ?? null,
    sms_url: null,
  };
}

/** Shape from developer.exotel.com/docs/voice-v1/api-reference/call-details (JSON, without `details=true`). */
function callJson(c: FakeExotelCall): Record<string, unknown> {
  const terminal = ['completed', 'busy', 'failed', 'no-answer', 'canceled'].includes(c.status);
  return {
    Sid: c.sid,
    ParentCallSid: null,
    DateCreated: '2026-03-10 19:30:00',
    DateUpdated: '2026-03-10 19:30:05',
    AccountSid: c.account,
    To: c.to,
    From: c.from,
    PhoneNumberSid: c.direction === 'inbound' ? c.to : c.from,
    Status: c.status,
    StartTime: '2026-03-10 19:30:00',
    EndTime: terminal ? '2026-03-10 19:31:00' : null,
    Duration: terminal ? '60' : null,
    Price: null,
    Direction: c.direction,
    AnsweredBy: null,
    RecordingUrl: null,
  };
}

function callPath(path: string): { sid: string; callSid: string } | null {
  const m = /^\/v1\/Accounts\/([^/]+)\/Calls\/([^/]+?)(?:\.json)?\/?$/.exec(path);
  return m ? { sid: decodeURIComponent(m[1]!), callSid: decodeURIComponent(m[2]!) } : null;
}

function trunkJson(t: FakeExotelTrunk): Record<string, unknown> {
  return { trunk_sid: t.trunkSid, trunk_name: t.trunkName, nso_code: t.nsoCode, domain_name: t.domainName, status: 'active', auth_type: 'ip_whitelist' };
}

function jsonBody(req: RecordedRequest): Record<string, unknown> {
  return req.body && typeof req.body === 'object' && !Array.isArray(req.body) ? (req.body as Record<string, unknown>) : {};
}

/** `09513886363`, `9513886363`, `919513886363` and `+919513886363` are the same Indian number. */
function sameIndianNumber(a: string, b: string): boolean {
  const national = (n: string) => n.replace(/\D/g, '').replace(/^(91|0)(?=\d{10}$)/, '');
  return national(a) === national(b);
}

function restException(status: number, message: string): FakeResponse {
  return { status, body: { RestException: { Status: status, Message: message } } };
}

function envelope(req: RecordedRequest, status: number): Record<string, unknown> {
  return { request_id: randomBytes(16).toString('hex'), method: req.method, http_code: status };
}

function v2Ok(req: RecordedRequest, data: unknown): FakeResponse {
  return { status: 200, body: { ...envelope(req, 200), response: { code: 200, error_data: null, status: 'success', data } } };
}

function v2List(req: RecordedRequest, items: unknown[]): FakeResponse {
  const first = `${req.path}?offset=0&page_size=50`;
  return {
    status: 200,
    body: {
      ...envelope(req, 200),
      metadata: { page_size: 50, first_page_uri: first, prev_page_uri: null, next_page_uri: null },
      response: items.map((data) => ({ code: 200, error_data: null, status: 'success', data })),
    },
  };
}

/** `httpStatus`: Exotel answers some failures (a duplicate) with HTTP 200 and the real code in `response.code`. */
function v2Error(req: RecordedRequest, status: number, message: string, httpStatus = status): FakeResponse {
  return {
    status: httpStatus,
    body: { ...envelope(req, httpStatus), response: { code: status, error_data: { code: status, message, description: message }, status: 'failure', data: null } },
  };
}
