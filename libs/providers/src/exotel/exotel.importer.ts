import axios, { type AxiosInstance, type Method } from 'axios';
import { toE164 } from '@callplane/contracts';
import type { SipTransportName } from '@callplane/livekit';
import type { ImportContext, ImportStep, NumberImporter, StepOutputs } from '../import/import-plan';
import { livekitInboundStep, livekitOutboundStep } from '../import/livekit-steps';
import { httpProviderError } from '../http-provider-error';
import { PROVIDER_TIMEOUT_MS, ProviderError } from '../provider-adapter';
import { webhookPaths } from '../webhooks/carrier-webhooks';
import { createExotelAdapter, type ExotelAdapterOptions, type ExotelCredentials } from './exotel.adapter';
import { exotelWebhookFormat } from './exotel.webhooks';

export interface ExotelImporterOptions extends ExotelAdapterOptions {
  /**
   * `LIVEKIT_SIP_ADDRESSES`: public IPv4s LiveKit SIP sends outbound INVITEs from. Exotel trunks authenticate by
   * IP whitelist, so outbound calls through the trunk need them; without them only inbound is set up.
   */
  livekitSipAddresses?: string[];
}

// Same rule as exotel.adapter.ts: the subdomain is customer input and must not steer our requests elsewhere.
const SUBDOMAINS = ['api.exotel.com', 'api.in.exotel.com'];
const DEFAULT_SUBDOMAIN = 'api.exotel.com';

/**
 * `pstn` is the documented default and the "standard PSTN inbound/outbound" mode; `flow` routes the number into
 * Exotel's own StreamKit voice-AI, which we don't use (developer.exotel.com/docs/sip-trunking/dynamic-sip-trunking).
 */
const TRUNK_NUMBER_MODE = 'pstn';

/**
 * LiveKit → Exotel. Exotel trunks take TCP or TLS only (the API's validation rules refuse udp), and a new trunk
 * reports `secure_trunking: "disabled"`, so TLS is not on for the trunks we create: TCP, like our destination URI.
 */
export const EXOTEL_OUTBOUND_TRANSPORT: SipTransportName = 'tcp';

/** `exotel.trunk` … `exotel.voice_url` (see `plan`). Step names are recorded with the number: never rename. */
export function createExotelImporter(opts: ExotelImporterOptions = {}): NumberImporter<ExotelCredentials> {
  const adapter = createExotelAdapter(opts);
  const http = axios.create({ timeout: opts.timeoutMs ?? PROVIDER_TIMEOUT_MS });
  const addresses = opts.livekitSipAddresses ?? [];

  const voiceUrlOf = (ctx: ImportContext) => webhookPaths(exotelWebhookFormat, encodeURIComponent(ctx.phoneId), ctx.publicBaseUrl).incoming;

  return {
    provider: 'exotel',
    secretField: 'api_token',

    async preflight(credentials, number) {
      const wanted = toE164(number, 'IN');
      const phones = await adapter.listNumbers(credentials);
      const phone = wanted ? phones.find((p) => p.number === wanted) : undefined;
      if (!phone) {
        throw new ProviderError('provider_rejected', `${number} is not an ExoPhone on Exotel account ${credentials.account_sid}: buy or port it in the Exotel dashboard first`);
      }
      return { providerNumberId: phone.providerId, stickyBinding: false };
    },

    plan(credentials, ctx) {
      const api = exotelApi(http, opts, credentials);
      const trunkPath = (o: StepOutputs) => encodeURIComponent(o['exotel.trunk']!.trunk_sid!);
      const exophoneSid = ctx.preflight.providerNumberId;
      const trunkName = trunkNameFor(ctx.phoneId);

      const steps: ImportStep[] = [
        {
          name: 'exotel.trunk',
          async run() {
            const body = { trunk_name: trunkName, nso_code: 'ANY-ANY', domain_name: `${credentials.account_sid}.pstn.exotel.com` };
            const trunk = await api.v2('POST', '/trunks', body).then(([created]) => created, async (err: unknown) => {
              // The name is derived from the phone id, so a trunk by that name is ours from a run that crashed
              // before journaling it: adopt it rather than fail on the duplicate (and leave it behind).
              if (!(err instanceof ProviderError && err.opts.providerStatus === 409)) throw err;
              const found = (await api.v2('GET', '/trunks')).find((t) => t.trunk_name === trunkName);
              if (!found) throw err;
              return found;
            });
            return { trunk_sid: str(trunk, 'trunk_sid'), domain_name: str(trunk, 'domain_name') };
          },
          async undo(output) {
            // Documented as a query parameter, not a path segment (developer.exotel.com/api/delete-trunk). Deleting
            // the trunk also deletes its number mapping, whitelisted IPs and destination URIs.
            await ignoreNotFound(api.v2('DELETE', `/trunks?trunk_sid=${encodeURIComponent(output.trunk_sid!)}`));
          },
        },
        {
          // No undo: Exotel documents no API to unmap a number; deleting the trunk (exotel.trunk's undo) removes it.
          name: 'exotel.trunk_number',
          async run(o) {
            const [row] = await api.v2('POST', `/trunks/${trunkPath(o)}/phone-numbers`, { phone_number: ctx.number, mode: TRUNK_NUMBER_MODE });
            return { phone_number_id: str(row, 'id') };
          },
        },
        {
          // No undo: no documented DELETE for destination URIs; the trunk's deletion removes them.
          name: 'exotel.destination_uri',
          async run(o) {
            const rows = await api.v2('POST', `/trunks/${trunkPath(o)}/destination-uris`, { destinations: [{ destination: `${ctx.livekitSipHost};transport=tcp` }] });
            return { destination_uri_ids: rows.map((r) => str(r, 'id')).join(',') };
          },
        },
        {
          // Always in the plan (a no-op without addresses) so a number imported while addresses were configured can
          // still be torn down after they are removed: teardown matches recorded steps by name. No undo: no
          // documented DELETE; the trunk's deletion removes them.
          name: 'exotel.whitelisted_ips',
          async run(o) {
            const ids: string[] = [];
            for (const ip of addresses) {
              const [row] = await api.v2('POST', `/trunks/${trunkPath(o)}/whitelisted-ips`, { ip, mask: 32 });
              ids.push(str(row, 'id'));
            }
            return { whitelisted_ip_ids: ids.join(',') };
          },
        },
        livekitInboundStep(ctx),
        livekitOutboundStep(ctx, (o) => ({ address: o['exotel.trunk']!.domain_name!, transport: EXOTEL_OUTBOUND_TRANSPORT })),
        {
          name: 'exotel.voice_url',
          bestEffort: true,
          async run() {
            const ours = voiceUrlOf(ctx);
            const current = (await api.exophone(exophoneSid)).voice_url;
            await api.setVoiceUrl(exophoneSid, ours);
            // A rerun after a lost answer finds our own URL: there is nothing older we still know to restore.
            return { exophone_sid: exophoneSid, previous_voice_url: typeof current === 'string' && current !== ours ? current : '' };
          },
          async undo(output) {
            const phone = await ignoreNotFound(api.exophone(output.exophone_sid!));
            // Released number, or the customer has pointed it elsewhere since: nothing of ours to take back.
            if (!phone || phone.voice_url !== voiceUrlOf(ctx)) return;
            // *Unconfirmed*: Exotel documents no way to clear a VoiceUrl, so with no previous one ours stays (calls
            // then get our 404 for the deleted number rather than silence).
            if (output.previous_voice_url) await api.setVoiceUrl(output.exophone_sid!, output.previous_voice_url);
          },
        },
      ];

      return { steps, inbound: { automatic: true, manualSteps: manualSteps(ctx, voiceUrlOf(ctx)) } };
    },

    async configureInbound(credentials, ctx) {
      await exotelApi(http, opts, credentials).setVoiceUrl(ctx.preflight.providerNumberId, voiceUrlOf(ctx));
    },
  };
}

/** ≤16 characters of `[A-Za-z0-9_]` (Exotel's trunk_name rule), stable per phone id so a rerun finds its trunk. */
export function trunkNameFor(phoneId: string): string {
  const random = phoneId.replace(/^pn_/, '').replace(/[^A-Za-z0-9]/g, '');
  return `cp_${random.slice(0, 13)}`;
}

function manualSteps(ctx: ImportContext, url: string): string {
  // The Exotel dashboard lists ExoPhones 0-prefixed (`09513886363`).
  const national = ctx.number.startsWith('+91') ? ` (${'0' + ctx.number.slice(3)} in the Exotel dashboard)` : '';
  return (
    `In Exotel's App Bazaar, create a flow whose first applet is a Passthru applet (not the Voicebot applet) with the URL ${url}, ` +
    `save it, then open ExoPhones and connect ExoPhone ${ctx.number}${national} to that flow.`
  );
}

type Json = Record<string, unknown>;

/** Exotel's two APIs for one account: vSIP trunks (v2, JSON in an envelope) and ExoPhones (v2_beta, forms). */
function exotelApi(http: AxiosInstance, opts: ExotelAdapterOptions, c: ExotelCredentials) {
  const base = baseUrl(opts, c);
  const sid = encodeURIComponent(c.account_sid);
  const auth = { username: c.api_key, password: c.api_token };
  const send = async (method: Method, url: string, data?: unknown, form = false): Promise<unknown> => {
    try {
      const headers = { accept: 'application/json', ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) };
      return (await http.request({ method, url: `${base}${url}`, data, auth, headers })).data;
    } catch (err) {
      throw toProviderError(err);
    }
  };
  const exophonePath = (exophoneSid: string) => `/v2_beta/Accounts/${sid}/IncomingPhoneNumbers/${encodeURIComponent(exophoneSid)}`;
  return {
    /** The `data` of every item Exotel answered with (one for single-resource answers). */
    v2: async (method: Method, path: string, body?: unknown): Promise<Json[]> => v2Data(await send(method, `/v2/accounts/${sid}${path}`, body)),
    exophone: async (exophoneSid: string): Promise<Json> => ((await send('GET', exophonePath(exophoneSid))) ?? {}) as Json,
    setVoiceUrl: async (exophoneSid: string, voiceUrl: string): Promise<void> => {
      await send('PUT', exophonePath(exophoneSid), new URLSearchParams({ VoiceUrl: voiceUrl }).toString(), true);
    },
  };
}

function baseUrl(opts: ExotelAdapterOptions, c: ExotelCredentials): string {
  for (const key of ['api_key', 'api_token', 'account_sid'] as const) {
    if (typeof c?.[key] !== 'string' || !c[key].trim()) throw new ProviderError('invalid_credentials', `Exotel credentials need ${key}`);
  }
  if (opts.apiBaseUrl) return opts.apiBaseUrl.replace(/\/+$/, '');
  const subdomain = c.subdomain?.trim() || DEFAULT_SUBDOMAIN;
  if (!SUBDOMAINS.includes(subdomain)) throw new ProviderError('invalid_credentials', `Exotel subdomain must be one of ${SUBDOMAINS.join(', ')}`);
  return `https://${subdomain}`;
}

/**
 * Exotel's v2 envelope `{http_code, response}`: `response` is one `{code, status, error_data, data}` or a list of
 * them. A failure may come inside an HTTP 200 (a duplicate number: `response.code` 409) or a 207, so every
 * item's status is checked, not only the HTTP status (github.com/exotel/exotel-vsip-trunk-Configuration-API docs).
 */
function v2Data(body: unknown): Json[] {
  const response = (body as { response?: unknown } | undefined)?.response;
  const items = (Array.isArray(response) ? response : [response]) as Array<{ code?: unknown; status?: unknown; error_data?: { description?: unknown; message?: unknown } | null; data?: unknown } | undefined>;
  for (const item of items) {
    if (!item || typeof item !== 'object') throw new ProviderError('provider_unavailable', 'Exotel answered without a response envelope');
    if (item.status === 'failure') {
      const status = typeof item.code === 'number' ? item.code : 400;
      const message = String(item.error_data?.description ?? item.error_data?.message ?? 'no message');
      if (status === 401 || status === 403) throw new ProviderError('invalid_credentials', `Exotel refused the API key and token (${status})`, { providerStatus: status });
      if (status >= 500 || status === 429) throw new ProviderError('provider_unavailable', `Exotel API failed (${status}): ${message}`, { providerStatus: status });
      throw new ProviderError('provider_rejected', `Exotel rejected the request (${status}): ${message}`, { providerStatus: status });
    }
  }
  return items.map((i) => (i!.data ?? {}) as Json);
}

function str(obj: Json | undefined, key: string): string {
  const v = obj?.[key];
  if (typeof v !== 'string' && typeof v !== 'number') throw new ProviderError('provider_unavailable', `Exotel answered without ${key}`);
  return String(v);
}

/** Undo treats a resource that is already gone as removed. */
async function ignoreNotFound<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof ProviderError && err.opts.providerStatus === 404) return undefined;
    throw err;
  }
}

const toProviderError = (err: unknown): ProviderError => httpProviderError('Exotel', err, { credentials: 'the API key and token', messageOf: exotelMessage });

/** The message of either API's error body: v2_beta `{RestException: {Message}}`, v2 `{response: {error_data}}`. */
function exotelMessage(data: unknown): string | undefined {
  const d = data as { RestException?: { Message?: unknown }; response?: { error_data?: { description?: unknown } | null } } | undefined;
  const m = d?.RestException?.Message ?? d?.response?.error_data?.description;
  return typeof m === 'string' ? m : undefined;
}
