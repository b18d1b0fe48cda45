import twilio from 'twilio';

/**
 * X-Twilio-Signature: HMAC-SHA1 over the public URL plus sorted POST params (twilio-node
 * src/webhooks/webhooks.ts). The SDK's validateRequest also tries the URL with and without the
 * port, as Twilio's own servers do. `url` must be the URL Twilio called (PUBLIC_BASE_URL), not the pod's.
 */
export function verifyTwilioSignature(input: { authToken: string; signature: string | undefined; url: string; params: Record<string, string> }): boolean {
  if (!input.signature) return false;
  return twilio.validateRequest(input.authToken, input.signature, input.url, input.params);
}

/** Forward the call to LiveKit SIP (LiveKit docs, "accepting calls from Twilio voice"): one <Sip> per <Dial>. */
export function twimlDialSip(sipUri: string, opts: { username?: string; password?: string; statusCallback?: string } = {}): string {
  const response = new twilio.twiml.VoiceResponse();
  const dial = response.dial({ answerOnBridge: true });
  dial.sip(
    {
      ...(opts.username ? { username: opts.username } : {}),
      ...(opts.password ? { password: opts.password } : {}),
      ...(opts.statusCallback ? { statusCallback: opts.statusCallback, statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'], statusCallbackMethod: 'POST' } : {}),
    },
    sipUri,
  );
  return response.toString();
}

/** Speak a message and hang up: after hours, unassigned numbers, anything we must refuse politely. */
export function twimlSayHangup(message: string): string {
  const response = new twilio.twiml.VoiceResponse();
  response.say(message);
  response.hangup();
  return response.toString();
}
