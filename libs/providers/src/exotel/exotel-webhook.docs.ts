import { z } from 'zod';

/** How Exotel's requests are authenticated, for the routes' OpenAPI descriptions (API.md asks that it be documented). */
const AUTHENTICATION =
  'Exotel does not sign its requests. Each one is authenticated by asking Exotel: its CallSid must be a call on the Exotel ' +
  "account imported with this number (Call Details API, GET /v1/Accounts/{sid}/Calls/{CallSid}, with the number's stored " +
  'API key), and that call must be to this number (compared in E.164). Otherwise: 403 and nothing is written. Confirmed ' +
  "CallSids are remembered for 30 minutes, so Exotel's retries and the status callback need no second lookup. Only " +
  'imported (BYOK) Exotel numbers have these URLs; any other phone id is 404.';

// Exotel's names, documented for the reader; the webhook implementation validates them, so any shape is accepted here.
const param = (description: string) => z.union([z.string(), z.array(z.string())]).optional().describe(description);

/** OpenAPI text for Exotel's Passthru applet and StatusCallback routes: Exotel's parameter names stop in this folder. */
export const EXOTEL_WEBHOOK_DOCS = {
  incoming: {
    summaryGet: 'Exotel Passthru applet (GET, parameters in the query)',
    summaryPost: 'Exotel Passthru applet (POST, parameters in a form body)',
    description: `${AUTHENTICATION} If Exotel's API cannot be reached, the caller hears an apology and nothing is written.`,
    params: z
      .object({
        CallSid: param('Exotel call id (required)'),
        CallFrom: param('The caller, usually 0-prefixed national: 09876543210 (required)'),
        CallTo: param('The ExoPhone called (required)'),
        Direction: param('incoming'),
        CustomField: param('Passed through from the flow'),
      })
      .catchall(z.unknown()),
    answer: 'ExoML forwarding the call to LiveKit SIP, or a spoken message and hang-up',
    invalid: 'validation_failed: CallSid, CallFrom or CallTo missing or malformed',
    refused: 'forbidden: the CallSid is not a call to this number on its Exotel account',
    unknownNumber: 'not_found: no imported Exotel number has this id',
  },
  status: {
    summary: 'Exotel status callback (form or JSON)',
    description:
      `${AUTHENTICATION} The CallSid must also be a call session on this number; one that is not is answered 204 and ignored. ` +
      'Status maps to the session state (completed, busy, no-answer → no_answer, failed); a retried or out-of-order callback changes nothing.',
    params: z
      .object({
        CallSid: param('Exotel call id (required)'),
        Status: param('completed | busy | no-answer | failed (required)'),
        DialCallDuration: param('Seconds of the forwarded leg'),
        RecordingUrl: param('Not stored'),
      })
      .catchall(z.unknown()),
    invalid: 'validation_failed: CallSid missing, or Status not one of completed, busy, no-answer, failed',
    refused: 'forbidden: the CallSid is not a call to this number on its Exotel account',
    unknownNumber: 'not_found: no imported Exotel number has this id',
    unavailable: "provider_unavailable: Exotel's API could not confirm the call; Exotel retries",
  },
} as const;
