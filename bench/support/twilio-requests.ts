import { createHmac, randomBytes } from 'node:crypto';
import type { RequestPlan } from './load-types';

/** Twilio's algorithm, written out independently of the SDK: HMAC-SHA1(url + sorted name+value pairs), base64. */
export function twilioSignature(authToken: string, url: string, params: Record<string, string>): string {
  const data = Object.keys(params)
    .sort()
    .reduce((acc, k) => acc + k + params[k], url);
  return createHmac('sha1', authToken).update(data).digest('base64');
}

export const newCallSid = (): string => `CA${randomBytes(16).toString('hex')}`;

/** The parameters of a real inbound voice webhook (Twilio docs, "TwiML voice webhook request"), so body parsing and signing cost what they cost in production. */
export function inboundVoiceParams(callSid: string): Record<string, string> {
  return {
    AccountSid: `AC${'1'.repeat(32)}`,
    ApiVersion: '2010-04-01',
    CallSid: callSid,
    CallStatus: 'ringing',
    CallToken: JSON.stringify({ parentCallInfoToken: 'x'.repeat(120) }),
    Called: '+14155550142',
    CalledCity: 'SAN FRANCISCO',
    CalledCountry: 'US',
    CalledState: 'CA',
    CalledZip: '94105',
    Caller: '+919876543210',
    CallerCountry: 'IN',
    Direction: 'inbound',
    From: '+919876543210',
    FromCountry: 'IN',
    StirVerstat: 'TN-Validation-Passed-A',
    To: '+14155550142',
    ToCity: 'SAN FRANCISCO',
    ToCountry: 'US',
    ToState: 'CA',
    ToZip: '94105',
  };
}

/**
 * Every request of a plan as the exact bytes to write on a keep-alive HTTP/1.1 connection, signed up front so
 * the generator spends its time sending, not hashing.
 */
export function buildRequests(plan: RequestPlan, host: string, port: number): Buffer[] {
  const hostHeader = `Host: ${host}:${port}\r\n`;
  if (plan.kind === 'get') return [Buffer.from(`GET ${plan.path} HTTP/1.1\r\n${hostHeader}Connection: keep-alive\r\n\r\n`, 'latin1')];

  const path = `/twilio/incoming/${plan.phoneId}`;
  const publicUrl = `${plan.publicBaseUrl}${path}`;
  const out: Buffer[] = [];
  for (let i = 0; i < plan.count; i++) {
    const params = inboundVoiceParams(plan.repeatCallSid ?? newCallSid());
    const body = new URLSearchParams(params).toString();
    const signature = twilioSignature(plan.signingSecret, publicUrl, params);
    out.push(
      Buffer.from(
        `POST ${path} HTTP/1.1\r\n${hostHeader}Connection: keep-alive\r\nContent-Type: application/x-www-form-urlencoded\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nX-Twilio-Signature: ${signature}\r\nI-Twilio-Idempotency-Token: ${randomBytes(16).toString('hex')}\r\n\r\n${body}`,
        'latin1',
      ),
    );
  }
  return out;
}
