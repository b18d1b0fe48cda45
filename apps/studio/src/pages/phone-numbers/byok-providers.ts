import type { byokCredentialsSchemas, byokImportCredentialsSchemas, ByokProviderName } from '@callplane/contracts';
import type { z } from 'zod';

type ListCredentials<P extends ByokProviderName> = z.infer<(typeof byokCredentialsSchemas)[P]>;
type ImportCredentials<P extends ByokProviderName> = z.infer<(typeof byokImportCredentialsSchemas)[P]>;

interface CredentialField<K> {
  name: K;
  label: string;
  secret?: boolean;
  placeholder?: string;
  optional?: boolean;
}

export interface ByokProviderForm<P extends ByokProviderName = ByokProviderName> {
  provider: P;
  /** The `Add` menu item and the dialog's title. */
  title: string;
  /** Credentials that list the account's numbers (`available`). */
  listFields: Array<CredentialField<keyof ListCredentials<P>>>;
  /** Credentials taken at import when they differ from the listing's (Vobiz: the SIP trunk's). */
  importFields?: Array<CredentialField<keyof ImportCredentials<P>>>;
  help: string;
}

/** What each BYOK provider asks for; field names are the contract's credential schemas' keys. */
export const BYOK_FORMS: { [P in ByokProviderName]: ByokProviderForm<P> } = {
  twilio: {
    provider: 'twilio',
    title: 'Twilio',
    listFields: [
      { name: 'account_sid', label: 'Account SID', placeholder: 'AC…' },
      { name: 'auth_token', label: 'Auth token', secret: true },
    ],
    help: 'Your Twilio Console shows the Account SID and auth token on its dashboard.',
  },
  vobiz: {
    provider: 'vobiz',
    title: 'Vobiz',
    listFields: [
      { name: 'auth_id', label: 'Auth ID' },
      { name: 'auth_token', label: 'Auth token', secret: true },
    ],
    importFields: [
      { name: 'sip_domain', label: 'SIP domain', placeholder: 'abc123.sip.vobiz.ai' },
      { name: 'username', label: 'SIP username' },
      { name: 'password', label: 'SIP password', secret: true },
    ],
    help: 'The REST credentials list your numbers; the SIP trunk credentials carry the calls.',
  },
  exotel: {
    provider: 'exotel',
    title: 'Exotel BYOK',
    listFields: [
      { name: 'account_sid', label: 'Account SID' },
      { name: 'api_key', label: 'API key' },
      { name: 'api_token', label: 'API token', secret: true },
    ],
    help: 'Exotel shows these under Settings › API in its dashboard.',
  },
  plivo: {
    provider: 'plivo',
    title: 'Plivo BYOK',
    listFields: [
      { name: 'auth_id', label: 'Auth ID', placeholder: 'MA…' },
      { name: 'auth_token', label: 'Auth token', secret: true },
    ],
    help: "Use your main account's Auth ID (MA…) and token from the Plivo console overview.",
  },
};
