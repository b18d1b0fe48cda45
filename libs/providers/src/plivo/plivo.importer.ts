import { toE164 } from '@callplane/contracts';
import type { SipTransportName } from '@callplane/livekit';
import type { ImportStep, NumberImporter } from '../import/import-plan';
import { livekitInboundStep, livekitOutboundStep } from '../import/livekit-steps';
import { ProviderError } from '../provider-adapter';
import { checkPlivoAccount, plivoClientFor, type PlivoAdapterOptions, type PlivoCredentials } from './plivo-account';
import { INDIA_BOUND_REASON, isIndiaBound, isIndianLocal, numberBinding, type PlivoNumber } from './plivo-number';
import { plivoErrorText, type PlivoClient } from './plivo.client';

/** What `POST Zentrunk/Trunk/` answers (PROVIDERS.md: `trunk_id`; the domain is derived unless it is sent). */
interface PlivoTrunkCreated {
  trunk_id?: string | number;
  trunk_domain?: string;
}

/** Zentrunk's SIP domains take TCP from LiveKit: our imports' outbound trunks and the trial pool's use it. */
export const ZENTRUNK_TRANSPORT: SipTransportName = 'tcp';

/**
 * Plivo BYOK is SIP-direct through Zentrunk (PROVIDERS.md "Plivo"): an outbound trunk LiveKit dials through with
 * the number's SIP credentials, an inbound trunk whose origination URI is LiveKit SIP, and the number attached
 * to that inbound trunk. There is no webhook path, and no fallback to one.
 */
export function createPlivoImporter(opts: PlivoAdapterOptions = {}): NumberImporter<PlivoCredentials> {
  return {
    provider: 'plivo',
    secretField: 'auth_token',

    async preflight(credentials, number) {
      const client = plivoClientFor(credentials, opts);
      await checkPlivoAccount(client);
      const e164 = toE164(number);
      if (!e164) throw new ProviderError('provider_rejected', `${number} is not a valid phone number`);
      const digits = e164.slice(1);
      const res = await client.get<PlivoNumber>(`Number/${digits}/`);
      if (res.status === 404) {
        throw new ProviderError(
          'provider_rejected',
          `${e164} is not a number on this Plivo account: check that the auth ID is the one of the account that owns the number`,
          { providerStatus: 404 },
        );
      }
      if (res.status >= 400) {
        throw new ProviderError('provider_rejected', `Plivo refused to look up ${e164}: ${plivoErrorText(res)}`, { providerStatus: res.status });
      }
      if (isIndiaBound(res.data, e164)) throw new ProviderError('plivo_india_number_locked', INDIA_BOUND_REASON);
      return { providerNumberId: digits, stickyBinding: isIndianLocal(res.data, e164) };
    },

    plan(credentials, ctx) {
      // Opened on first use: a plan is also rebuilt at delete time, and building it must not throw.
      let client: PlivoClient | undefined;
      const api = () => (client ??= plivoClientFor(credentials, opts));
      const digits = ctx.preflight.providerNumberId;

      const steps: ImportStep[] = [
        zentrunkStep(api, 'plivo.credential', 'Credential', 'credential_uuid', () => ({
          name: ctx.label,
          username: ctx.sipAuth.username,
          password: ctx.sipAuth.password,
        })),
        zentrunkStep(api, 'plivo.origination_uri', 'URI', 'uri_uuid', () => ({ name: `${ctx.label}-livekit`, uri: `${ctx.livekitSipHost};transport=tcp` })),
        {
          name: 'plivo.outbound_trunk',
          async run(outputs) {
            const body = { name: `${ctx.label}-out`, trunk_direction: 'outbound', credential_uuid: outputs['plivo.credential']!.credential_uuid };
            const trunk = await createTrunk(api(), body);
            return { trunk_id: trunk.trunk_id, domain: trunk.domain };
          },
          undo: (output) => removeZentrunk(api(), 'Trunk', output.trunk_id!),
        },
        {
          name: 'plivo.inbound_trunk',
          async run(outputs) {
            const body = { name: `${ctx.label}-in`, trunk_direction: 'inbound', primary_uri_uuid: outputs['plivo.origination_uri']!.uri_uuid };
            const trunk = await createTrunk(api(), body);
            return { trunk_id: trunk.trunk_id };
          },
          undo: (output) => removeZentrunk(api(), 'Trunk', output.trunk_id!),
        },
        // Plivo's inbound trunk sends calls for the number to LiveKit SIP; the dispatch rule sends the voice agent.
        livekitInboundStep(ctx),
        livekitOutboundStep(ctx, (o) => ({ address: o['plivo.outbound_trunk']!.domain!, auth: ctx.sipAuth, transport: ZENTRUNK_TRANSPORT })),
        {
          // Last: calls start reaching LiveKit only once everything behind the number exists.
          name: 'plivo.attach_number',
          async run(outputs) {
            const trunkId = outputs['plivo.inbound_trunk']!.trunk_id!;
            await updateNumber(api(), digits, numberBinding.attach(trunkId), `attach ${ctx.number} to the Zentrunk trunk`);
            return { number: digits, trunk_id: trunkId };
          },
          async undo(output) {
            await updateNumber(api(), output.number ?? digits, numberBinding.detach(), `detach ${ctx.number} from the Zentrunk trunk`, { notFoundIsDone: true });
          },
        },
      ];

      return {
        steps,
        inbound: {
          automatic: true,
          manualSteps:
            `Nothing to do: Plivo sends calls for ${ctx.number} to your agent over the Zentrunk inbound trunk ${ctx.label}-in. ` +
            `If calls do not arrive, check in the Plivo console (Zentrunk, Inbound Trunks) that ${ctx.number} is attached to that trunk.`,
        },
        ...(ctx.preflight.stickyBinding
          ? {
              lockedReason: 'Plivo keeps an Indian local number bound to the Zentrunk trunk it was attached to: this number stays bound to the trunk Callplane created.',
              deleteWarning:
                'Deleting this number releases the trunk binding on Callplane\'s side only: Plivo keeps this Indian local number bound, so it cannot be imported again ' +
                'unless you release and re-purchase it, or ask Plivo support to clear the binding.',
            }
          : {}),
      };
    },
  };
}

/** A Zentrunk resource created by `POST Zentrunk/{resource}/` and removed by `DELETE Zentrunk/{resource}/{id}/`. */
function zentrunkStep(api: () => PlivoClient, name: string, resource: string, idKey: string, body: () => Record<string, unknown>): ImportStep {
  return {
    name,
    async run() {
      const res = await api().post<Record<string, unknown>>(`Zentrunk/${resource}/`, body());
      if (res.status >= 400) throw refused(`create the Zentrunk ${resource}`, res.status, plivoErrorText(res));
      return { [idKey]: idFrom(res.data, idKey, resource) };
    },
    undo: (output) => removeZentrunk(api(), resource, output[idKey]!),
  };
}

async function createTrunk(client: PlivoClient, body: Record<string, unknown>): Promise<{ trunk_id: string; domain: string }> {
  const res = await client.post<PlivoTrunkCreated>('Zentrunk/Trunk/', body);
  if (res.status >= 400) throw refused(`create the Zentrunk ${String(body.trunk_direction)} trunk`, res.status, plivoErrorText(res));
  const trunkId = idFrom(res.data, 'trunk_id', 'Trunk');
  // PROVIDERS.md: a trunk's SIP domain is `<trunk_id>.zt.plivo.com`.
  return { trunk_id: trunkId, domain: res.data.trunk_domain || `${trunkId}.zt.plivo.com` };
}

/** Removes a Zentrunk resource; one that is already gone (404) counts as removed. */
async function removeZentrunk(client: PlivoClient, resource: string, id: string): Promise<void> {
  const res = await client.delete(`Zentrunk/${resource}/${encodeURIComponent(id)}/`);
  if (res.status >= 400 && res.status !== 404) throw refused(`delete the Zentrunk ${resource} ${id}`, res.status, plivoErrorText(res));
}

async function updateNumber(client: PlivoClient, digits: string, body: Record<string, unknown>, what: string, opts: { notFoundIsDone?: boolean } = {}): Promise<void> {
  const res = await client.post(`Number/${digits}/`, body);
  if (res.status === 404 && opts.notFoundIsDone) return;
  if (res.status >= 400) throw refused(what, res.status, plivoErrorText(res));
}

function idFrom(data: unknown, key: string, resource: string): string {
  const id = (data as Record<string, unknown> | undefined)?.[key];
  if (typeof id === 'string' && id) return id;
  if (typeof id === 'number') return String(id);
  throw new ProviderError('provider_rejected', `Plivo created the Zentrunk ${resource} but answered without its ${key}`);
}

const refused = (what: string, status: number, text: string): ProviderError =>
  new ProviderError('provider_rejected', `Plivo refused to ${what}: ${text}`, { providerStatus: status });
