import { toE164 } from '@callplane/contracts';
import { type AccountNumber, type ProviderAdapter } from '../provider-adapter';
import { twilioCall, twilioClient, type TwilioAdapterOptions, type TwilioCredentials } from './twilio.client';

export type { TwilioAdapterOptions, TwilioCredentials } from './twilio.client';

export function createTwilioAdapter(opts: TwilioAdapterOptions = {}): ProviderAdapter<TwilioCredentials> {
  const pageSize = opts.pageSize ?? 1000;

  return {
    provider: 'twilio',

    async validateCredentials(credentials) {
      const client = twilioClient(credentials, opts);
      await twilioCall('fetching the account', () => client.api.v2010.accounts(credentials.account_sid).fetch());
    },

    async listNumbers(credentials) {
      const client = twilioClient(credentials, opts);
      // `list` without a limit follows next_page_uri through every page.
      const numbers = await twilioCall('listing phone numbers', () => client.api.v2010.accounts(credentials.account_sid).incomingPhoneNumbers.list({ pageSize }));
      return numbers.map((n): AccountNumber => {
        const e164 = toE164(n.phoneNumber);
        const base = { number: e164 ?? n.phoneNumber, providerId: n.sid, friendlyName: n.friendlyName };
        if (!e164) return { ...base, importable: false, reason: 'Not a dialable phone number (for example a short code).' };
        if (n.capabilities?.voice !== true) return { ...base, importable: false, reason: 'This number has no voice capability on Twilio, so it cannot take calls.' };
        return { ...base, importable: true };
      });
    },
  };
}
