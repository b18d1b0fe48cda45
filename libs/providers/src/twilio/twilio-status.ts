import type { CallState } from '@callplane/contracts';
import { z } from 'zod';
import type { CallStatusReport } from '../webhooks/carrier-webhooks';

/**
 * Twilio's CallStatus values (Twilio docs, "Call resource: call status values") in our states. `initiated` and
 * `answered` are the status-callback event names some callbacks carry instead.
 */
const TWILIO_STATUS: Record<string, CallState> = {
  queued: 'initiating',
  initiated: 'initiating',
  ringing: 'ringing',
  'in-progress': 'in_progress',
  answered: 'in_progress',
  completed: 'completed',
  busy: 'busy',
  failed: 'failed',
  'no-answer': 'no_answer',
  canceled: 'canceled',
};

const statusParams = z.object({
  CallSid: z.string().regex(/^CA[0-9a-fA-F]{32}$/, 'must be a Twilio call SID (CA + 32 hex characters)'),
  ParentCallSid: z.string().regex(/^CA[0-9a-fA-F]{32}$/, 'must be a Twilio call SID (CA + 32 hex characters)').optional(),
  CallStatus: z.string().refine((s) => s in TWILIO_STATUS, 'must be a Twilio call status (queued, ringing, in-progress, completed, busy, failed, no-answer, canceled)'),
  CallDuration: z.string().regex(/^\d{1,7}$/).optional(),
  SipResponseCode: z.string().regex(/^[1-6]\d\d$/).optional(),
  Timestamp: z.string().max(64).optional(),
});

/** Reads a Twilio status callback (Twilio docs, "StatusCallback parameters"); problems by Twilio parameter name. */
export function parseTwilioStatusParams(params: Record<string, string>): { ok: true; report: CallStatusReport } | { ok: false; issues: Array<{ field: string; message: string }> } {
  const res = statusParams.safeParse(params);
  if (!res.success) return { ok: false, issues: res.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })) };
  const d = res.data;
  const at = d.Timestamp ? new Date(d.Timestamp) : undefined;
  return {
    ok: true,
    report: {
      // A <Dial> leg's callback names its parent: the call the session was opened for.
      providerCallId: d.ParentCallSid ?? d.CallSid,
      state: TWILIO_STATUS[d.CallStatus]!,
      ...(d.CallDuration !== undefined ? { durationSeconds: Number(d.CallDuration) } : {}),
      ...(d.SipResponseCode !== undefined ? { sipStatus: Number(d.SipResponseCode) } : {}),
      ...(at && !Number.isNaN(at.getTime()) ? { at } : {}),
    },
  };
}
