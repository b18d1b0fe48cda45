import { createHmac } from 'node:crypto';

/**
 * X-Twilio-Signature as Twilio computes it, written out independently of the SDK the code under test uses:
 * HMAC-SHA1 keyed with the auth token over the full URL followed by each POST parameter's name and value,
 * sorted by name; base64.
 */
export function twilioSignature(authToken: string, url: string, params: Record<string, string>): string {
  const data = Object.keys(params)
    .sort()
    .reduce((acc, k) => acc + k + params[k], url);
  return createHmac('sha1', authToken).update(data).digest('base64');
}
