import twilio from 'twilio';

/*
 * TwiML. The two answers of the webhook path are written as strings: byte for byte what the SDK's builder
 * (xmlbuilder) writes, at a fraction of its cost. Text the fast path does not cover — empty strings (the SDK
 * writes self-closing elements), characters outside the plain XML range (the SDK refuses some, encodes others) —
 * goes through the SDK, so the answer (or the error) stays the SDK's.
 */
const XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>';
/** Tab, newline, carriage return and the Basic Multilingual Plane without surrogates and U+FFFE/U+FFFF. */
const PLAIN_XML = /^[\t\n\r\u0020-\ud7ff\ue000-\ufffd]+$/;
const plain = (s: string) => PLAIN_XML.test(s);

/** Element text as xmlbuilder escapes it. */
const escapeText = (s: string) => (/[&<>\r]/.test(s) ? s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#xD;') : s);
/** Attribute values as xmlbuilder escapes them. */
const escapeAttr = (s: string) =>
  /[&<"\t\n\r]/.test(s)
    ? s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;').replace(/\t/g, '&#x9;').replace(/\n/g, '&#xA;').replace(/\r/g, '&#xD;')
    : s;

const STATUS_EVENTS: Array<'initiated' | 'ringing' | 'answered' | 'completed'> = ['initiated', 'ringing', 'answered', 'completed'];

/** Forward the call to LiveKit SIP (LiveKit docs, "accepting calls from Twilio voice"): one <Sip> per <Dial>. */
export function twimlDialSip(sipUri: string, opts: { username?: string; password?: string; statusCallback?: string } = {}): string {
  const attrs: Array<[string, string]> = [];
  if (opts.username) attrs.push(['username', opts.username]);
  if (opts.password) attrs.push(['password', opts.password]);
  if (opts.statusCallback) attrs.push(['statusCallback', opts.statusCallback], ['statusCallbackEvent', STATUS_EVENTS.join(' ')], ['statusCallbackMethod', 'POST']);
  if (!plain(sipUri) || !attrs.every(([, v]) => plain(v))) return twimlDialSipWithSdk(sipUri, opts);
  let sip = '<Sip';
  for (const [name, value] of attrs) sip += ` ${name}="${escapeAttr(value)}"`;
  return `${XML_HEAD}<Response><Dial answerOnBridge="true">${sip}>${escapeText(sipUri)}</Sip></Dial></Response>`;
}

/** Speak a message and hang up: after hours, unassigned numbers, anything we must refuse politely. */
export function twimlSayHangup(message: string): string {
  if (!plain(message)) return twimlSayHangupWithSdk(message);
  return `${XML_HEAD}<Response><Say>${escapeText(message)}</Say><Hangup/></Response>`;
}

/** The SDK's builder: the reference the string versions are tested against, and their fallback. */
export function twimlDialSipWithSdk(sipUri: string, opts: { username?: string; password?: string; statusCallback?: string } = {}): string {
  const response = new twilio.twiml.VoiceResponse();
  const dial = response.dial({ answerOnBridge: true });
  dial.sip(
    {
      ...(opts.username ? { username: opts.username } : {}),
      ...(opts.password ? { password: opts.password } : {}),
      ...(opts.statusCallback ? { statusCallback: opts.statusCallback, statusCallbackEvent: STATUS_EVENTS, statusCallbackMethod: 'POST' } : {}),
    },
    sipUri,
  );
  return response.toString();
}

export function twimlSayHangupWithSdk(message: string): string {
  const response = new twilio.twiml.VoiceResponse();
  response.say(message);
  response.hangup();
  return response.toString();
}
