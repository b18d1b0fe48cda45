import { ProviderError } from '../provider-adapter';
import type { NumberImporter } from '../import/import-plan';
import { livekitInboundStep, livekitOutboundStep } from '../import/livekit-steps';

/**
 * What a Vobiz customer gives at import (API.md: vobiz `{sip_domain, username, password}` plus the number): the
 * SIP trunk Vobiz issued them. LiveKit places outbound calls through that trunk with these credentials.
 */
export interface VobizSipCredentials {
  /** The trunk's SIP domain, e.g. `{trunk_id}.sip.vobiz.ai`. */
  sip_domain: string;
  username: string;
  password: string;
}

const HOST = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+(:\d{1,5})?$/;

/**
 * Vobiz imports are SIP-only: no REST call can check SIP credentials, so the trunk is proved by the first call
 * (an outbound INVITE authenticates, or LiveKit reports the SIP error). Inbound needs the customer's trunk to
 * send calls to LiveKit SIP, which only they can set with these credentials: the number says how.
 */
export function createVobizImporter(): NumberImporter<VobizSipCredentials> {
  return {
    provider: 'vobiz',
    secretField: 'password',

    async preflight(credentials, number) {
      if (!HOST.test(credentials.sip_domain ?? '')) {
        throw new ProviderError('invalid_credentials', 'The Vobiz SIP domain must be a host name such as abc123.sip.vobiz.ai: copy it from your trunk in the Vobiz console.');
      }
      if (!credentials.username || !credentials.password) {
        throw new ProviderError('invalid_credentials', 'The Vobiz trunk username and password are both required: copy them from your trunk in the Vobiz console.');
      }
      return { providerNumberId: number.replace(/^\+/, ''), stickyBinding: false };
    },

    plan(credentials, ctx) {
      return {
        steps: [
          livekitInboundStep(ctx),
          livekitOutboundStep(ctx, () => ({ address: credentials.sip_domain, auth: { username: credentials.username, password: credentials.password } })),
        ],
        inbound: {
          automatic: false,
          manualSteps:
            `In the Vobiz console, open the trunk ${credentials.sip_domain}, set its origination URI to sip:${ctx.livekitSipHost};transport=tcp ` +
            `and assign ${ctx.number} to that trunk, so calls to the number reach your agent.`,
        },
      };
    },
  };
}
