/**
 * Every ExoML answer we give, in one place: Exotel's XML for an inbound call (Passthru applet → our URL).
 *
 * *Unconfirmed*: the exact schema. Exotel documents ExoML only for its newer actions API (`<Flow>`, `<StartSay>`…,
 * developer.exotel.com/docs/exoml) and documents the Passthru applet as choosing the flow's next applet by status
 * (200 / 302), without reading the body. The TwiML-style `<Response><Dial><Sip>` and `<Say>`/`<Hangup/>` below are
 * what the mission describes; the documented route to SIP is a vSIP trunk (which the Exotel importer also
 * configures). When Exotel's real schema is known, only this file changes.
 */

export const EXOML_CONTENT_TYPE = 'application/xml';

const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

/** Forward the call to a SIP URI (LiveKit), with the digest credentials LiveKit's inbound trunk expects, if any. */
export function exomlDialSip(sipUri: string, auth: { username?: string; password?: string } = {}): string {
  const attrs = [auth.username ? ` username="${escapeXml(auth.username)}"` : '', auth.password ? ` password="${escapeXml(auth.password)}"` : ''].join('');
  return `${DECLARATION}<Response><Dial><Sip${attrs}>${escapeXml(sipUri)}</Sip></Dial></Response>`;
}

/** Speak a message and hang up: unassigned numbers, after hours, and calls we cannot confirm with Exotel. */
export function exomlSayHangup(message: string): string {
  return `${DECLARATION}<Response><Say>${escapeXml(message)}</Say><Hangup/></Response>`;
}

/** Text and attribute values: the five XML specials; control characters (not allowed in XML 1.0) dropped. */
function escapeXml(s: string): string {
  return s
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}
