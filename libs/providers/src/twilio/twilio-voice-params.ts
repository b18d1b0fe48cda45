import { z } from 'zod';

/** No control characters: they have no place in a phone number or SID, and PostgreSQL refuses NUL. */
const printable = z.string().min(1).max(64).regex(/^[^\u0000-\u001f\u007f]+$/, 'must not contain control characters');

const voiceParams = z.object({
  CallSid: z.string().regex(/^CA[0-9a-fA-F]{32}$/, 'must be a Twilio call SID (CA + 32 hex characters)'),
  From: printable,
  To: printable,
});

/** The call as our code speaks of it: Twilio's parameter names stop here (STYLE.md #3). */
export interface InboundCallParams {
  providerCallId: string;
  from: string;
  to: string;
}

/**
 * Reads the voice webhook's parameters (Twilio docs, "TwiML voice webhook request": CallSid, From, To…).
 * Returns the problems, by Twilio parameter name, when they are missing or malformed.
 */
export function parseTwilioVoiceParams(params: Record<string, string>): { ok: true; call: InboundCallParams } | { ok: false; issues: Array<{ field: string; message: string }> } {
  const res = voiceParams.safeParse(params);
  if (!res.success) return { ok: false, issues: res.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })) };
  return { ok: true, call: { providerCallId: res.data.CallSid, from: res.data.From, to: res.data.To } };
}

/**
 * Form parameters as Twilio signs them: name → string value. A parameter sent twice (an array) or a body
 * that isn't form-encoded can't come from Twilio; they yield nothing, so a signature check over them fails.
 */
export function formParams(body: unknown, contentType: string | undefined): Record<string, string> {
  if (!contentType?.toLowerCase().startsWith('application/x-www-form-urlencoded') || !body || typeof body !== 'object') return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(body as Record<string, unknown>)) if (typeof v === 'string') out[k] = v;
  return out;
}
