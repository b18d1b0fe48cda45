import { randomUUID } from 'node:crypto';
import { FakeHttpServer, type FakeResponse, type RecordedRequest } from './fake-http-server';

/**
 * A stateful fake of Vobiz's SIP-trunk API, base `/api/v1/Account/{auth_id}/`, headers `X-Auth-ID` / `X-Auth-Token`,
 * JSON bodies. Vobiz's pages disagree with each other (PROVIDERS.md); the reading kept here is the one most pages
 * share (vobiz.ai/docs "Retrieve All Trunks" and the vobiz-ai agent skill "vobiz-sip-trunking"):
 * - origination URIs are account-level resources (`POST origination-uris`, listed at `GET trunks/origination-uris`)
 *   attached to a trunk through its `primary_uri_uuid` / `fallback_uri_uuid` (on create or `PUT trunks/{id}`);
 * - a number is routed to a trunk by `POST numbers/{number}/assign` `{"trunk_group_id": "<trunk_id>"}`,
 *   and `DELETE` on the same path unassigns it.
 * Each choice marked *unconfirmed* below is one the docs don't settle.
 */

export interface FakeVobizAccountConfig {
  authId: string;
  authToken: string;
  /** E.164 DIDs owned by the account. */
  numbers?: string[];
}

export interface FakeVobizTrunk {
  trunkId: string;
  name: string;
  trunkDomain: string;
  trunkDirection: string;
  trunkStatus: string;
  primaryUriUuid: string | null;
  fallbackUriUuid: string | null;
  credentialUuid: string | null;
  transport: string;
}

export interface FakeVobizOriginationUri {
  uriId: string;
  uri: string;
  description: string;
  priority: number;
  weight: number;
}

interface AccountState {
  config: FakeVobizAccountConfig;
  trunks: Map<string, FakeVobizTrunk>;
  uris: Map<string, FakeVobizOriginationUri>;
  /** E.164 number → trunk id, or null when unassigned. */
  numbers: Map<string, string | null>;
}

const DIRECTIONS = ['inbound', 'outbound', 'both'];

export class FakeVobiz extends FakeHttpServer {
  private readonly accounts = new Map<string, AccountState>();

  constructor(opts: { accounts: FakeVobizAccountConfig[] }) {
    super('vobiz');
    for (const a of opts.accounts) {
      this.accounts.set(a.authId, { config: a, trunks: new Map(), uris: new Map(), numbers: new Map((a.numbers ?? []).map((n) => [e164(n), null])) });
    }
    this.vobizRoutes();
  }

  get url(): string {
    return this.baseUrl;
  }

  trunks(authId: string): FakeVobizTrunk[] {
    return [...(this.accounts.get(authId)?.trunks.values() ?? [])].map((t) => ({ ...t }));
  }

  originationUris(authId: string): FakeVobizOriginationUri[] {
    return [...(this.accounts.get(authId)?.uris.values() ?? [])].map((u) => ({ ...u }));
  }

  /** The trunk a number is assigned to, null if none, undefined if the account doesn't own it. */
  numberTrunk(authId: string, number: string): string | null | undefined {
    return this.accounts.get(authId)?.numbers.get(e164(number));
  }

  private vobizRoutes(): void {
    const base = '/api/v1/Account/:authId';

    this.route('POST', `${base}/trunks`, (req) =>
      this.withAccount(req, (acct) => {
        const b = jsonBody(req);
        if (typeof b.name !== 'string' || !b.name || b.name.length > 255) return error(400, 'name is required (max 255 characters)');
        const direction = b.trunk_direction ?? 'outbound';
        if (typeof direction !== 'string' || !DIRECTIONS.includes(direction)) return error(400, `trunk_direction must be one of ${DIRECTIONS.join(', ')}`);
        const bad = badUriRef(acct, b);
        if (bad) return bad;
        const trunkId = randomUUID();
        const trunk: FakeVobizTrunk = {
          trunkId,
          name: b.name,
          trunkDomain: `${trunkId}.sip.vobiz.ai`,
          trunkDirection: direction,
          trunkStatus: 'active',
          primaryUriUuid: str(b.primary_uri_uuid),
          fallbackUriUuid: str(b.fallback_uri_uuid),
          credentialUuid: str(b.credential_uuid),
          transport: str(b.transport) ?? 'udp',
        };
        acct.trunks.set(trunkId, trunk);
        // *Unconfirmed*: 201 (vs 200) and that the create answer is the trunk object itself.
        return { status: 201, body: trunkJson(acct, trunk) };
      }),
    );
    this.route('GET', `${base}/trunks`, (req) => this.withAccount(req, (acct) => page([...acct.trunks.values()].map((t) => trunkJson(acct, t)))));

    // Registered before `trunks/:trunkId` so the literal path wins. *Unconfirmed*: that the list lives under
    // `trunks/` while create/delete are at the account level, as the skill page says.
    this.route('GET', `${base}/trunks/origination-uris`, (req) => this.withAccount(req, (acct) => page([...acct.uris.values()].map(uriJson))));
    this.route('POST', `${base}/origination-uris`, (req) =>
      this.withAccount(req, (acct) => {
        const b = jsonBody(req);
        // Vobiz's MCP tool calls the field `sip_uri` and says it is returned as `uri`; the REST pages send `uri`.
        const uri = str(b.uri) ?? str(b.sip_uri);
        if (!uri || !/^sips?:\S+$/.test(uri)) return error(400, 'uri must be a sip: URI');
        const priority = b.priority === undefined ? 1 : Number(b.priority);
        if (!Number.isInteger(priority) || priority < 1) return error(400, 'priority must be a positive integer');
        const row: FakeVobizOriginationUri = {
          uriId: randomUUID(),
          uri,
          description: str(b.name) ?? str(b.description) ?? '',
          priority,
          weight: b.weight === undefined ? 10 : Number(b.weight),
        };
        acct.uris.set(row.uriId, row);
        return { status: 201, body: uriJson(row) };
      }),
    );
    this.route('DELETE', `${base}/origination-uris/:uriId`, (req) =>
      this.withAccount(req, (acct) => {
        const id = req.params.uriId!;
        if (!acct.uris.has(id)) return error(404, 'origination URI not found');
        // *Unconfirmed*: whether Vobiz refuses to delete a URI a trunk still uses; the fake does, with 409.
        if ([...acct.trunks.values()].some((t) => t.primaryUriUuid === id || t.fallbackUriUuid === id)) return error(409, 'origination URI is in use by a trunk');
        acct.uris.delete(id);
        return { status: 204 };
      }),
    );

    this.route('GET', `${base}/trunks/:trunkId`, (req) => this.withTrunk(req, (t, acct) => ({ status: 200, body: trunkJson(acct, t) })));
    this.route('PUT', `${base}/trunks/:trunkId`, (req) =>
      this.withTrunk(req, (t, acct) => {
        const b = jsonBody(req);
        const bad = badUriRef(acct, b);
        if (bad) return bad;
        if (typeof b.name === 'string' && b.name) t.name = b.name;
        if ('primary_uri_uuid' in b) t.primaryUriUuid = str(b.primary_uri_uuid);
        if ('fallback_uri_uuid' in b) t.fallbackUriUuid = str(b.fallback_uri_uuid);
        if ('credential_uuid' in b) t.credentialUuid = str(b.credential_uuid);
        if (typeof b.trunk_status === 'string') t.trunkStatus = b.trunk_status;
        return { status: 200, body: trunkJson(acct, t) };
      }),
    );
    this.route('DELETE', `${base}/trunks/:trunkId`, (req) =>
      this.withTrunk(req, (t, acct) => {
        acct.trunks.delete(t.trunkId);
        // *Unconfirmed*: that deleting a trunk releases the numbers assigned to it (rather than being refused).
        for (const [n, tid] of acct.numbers) if (tid === t.trunkId) acct.numbers.set(n, null);
        return { status: 204 };
      }),
    );

    this.route('GET', `${base}/numbers`, (req) =>
      this.withAccount(req, (acct) => page([...acct.numbers].map(([number, trunkId]) => ({ number, trunk_group_id: trunkId })))),
    );
    this.route('POST', `${base}/numbers/:number/assign`, (req) =>
      this.withNumber(req, (number, acct) => {
        const trunkId = str(jsonBody(req).trunk_group_id);
        if (!trunkId) return error(400, 'trunk_group_id is required');
        if (!acct.trunks.has(trunkId)) return error(404, 'trunk not found');
        // *Unconfirmed*: re-assigning a number already on another trunk; the fake refuses with 409.
        const current = acct.numbers.get(number);
        if (current && current !== trunkId) return error(409, `number is already assigned to trunk ${current}`);
        acct.numbers.set(number, trunkId);
        return { status: 200, body: { number, trunk_group_id: trunkId, message: 'number assigned' } };
      }),
    );
    this.route('DELETE', `${base}/numbers/:number/assign`, (req) =>
      this.withNumber(req, (number, acct) => {
        acct.numbers.set(number, null);
        return { status: 200, body: { number, trunk_group_id: null, message: 'number unassigned' } };
      }),
    );
  }

  private withAccount(req: RecordedRequest, fn: (acct: AccountState) => FakeResponse): FakeResponse {
    const acct = this.accounts.get(req.params.authId!);
    const id = req.headers['x-auth-id'];
    const token = req.headers['x-auth-token'];
    // The header's Auth ID must also be the one in the path. *Unconfirmed*: the 401 body.
    if (!acct || id !== acct.config.authId || token !== acct.config.authToken) return error(401, 'authentication failed');
    return fn(acct);
  }

  private withTrunk(req: RecordedRequest, fn: (t: FakeVobizTrunk, acct: AccountState) => FakeResponse): FakeResponse {
    return this.withAccount(req, (acct) => {
      const t = acct.trunks.get(req.params.trunkId!);
      return t ? fn(t, acct) : error(404, 'trunk not found');
    });
  }

  private withNumber(req: RecordedRequest, fn: (number: string, acct: AccountState) => FakeResponse): FakeResponse {
    return this.withAccount(req, (acct) => {
      const number = e164(req.params.number!);
      return acct.numbers.has(number) ? fn(number, acct) : error(404, 'number not found on this account');
    });
  }
}

function trunkJson(acct: AccountState, t: FakeVobizTrunk): Record<string, unknown> {
  return {
    trunk_id: t.trunkId,
    account_id: acct.config.authId,
    name: t.name,
    trunk_domain: t.trunkDomain,
    trunk_status: t.trunkStatus,
    secure: false,
    trunk_direction: t.trunkDirection,
    primary_uri_uuid: t.primaryUriUuid,
    fallback_uri_uuid: t.fallbackUriUuid,
    credential_uuid: t.credentialUuid,
    transport: t.transport,
  };
}

// *Unconfirmed*: the id field's name (`uri_id` per the skill page; trunks reference it as `*_uri_uuid`).
function uriJson(u: FakeVobizOriginationUri): Record<string, unknown> {
  return { uri_id: u.uriId, uri: u.uri, description: u.description, priority: u.priority, weight: u.weight };
}

function page(objects: unknown[]): FakeResponse {
  return { status: 200, body: { meta: { limit: 20, offset: 0, total: objects.length }, objects } };
}

function badUriRef(acct: AccountState, b: Record<string, unknown>): FakeResponse | undefined {
  for (const key of ['primary_uri_uuid', 'fallback_uri_uuid']) {
    const v = str(b[key]);
    if (v && !acct.uris.has(v)) return error(400, `${key} does not name an origination URI of this account`);
  }
  return undefined;
}

function error(status: number, message: string): FakeResponse {
  return { status, body: { error: message } };
}

function jsonBody(req: RecordedRequest): Record<string, unknown> {
  return req.body && typeof req.body === 'object' && !Array.isArray(req.body) ? (req.body as Record<string, unknown>) : {};
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v ? v : null;
}

/** Numbers may arrive in the path with or without `+` (and `+` may arrive encoded): compare as E.164. */
function e164(n: string): string {
  return `+${n.replace(/\D/g, '')}`;
}
