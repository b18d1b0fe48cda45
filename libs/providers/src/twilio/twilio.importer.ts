import { toE164 } from '@callplane/contracts';
import type { SipTransportName } from '@callplane/livekit';
import type { ImportContext, ImportStep, NumberImporter } from '../import/import-plan';
import { livekitInboundStep, livekitOutboundStep } from '../import/livekit-steps';
import { ProviderError } from '../provider-adapter';
import { webhookPaths } from '../webhooks/carrier-webhooks';
import { twilioCall, twilioClient, twilioRemove, type TwilioAdapterOptions, type TwilioClient, type TwilioCredentials } from './twilio.client';
import { twilioWebhookFormat } from './twilio.webhooks';

// FriendlyName of credential lists and trunks: "up to 64 characters" (Twilio API reference for both resources).
const FRIENDLY_NAME_MAX = 64;

/** LiveKit → the trunk's termination domain, over TCP like the origination URL back to LiveKit. */
export const TWILIO_OUTBOUND_TRANSPORT: SipTransportName = 'tcp';

/** Where Twilio sends the number's calls and call status once imported (the gateway's twilio routes). */
export function twilioVoiceUrls(ctx: Pick<ImportContext, 'publicBaseUrl' | 'phoneId'>): { voiceUrl: string; statusCallback: string } {
  const urls = webhookPaths(twilioWebhookFormat, ctx.phoneId, ctx.publicBaseUrl);
  return { voiceUrl: urls.incoming, statusCallback: urls.status };
}

/**
 * The trunk's termination domain, `<label>.pstn.twilio.com`: unique across all of Twilio, so derived from our phone
 * id (itself unique and random), folded to one lower-case DNS label of at most 63 characters.
 */
export function twilioTrunkDomain(phoneId: string): string {
  const label = `callplane-${phoneId}`
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .slice(0, 63)
    .replace(/^-+|-+$/g, '');
  return `${label}.pstn.twilio.com`;
}

/**
 * Twilio import: a SIP credential list and an Elastic SIP trunk that LiveKit dials out through, LiveKit trunks, and
 * last the number's VoiceUrl pointed at our gateway (whose TwiML `<Dial><Sip>` hands each call to LiveKit).
 */
export function createTwilioImporter(opts: TwilioAdapterOptions = {}): NumberImporter<TwilioCredentials> {
  return {
    provider: 'twilio',
    secretField: 'auth_token',

    async preflight(credentials, number) {
      const client = twilioClient(credentials, opts);
      // PhoneNumber filters by pattern, so keep only the exact number (Twilio may list it in another form).
      const listed = await twilioCall('looking up the number', () =>
        client.api.v2010.accounts(credentials.account_sid).incomingPhoneNumbers.list({ phoneNumber: number }),
      );
      const found = listed.find((n) => (toE164(n.phoneNumber) ?? n.phoneNumber) === number);
      if (!found) {
        throw new ProviderError('provider_rejected', `${number} is not on this Twilio account: check the number, or use the credentials of the account (or subaccount) that owns it.`);
      }
      if (found.capabilities?.voice !== true) {
        throw new ProviderError('provider_rejected', `${number} has no voice capability on Twilio, so it cannot take or place calls.`);
      }
      // A number on an Elastic SIP trunk ignores its VoiceUrl (Twilio API reference, IncomingPhoneNumber `trunk_sid`),
      // so our webhook would never be called: the customer must take it off that trunk first.
      if (found.trunkSid) {
        throw new ProviderError(
          'provider_rejected',
          `${number} is routed by the Elastic SIP trunk ${found.trunkSid}, which overrides its voice URL: remove the number from that trunk in the Twilio Console, then import it again.`,
        );
      }
      return { providerNumberId: found.sid };
    },

    plan(credentials, ctx) {
      const client = () => twilioClient(credentials, opts);
      const account = (c: TwilioClient) => c.api.v2010.accounts(credentials.account_sid);
      const friendlyName = ctx.label.slice(0, FRIENDLY_NAME_MAX);
      const { voiceUrl, statusCallback } = twilioVoiceUrls(ctx);

      const credentialList: ImportStep = {
        name: 'twilio.credential_list',
        async run() {
          const list = await twilioCall('creating the SIP credential list', () => account(client()).sip.credentialLists.create({ friendlyName }));
          return { sid: list.sid };
        },
        async undo(output) {
          await twilioRemove('deleting the SIP credential list', () => account(client()).sip.credentialLists(output.sid!).remove());
        },
      };

      const credential: ImportStep = {
        name: 'twilio.credential',
        async run(outputs) {
          const listSid = outputs['twilio.credential_list']!.sid!;
          const { username, password } = ctx.sipAuth;
          const cred = await twilioCall('creating the SIP credential', () => account(client()).sip.credentialLists(listSid).credentials.create({ username, password }));
          return { sid: cred.sid, credential_list_sid: listSid };
        },
        async undo(output) {
          await twilioRemove('deleting the SIP credential', () => account(client()).sip.credentialLists(output.credential_list_sid!).credentials(output.sid!).remove());
        },
      };

      const trunk: ImportStep = {
        name: 'twilio.trunk',
        async run() {
          const domainName = twilioTrunkDomain(ctx.phoneId);
          const t = await twilioCall('creating the Elastic SIP trunk', () => client().trunking.v1.trunks.create({ friendlyName, domainName }));
          return { sid: t.sid, domain_name: t.domainName ?? domainName };
        },
        async undo(output) {
          await twilioRemove('deleting the Elastic SIP trunk', () => client().trunking.v1.trunks(output.sid!).remove());
        },
      };

      const trunkCredentialList: ImportStep = {
        name: 'twilio.trunk_credential_list',
        async run(outputs) {
          const trunkSid = outputs['twilio.trunk']!.sid!;
          const listSid = outputs['twilio.credential_list']!.sid!;
          await twilioCall('attaching the credential list to the trunk', () => client().trunking.v1.trunks(trunkSid).credentialsLists.create({ credentialListSid: listSid }));
          return { trunk_sid: trunkSid, credential_list_sid: listSid };
        },
        async undo(output) {
          await twilioRemove('detaching the credential list from the trunk', () =>
            client().trunking.v1.trunks(output.trunk_sid!).credentialsLists(output.credential_list_sid!).remove(),
          );
        },
      };

      const originationUrl: ImportStep = {
        name: 'twilio.origination_url',
        async run(outputs) {
          const trunkSid = outputs['twilio.trunk']!.sid!;
          const ou = await twilioCall('adding the trunk origination URL', () =>
            client().trunking.v1.trunks(trunkSid).originationUrls.create({
              friendlyName: 'livekit',
              sipUrl: `sip:${ctx.livekitSipHost};transport=tcp`,
              priority: 10,
              weight: 10,
              enabled: true,
            }),
          );
          return { sid: ou.sid, trunk_sid: trunkSid };
        },
        async undo(output) {
          await twilioRemove('deleting the trunk origination URL', () => client().trunking.v1.trunks(output.trunk_sid!).originationUrls(output.sid!).remove());
        },
      };

      // Last: calls reach us only once everything behind the webhook exists. The previous routing is kept (URLs and
      // an application sid are not secrets) so undoing hands the number back as it was.
      const voiceUrlStep: ImportStep = {
        name: 'twilio.voice_url',
        async run() {
          const pn = ctx.preflight.providerNumberId;
          const number = () => account(client()).incomingPhoneNumbers(pn);
          const before = await twilioCall('reading the number', () => number().fetch());
          await twilioCall("setting the number's voice URL", () =>
            number().update({
              voiceUrl,
              voiceMethod: 'POST',
              statusCallback,
              statusCallbackMethod: 'POST',
              // An application on the number overrides its VoiceUrl (Twilio API reference, `voice_application_sid`).
              ...(before.voiceApplicationSid ? { voiceApplicationSid: '' } : {}),
            }),
          );
          return {
            number_sid: pn,
            previous_voice_url: before.voiceUrl ?? '',
            previous_voice_method: before.voiceMethod ?? 'POST',
            previous_status_callback: before.statusCallback ?? '',
            previous_status_callback_method: before.statusCallbackMethod ?? 'POST',
            previous_voice_application_sid: before.voiceApplicationSid ?? '',
          };
        },
        async undo(output) {
          // 404: the number left the account; there is nothing of ours on it any more.
          await twilioRemove("restoring the number's voice URL", () =>
            account(client())
              .incomingPhoneNumbers(output.number_sid!)
              .update({
                voiceUrl: output.previous_voice_url ?? '',
                voiceMethod: output.previous_voice_method || 'POST',
                statusCallback: output.previous_status_callback ?? '',
                statusCallbackMethod: output.previous_status_callback_method || 'POST',
                ...(output.previous_voice_application_sid ? { voiceApplicationSid: output.previous_voice_application_sid } : {}),
              }),
          );
        },
      };

      return {
        steps: [
          credentialList,
          credential,
          trunk,
          trunkCredentialList,
          originationUrl,
          livekitInboundStep(ctx, { auth: ctx.sipAuth }),
          livekitOutboundStep(ctx, (o) => ({ address: o['twilio.trunk']!.domain_name!, auth: ctx.sipAuth, transport: TWILIO_OUTBOUND_TRANSPORT })),
          voiceUrlStep,
        ],
        inbound: {
          automatic: true,
          manualSteps:
            `If calls to ${ctx.number} do not reach your agent, open the number in the Twilio Console and under Voice Configuration set ` +
            `"A call comes in" to Webhook ${voiceUrl} (HTTP POST) and the call status changes URL to ${statusCallback} (HTTP POST).`,
        },
      };
    },
  };
}
