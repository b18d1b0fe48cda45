import { z } from 'zod';

/** No control characters: they have no place in a phone number or SID, and PostgreSQL refuses NUL. */
const printable = z.string().min(1).max(64).regex(/^[^\u0000-\u001f\u007f]+$/, 'must not contain control characters'); // isPrintable below: the same rule

const CALL_SID = /^CA[0-9a-fA-F]{32}$/;
const PRINTABLE = /^[^\u0000-\u001f\u007f]+$/;
const isPrintable = (v: unknown): v is string => typeof v === 'string' && v.length <= 64 && PRINTABLE.test(v);

const voiceParams = z.object({
  CallSid: z.string().regex(CALL_SID, 'must be a Twilio call SID (CA + 32 hex characters)'),
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
  // The common case checked directly (zod's parse costs more than the rest of a webhook's checks); anything it
  // does not accept goes through the schema, which is the rule and words the problems.
  const { CallSid, From, To } = params;
  if (typeof CallSid === 'string' && CALL_SID.test(CallSid) && isPrintable(From) && isPrintable(To)) return { ok: true, call: { providerCallId: CallSid, from: From, to: To } };
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
  const form = body as Record<string, unknown>;
  for (const k of Object.keys(form)) {
    const v = form[k];
    if (typeof v === 'string') out[k] = v;
  }
  return out;
}
