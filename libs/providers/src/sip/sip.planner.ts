import type { ImportContext, NumberPlanner } from '../import/import-plan';
import { livekitInboundStep } from '../import/livekit-steps';
import { twilioVoiceUrls } from '../twilio/twilio.importer';

/**
 * What the customer does for a bring-your-own number: point the provider's voice webhook at us. Such numbers speak
 * Twilio's webhook format (API.md: the same `/twilio/incoming/{phone_id}` URL), signed with the secret they gave.
 */
export function byoManualSteps(ctx: Pick<ImportContext, 'publicBaseUrl' | 'phoneId'>): string {
  return `In your provider's console, set this number's voice webhook to ${twilioVoiceUrls(ctx).voiceUrl} (HTTP POST).`;
}

/**
 * A bring-your-own number's LiveKit side: an inbound trunk for the number, authenticated with SIP credentials of
 * its own (the gateway's TwiML presents them), and the dispatch rule that sends the agent. Nothing at the
 * customer's provider is ours to set up, so there are no credentials (`null`) and no preflight: only the plan.
 */
export const byoPlanner: NumberPlanner<null> = {
  plan: (_credentials, ctx) => ({ steps: [livekitInboundStep(ctx, { auth: ctx.sipAuth })], inbound: { automatic: false, manualSteps: byoManualSteps(ctx) } }),
};
