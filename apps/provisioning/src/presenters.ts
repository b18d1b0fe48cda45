import type { AfterHours, AgentDto, PhoneNumberDto, Provider, VoiceConfig } from '@callplane/contracts';
import type { Agent, PhoneNumber } from '@callplane/db';
import { carrierOf, webhookPaths } from '@callplane/providers';

export function presentAgent(a: Agent & { phoneNumbers?: Array<{ id: string }> }): AgentDto {
  return {
    id: a.id,
    name: a.name,
    system_prompt: a.systemPrompt,
    voice: a.voice as VoiceConfig,
    after_hours: (a.afterHours as AfterHours | null) ?? null,
    status_webhook_url: a.statusWebhookUrl,
    phone_numbers: (a.phoneNumbers ?? []).map((p) => p.id),
    created_at: a.createdAt.toISOString(),
    updated_at: a.updatedAt.toISOString(),
  };
}

/** Webhook URL shown to customers, built from PUBLIC_BASE_URL (API.md). Carriers with no webhooks (SIP-direct) have none. */
export function webhookUrl(publicBaseUrl: string, p: Pick<PhoneNumber, 'id' | 'provider'>): string | null {
  const format = carrierOf(p.provider)?.webhooks;
  return format ? webhookPaths(format, p.id, publicBaseUrl).incoming : null;
}

export function presentPhoneNumber(p: PhoneNumber, publicBaseUrl: string): PhoneNumberDto {
  return {
    id: p.id,
    number: p.number,
    provider: p.provider as Provider,
    byok: p.byok,
    agent_id: p.agentId,
    greeting: p.greeting,
    enabled: p.enabled,
    webhook_url: webhookUrl(publicBaseUrl, p),
    // The gateway checks a signature with the signing secret, or with the key the carrier's format takes from the
    // stored credentials (a Twilio number's own auth token). Only whether they are stored is read here.
    signed_webhooks: p.signingSecretEnc !== null || (carrierOf(p.provider)?.webhooks?.signsWithCredentials === true && p.credentialsEnc !== null),
    credential_hint: p.credentialHint,
    inbound: { configured: p.inboundConfigured, manual_steps: p.inboundManualSteps },
    outbound: { enabled: p.outboundEnabled },
    locked: p.lockedReason ? { reason: p.lockedReason } : null,
    state: p.state as PhoneNumberDto['state'],
    attention: p.attentionReason ? { reason: p.attentionReason } : null,
    ...(p.deleteWarning ? { delete_warning: p.deleteWarning } : {}),
    created_at: p.createdAt.toISOString(),
  };
}
