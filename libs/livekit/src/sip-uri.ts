/**
 * The SIP URI a carrier forwards an inbound call to: LiveKit's SIP service matches the dialled user part
 * against its inbound trunks' numbers. Custom headers ride as URI parameters (Twilio passes `X-` prefixed
 * ones through as SIP headers, which LiveKit exposes as participant attributes when mapped).
 */
export function livekitSipUri(toNumber: string, sipHost: string, opts: { transport?: 'tcp' | 'udp' | 'tls'; headers?: Record<string, string> } = {}): string {
  const headers = Object.entries(opts.headers ?? {})
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&');
  const uri = `sip:${toNumber}@${sipHost};transport=${opts.transport ?? 'tcp'}${headers ? `?${headers}` : ''}`;
  // Twilio rejects <Sip> URIs of 255 characters or more.
  if (uri.length >= 255) throw new Error('SIP URI too long for the carrier (255 characters)');
  return uri;
}

/** The SIP header that carries our session id to LiveKit, so the agent can find the session. */
export const SESSION_HEADER = 'X-Callplane-Session';

/** The participant attribute LiveKit's inbound trunks map `SESSION_HEADER` to (`headersToAttributes`). */
export const SESSION_ATTRIBUTE = 'callplane.session_id';

/**
 * Attributes LiveKit's SIP service sets on a SIP participant (docs.livekit.io/sip/sip-participant).
 * `callStatus` is `dialing` / `ringing` / `automation` / `active` / `hangup`: the callee has answered at `active`.
 */
export const SIP_ATTRIBUTES = {
  callStatus: 'sip.callStatus',
  callId: 'sip.callID',
  phoneNumber: 'sip.phoneNumber',
  trunkPhoneNumber: 'sip.trunkPhoneNumber',
} as const;
