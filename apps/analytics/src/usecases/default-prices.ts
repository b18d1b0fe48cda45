import type { PriceTable } from '@callplane/contracts';

/**
 * The price table seeded when `price_tables` is empty (version 1). Indicative list prices in USD at the
 * time of writing; operators replace them with their own through `PUT /admin/pricing`.
 */
export const DEFAULT_PRICES: PriceTable = {
  currency: 'USD',
  telephony_per_minute: [
    { provider: 'twilio', direction: 'inbound', price: 0.015 },
    { provider: 'twilio', direction: 'outbound', price: 0.015 },
    { provider: 'vobiz', direction: 'inbound', price: 0.005 },
    { provider: 'vobiz', direction: 'outbound', price: 0.005 },
    { provider: 'plivo', direction: 'inbound', price: 0.0085 },
    { provider: 'plivo', direction: 'outbound', price: 0.012 },
    { provider: 'exotel', direction: 'inbound', price: 0.01 },
    { provider: 'exotel', direction: 'outbound', price: 0.012 },
    // Bring-your-own SIP: the customer pays their carrier; we carry no telephony cost.
    { provider: 'sip', direction: 'inbound', price: 0 },
    { provider: 'sip', direction: 'outbound', price: 0 },
  ],
  llm_per_1k_tokens: [
    { provider: 'openai', model: 'gpt-4o-mini', prompt: 0.00015, completion: 0.0006 },
    { provider: 'openai', model: 'gpt-4o', prompt: 0.0025, completion: 0.01 },
    { provider: 'openai', model: '*', prompt: 0.0025, completion: 0.01 },
    { provider: 'anthropic', model: '*', prompt: 0.003, completion: 0.015 },
    { provider: 'google', model: '*', prompt: 0.0001, completion: 0.0004 },
  ],
  tts_per_1k_characters: [
    { provider: 'cartesia', model: '*', price: 0.03 },
    { provider: 'elevenlabs', model: '*', price: 0.18 },
    { provider: 'openai', model: '*', price: 0.015 },
  ],
  stt_per_minute: [
    { provider: 'deepgram', model: '*', price: 0.0043 },
    { provider: 'assemblyai', model: '*', price: 0.0062 },
    { provider: 'openai', model: '*', price: 0.006 },
  ],
};
