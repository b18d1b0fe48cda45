/** OpenAPI text for the Twilio-format webhook routes: Twilio's header and parameter names stop in this folder. */
export const TWILIO_WEBHOOK_DOCS = {
  incoming: {
    summary: 'Twilio voice webhook (also bring-your-own numbers)',
    description:
      "Authenticated by X-Twilio-Signature (HMAC-SHA1 with the number's auth token or signing secret) over PUBLIC_BASE_URL + path. Answers TwiML that forwards the call to LiveKit SIP, or a spoken message and hang-up.",
    answer: 'TwiML',
  },
  status: {
    summary: 'Twilio call status callback',
    description:
      "Signed like the voice webhook. CallStatus (queued, ringing, in-progress, completed, busy, failed, no-answer, canceled) becomes the call's state through the one call-state machine: retries and late callbacks change nothing. A callback for an unknown call is accepted and ignored.",
    answer: 'Recorded (or nothing to record)',
  },
} as const;
