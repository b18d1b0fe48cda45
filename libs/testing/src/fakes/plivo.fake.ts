import { randomUUID } from 'node:crypto';
import { basicAuth, FakeHttpServer, type FakeResponse, type RecordedRequest } from './fake-http-server';

/**
 * A stateful fake of the parts of Plivo's REST API our Plivo adapter uses: account details (credential
 * check), Numbers (list, fetch, bind to a Zentrunk inbound trunk) and Zentrunk (Credential, URI, Trunk).
 * Base path `/v1/Account/{auth_id}/…`, HTTP Basic auth `auth_id:auth_token`, JSON in and out.
 *
 * Shapes follow plivo-node's fixtures (`dist/rest/request-test.js`) and Plivo's docs; every guess about
 * the real API is marked *unconfirmed* where it is made, so the adapter's tests can be re-checked against
 * the real service in one place.
 */

export type PlivoNumberType = 'local' | 'mobile' | 'tollfree';

export interface FakePlivoNumberConfig {
  /** As Plivo lists it: E.164 digits without '+', e.g. '14155550100'. */
  number: string;
  country: 'US' | 'IN';
  type: PlivoNumberType;
  /** The inbound trunk the number is already attached to (possibly one this fake never created). */
  boundTrunkId?: string;
}

export interface FakePlivoAccountConfig {
  /** 20 chars: `MA…` for a main account, `SA…` for a subaccount. */
  authId: string;
  authToken: string;
  zentrunk: boolean;
  numbers?: FakePlivoNumberConfig[];
  name?: string;
  /** For a subaccount (`SA…`): the main account's auth id. */
  parentAuthId?: string;
}

/** A number as the fake holds it now (`boundTrunkId` changes as the adapter binds and unbinds). */
export type FakePlivoNumber = FakePlivoNumberConfig;
export interface FakePlivoCredential {
  credential_uuid: string;
  name: string;
  username: string;
  password: string;
}
export interface FakePlivoUri {
  uri_uuid: string;
  name: string;
  uri: string;
}
export interface FakePlivoTrunk {
  trunk_id: string;
  name: string;
  trunk_direction: 'inbound' | 'outbound';
  trunk_domain: string;
  trunk_status: 'enabled';
  credential_uuid: string | null;
  primary_uri_uuid: string | null;
}

interface AccountState {
  config: FakePlivoAccountConfig;
  numbers: Map<string, FakePlivoNumber>;
  credentials: Map<string, FakePlivoCredential>;
  uris: Map<string, FakePlivoUri>;
  trunks: Map<string, FakePlivoTrunk>;
}

const ACCOUNT = '/v1/Account/:authId';
const PAGE_LIMIT_MAX = 20;

/** Plivo numbers are digits; the adapter may send '+1415…' or '1415…'. */
const normaliseNumber = (n: string): string => n.replace(/^\+/, '');

export class FakePlivo extends FakeHttpServer {
  private readonly accounts = new Map<string, AccountState>();
  private readonly trunkFaults: Array<{ direction: 'inbound' | 'outbound'; respond: FakeResponse }> = [];
  private trunkSeq = 0;

  constructor(opts: { accounts: FakePlivoAccountConfig[] }) {
    super('plivo');
    for (const a of opts.accounts) {
      const numbers = new Map((a.numbers ?? []).map((n) => [normaliseNumber(n.number), { ...n, number: normaliseNumber(n.number) }]));
      this.accounts.set(a.authId, { config: a, numbers, credentials: new Map(), uris: new Map(), trunks: new Map() });
    }
    this.registerRoutes();
  }

  get url(): string {
    return this.baseUrl;
  }

  /**
   * The next `POST Zentrunk/Trunk/` for this direction (once auth, the plan and `trunk_direction` pass) answers `respond` and
   * creates nothing: `failNext` matches paths only, and both trunk directions share one path.
   */
  failNextTrunk(direction: 'inbound' | 'outbound', respond: FakeResponse): void {
    this.trunkFaults.push({ direction, respond });
  }

  // State, read back by tests (copies, so a test cannot change the fake behind its back).
  numbers(authId: string): FakePlivoNumber[] {
    return [...this.state(authId).numbers.values()].map((n) => ({ ...n }));
  }
  number(authId: string, number: string): FakePlivoNumber | undefined {
    const n = this.state(authId).numbers.get(normaliseNumber(number));
    return n && { ...n };
  }
  credentials(authId: string): FakePlivoCredential[] {
    return [...this.state(authId).credentials.values()].map((c) => ({ ...c }));
  }
  uris(authId: string): FakePlivoUri[] {
    return [...this.state(authId).uris.values()].map((u) => ({ ...u }));
  }
  trunks(authId: string): FakePlivoTrunk[] {
    return [...this.state(authId).trunks.values()].map((t) => ({ ...t }));
  }

  private state(authId: string): AccountState {
    const s = this.accounts.get(authId);
    if (!s) throw new Error(`FakePlivo: no account ${authId} configured`);
    return s;
  }

  private registerRoutes(): void {
    this.route('GET', `${ACCOUNT}/`, this.authed((acc) => ok(this.accountDetails(acc))));

    this.route('GET', `${ACCOUNT}/Number/`, this.authed((acc, req) => ok(page(req, [...acc.numbers.values()].map((n) => this.numberView(acc, n))))));
    this.route('GET', `${ACCOUNT}/Number/:number/`, this.authed((acc, req) => {
      const n = acc.numbers.get(normaliseNumber(req.params.number!));
      return n ? ok(this.numberView(acc, n)) : notFound();
    }));
    this.route('POST', `${ACCOUNT}/Number/:number/`, this.authed((acc, req) => this.updateNumber(acc, req)));

    this.zentrunk('Credential', 'credential_uuid', (acc) => acc.credentials, (acc, body) => this.createCredential(acc, body));
    this.zentrunk('URI', 'uri_uuid', (acc) => acc.uris, (acc, body) => this.createUri(acc, body));
    this.zentrunk('Trunk', 'trunk_id', (acc) => acc.trunks, (acc, body) => this.createTrunk(acc, body));
  }

  /** Checks Basic auth against the account in the path; a wrong or unknown pair is 401. */
  private authed(handler: (acc: AccountState, req: RecordedRequest) => FakeResponse): (req: RecordedRequest) => FakeResponse {
    return (req) => {
      const acc = this.accounts.get(req.params.authId!);
      const auth = basicAuth(req);
      // *Unconfirmed*: the body Plivo sends with its 401 (plivo-node only maps the status to AuthenticationError).
      if (!acc || !auth || auth.user !== acc.config.authId || auth.password !== acc.config.authToken) {
        return { status: 401, body: { api_id: randomUUID(), error: 'Authentication failed: invalid auth_id or auth_token' } };
      }
      return handler(acc, req);
    };
  }

  private accountDetails(acc: AccountState): Record<string, unknown> {
    const { authId, name, parentAuthId } = acc.config;
    const common = { api_id: randomUUID(), auth_id: authId, name: name ?? `Account ${authId}`, resource_uri: `/v1/Account/${authId}/` };
    // *Unconfirmed*: what `GET /v1/Account/{SA…}/` answers with a subaccount's own credentials. We answer with the
    // Subaccount resource's shape (`account` = the parent's URI, `enabled`), which is how Plivo describes subaccounts.
    if (authId.startsWith('SA')) {
      return { ...common, account: `/v1/Account/${parentAuthId ?? 'MA'}/`, enabled: true, account_type: 'subaccount' };
    }
    return { ...common, account_type: 'standard', billing_mode: 'prepaid', cash_credits: '23.79822', auto_recharge: false, timezone: 'Asia/Kolkata' };
  }

  private numberView(acc: AccountState, n: FakePlivoNumber): Record<string, unknown> {
    return {
      number: n.number,
      // Plivo's own spelling, in capitals (plivo-node's fixtures: `country: 'UNITED STATES'`).
      country: n.country === 'IN' ? 'INDIA' : 'UNITED STATES',
      number_type: n.type,
      voice_enabled: true,
      sms_enabled: n.type !== 'tollfree',
      alias: null,
      carrier: 'Plivo',
      // *Unconfirmed*: how a number shows its Zentrunk binding. Plivo numbers show their Application as
      // `application`; we echo the trunk id as `app_id`, the field the bind request uses.
      app_id: n.boundTrunkId ?? null,
      application: null,
      resource_uri: `/v1/Account/${acc.config.authId}/Number/${n.number}/`,
    };
  }

  /**
   * Binds/unbinds a number. We take `{"app_id": "<inbound trunk_id>"}` as the primary form because PROVIDERS.md
   * cites it from Plivo's current Zentrunk guide and it is the Number-update field plivo-node sends (`numbers.js`);
   * the older `{"object_type": "trunk", "object_id": …}` form is accepted too (*unconfirmed* which one Plivo uses
   * today). `app_id` / `object_id` of `""`, `null` or `"null"` unbinds (*unconfirmed*).
   */
  private updateNumber(acc: AccountState, req: RecordedRequest): FakeResponse {
    const n = acc.numbers.get(normaliseNumber(req.params.number!));
    if (!n) return notFound();
    const body = (req.body ?? {}) as Record<string, unknown>;
    const raw = 'app_id' in body ? body.app_id : 'object_id' in body ? body.object_id : undefined;
    if (raw === undefined) return badRequest('app_id is required');
    if (raw === null || raw === '' || raw === 'null') {
      n.boundTrunkId = undefined;
      return changed();
    }
    const trunkId = String(raw);
    if ('object_type' in body && body.object_type !== 'trunk') return badRequest('object_type must be trunk');
    const trunk = acc.trunks.get(trunkId);
    if (!trunk || trunk.trunk_direction !== 'inbound') return badRequest(`app_id ${trunkId} is not an inbound trunk of this account`);
    // *Unconfirmed* status and text: an Indian local number already attached to a trunk cannot be attached
    // again (the product rule behind our pre-flight 409). Re-binding to the same trunk is a no-op.
    if (n.country === 'IN' && n.type === 'local' && n.boundTrunkId && n.boundTrunkId !== trunkId) {
      return badRequest(`number ${n.number} is already associated with trunk ${n.boundTrunkId}; unlink it before linking another trunk`);
    }
    n.boundTrunkId = trunkId;
    return changed();
  }

  /** Create, list, fetch and delete for one Zentrunk resource. */
  private zentrunk<T extends object>(
    resource: string,
    idKey: keyof T & string,
    store: (acc: AccountState) => Map<string, T>,
    create: (acc: AccountState, body: Record<string, unknown>) => FakeResponse,
  ): void {
    const base = `${ACCOUNT}/Zentrunk/${resource}`;
    const gate = (h: (acc: AccountState, req: RecordedRequest) => FakeResponse) =>
      this.authed((acc, req) => (acc.config.zentrunk ? h(acc, req) : zentrunkDisabled()));
    this.route('POST', `${base}/`, gate((acc, req) => create(acc, (req.body ?? {}) as Record<string, unknown>)));
    this.route('GET', `${base}/`, gate((acc, req) => ok(page(req, [...store(acc).values()]))));
    this.route('GET', `${base}/:id/`, gate((acc, req) => {
      const item = store(acc).get(req.params.id!);
      return item ? ok({ api_id: randomUUID(), ...item }) : notFound();
    }));
    this.route('DELETE', `${base}/:id/`, gate((acc, req) => {
      const id = req.params.id!;
      if (!store(acc).has(id)) return notFound();
      const user = this.inUseBy(acc, idKey, id);
      // *Unconfirmed*: Plivo refusing to delete a credential/URI a trunk uses, or a trunk a number is attached to.
      if (user) return badRequest(`${resource} ${id} is in use by ${user}`);
      store(acc).delete(id);
      return { status: 204 };
    }));
  }

  private inUseBy(acc: AccountState, idKey: string, id: string): string | undefined {
    if (idKey === 'trunk_id') {
      const n = [...acc.numbers.values()].find((x) => x.boundTrunkId === id);
      return n && `number ${n.number}`;
    }
    const t = [...acc.trunks.values()].find((x) => x.credential_uuid === id || x.primary_uri_uuid === id);
    return t && `trunk ${t.trunk_id}`;
  }

  private createCredential(acc: AccountState, body: Record<string, unknown>): FakeResponse {
    const missing = requireStrings(body, ['name', 'username', 'password']);
    if (missing) return missing;
    const cred: FakePlivoCredential = { credential_uuid: randomUUID(), name: String(body.name), username: String(body.username), password: String(body.password) };
    acc.credentials.set(cred.credential_uuid, cred);
    return { status: 201, body: { api_id: randomUUID(), message: 'Credential created successfully.', credential_uuid: cred.credential_uuid } };
  }

  private createUri(acc: AccountState, body: Record<string, unknown>): FakeResponse {
    const missing = requireStrings(body, ['name', 'uri']);
    if (missing) return missing;
    const uri: FakePlivoUri = { uri_uuid: randomUUID(), name: String(body.name), uri: String(body.uri) };
    acc.uris.set(uri.uri_uuid, uri);
    return { status: 201, body: { api_id: randomUUID(), message: 'URI created successfully.', uri_uuid: uri.uri_uuid } };
  }

  private createTrunk(acc: AccountState, body: Record<string, unknown>): FakeResponse {
    const missing = requireStrings(body, ['name', 'trunk_direction']);
    if (missing) return missing;
    const direction = body.trunk_direction;
    if (direction !== 'inbound' && direction !== 'outbound') return badRequest('trunk_direction must be inbound or outbound');
    const fault = this.trunkFaults.findIndex((f) => f.direction === direction);
    if (fault >= 0) return this.trunkFaults.splice(fault, 1)[0]!.respond;
    const credential = typeof body.credential_uuid === 'string' ? body.credential_uuid : null;
    const primaryUri = typeof body.primary_uri_uuid === 'string' ? body.primary_uri_uuid : null;
    if (direction === 'outbound' && (!credential || !acc.credentials.has(credential))) return badRequest('outbound trunk needs an existing credential_uuid');
    if (direction === 'inbound' && (!primaryUri || !acc.uris.has(primaryUri))) return badRequest('inbound trunk needs an existing primary_uri_uuid');
    // Real trunk ids look numeric (`21784177241578.zt.plivo.com`); a counter keeps them predictable here.
    const trunkId = String(21784177240000 + ++this.trunkSeq);
    const trunk: FakePlivoTrunk = {
      trunk_id: trunkId,
      name: String(body.name),
      trunk_direction: direction,
      trunk_domain: `${trunkId}.zt.plivo.com`,
      trunk_status: 'enabled',
      credential_uuid: credential,
      primary_uri_uuid: primaryUri,
    };
    acc.trunks.set(trunkId, trunk);
    return { status: 201, body: { api_id: randomUUID(), message: 'Trunk created successfully.', trunk_id: trunkId } };
  }
}

/** Plivo's list shape: `{api_id, meta: {limit, offset, total_count, next, previous}, objects}`, `limit` at most 20. */
function page(req: RecordedRequest, all: unknown[]): Record<string, unknown> {
  const limit = Math.min(Math.max(Number(req.query.limit ?? PAGE_LIMIT_MAX) || PAGE_LIMIT_MAX, 1), PAGE_LIMIT_MAX);
  const offset = Math.max(Number(req.query.offset ?? 0) || 0, 0);
  const link = (o: number) => `${req.path.replace(/\/?$/, '/')}?limit=${limit}&offset=${o}`;
  return {
    api_id: randomUUID(),
    meta: {
      limit,
      offset,
      total_count: all.length,
      next: offset + limit < all.length ? link(offset + limit) : null,
      previous: offset > 0 ? link(Math.max(offset - limit, 0)) : null,
    },
    objects: all.slice(offset, offset + limit),
  };
}

function requireStrings(body: Record<string, unknown>, keys: string[]): FakeResponse | undefined {
  const missing = keys.filter((k) => typeof body[k] !== 'string' || body[k] === '');
  return missing.length ? badRequest(`missing required parameter(s): ${missing.join(', ')}`) : undefined;
}

const ok = (body: Record<string, unknown>): FakeResponse => ({ status: 200, body });
// Plivo answers a Number update with 202 `{message: 'changed'}` (plivo-node fixtures).
const changed = (): FakeResponse => ({ status: 202, body: { api_id: randomUUID(), message: 'changed' } });
const badRequest = (error: string): FakeResponse => ({ status: 400, body: { api_id: randomUUID(), error } });
const notFound = (): FakeResponse => ({ status: 404, body: { api_id: randomUUID(), error: 'not found' } });
// *Unconfirmed*: what Zentrunk answers for an account whose plan lacks it. We chose 403 (the credentials are
// fine, the feature is not allowed), which the adapter should map to a non-retryable "plan" error.
const zentrunkDisabled = (): FakeResponse => ({ status: 403, body: { api_id: randomUUID(), error: 'Zentrunk is not enabled for this account' } });
