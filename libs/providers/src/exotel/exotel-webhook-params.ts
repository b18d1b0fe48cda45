import type { CallState } from '@callplane/contracts';
import { z } from 'zod';

type Issues = Array<{ field: string; message: string }>;

/** No control characters: they have no place in a phone number or call id, and PostgreSQL refuses NUL. */
const printable = z.string().min(1, 'is required').max(64).regex(/^[^\u0000-\u001f\u007f]+$/, 'must not contain control characters');
/** Exotel CallSids are 32 hex characters in every documented example; we accept any short token of that alphabet. */
const callSid = z.string().min(1, 'is required').max(64).regex(/^[A-Za-z0-9_-]+$/, 'must be an Exotel call SID (letters and digits)');

const passthruParams = z.object({ CallSid: callSid, CallFrom: printable, CallTo: printable });

/** An inbound call as the Passthru applet describes it, in our words (STYLE.md #3): Exotel's names stop here. */
export interface ExotelInboundCall {
  providerCallId: string;
  /** As Exotel sent them: usually 0-prefixed national (`09052161119`). */
  from: string;
  to: string;
}

/**
 * Reads the Passthru applet's parameters (support.exotel.com, "Working with Passthru applet": `CallSid`,
 * `CallFrom`, `CallTo`, `Direction`, …; a GET with the query, or a POST). Problems by Exotel parameter name.
 */
export function parseExotelPassthruParams(params: Record<string, string>): { ok: true; call: ExotelInboundCall } | { ok: false; issues: Issues } {
  const res = passthruParams.safeParse(params);
  if (!res.success) return { ok: false, issues: issuesOf(res.error) };
  return { ok: true, call: { providerCallId: res.data.CallSid, from: res.data.CallFrom, to: res.data.CallTo } };
}

/**
 * The StatusCallback's Status values (developer.exotel.com/api/statuscallback: "completed, failed, busy or
 * no-answer") in our states. Anything else is not a status callback Exotel documents.
 */
const STATUS_CALLBACK: Record<string, CallState> = { completed: 'completed', busy: 'busy', 'no-answer': 'no_answer', failed: 'failed' };

const statusParams = z.object({
  CallSid: callSid,
  Status: z.string({ message: 'is required' }).refine((s) => s in STATUS_CALLBACK, 'must be one of completed, busy, no-answer, failed'),
  DialCallDuration: z.string().regex(/^\d{1,7}$/, 'must be a whole number of seconds').optional(),
  ConversationDuration: z.string().regex(/^\d{1,7}$/, 'must be a whole number of seconds').optional(),
});

export interface ExotelStatusReport {
  providerCallId: string;
  state: CallState;
  /** Seconds the call was connected, when Exotel says (DialCallDuration, else ConversationDuration). */
  durationSeconds?: number;
}

/** Reads an Exotel StatusCallback (form or JSON; values already as strings). Problems by Exotel parameter name. */
export function parseExotelStatusParams(params: Record<string, string>): { ok: true; report: ExotelStatusReport } | { ok: false; issues: Issues } {
  const res = statusParams.safeParse(params);
  if (!res.success) return { ok: false, issues: issuesOf(res.error) };
  const d = res.data;
  const duration = d.DialCallDuration ?? d.ConversationDuration;
  return {
    ok: true,
    report: { providerCallId: d.CallSid, state: STATUS_CALLBACK[d.Status]!, ...(duration !== undefined ? { durationSeconds: Number(duration) } : {}) },
  };
}

/**
 * Webhook parameters as name → string: the query (Passthru GET) overlaid with a form or JSON body. A parameter
 * sent twice (an array) is dropped rather than guessed at; JSON numbers and booleans become strings, as a form
 * would carry them; nested values (`Legs`) are not parameters we read.
 */
export function exotelParams(...sources: unknown[]): Record<string, string> {
  // No prototype: a parameter named `__proto__` or `constructor` is just a parameter.
  const out = Object.create(null) as Record<string, string>;
  for (const source of sources) {
    if (!source || typeof source !== 'object' || Array.isArray(source)) continue;
    for (const [k, v] of Object.entries(source as Record<string, unknown>)) {
      if (typeof v === 'string') out[k] = v;
      else if (typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
    }
  }
  return out;
}

/** The first problem of each field (an empty value fails several rules at once). */
function issuesOf(err: z.ZodError): Issues {
  const byField = new Map<string, string>();
  for (const i of err.issues) {
    const field = i.path.join('.');
    if (!byField.has(field)) byField.set(field, i.code === 'invalid_type' ? 'is required' : i.message);
  }
  return [...byField].map(([field, message]) => ({ field, message }));
}
