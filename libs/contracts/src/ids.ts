/** Opaque ids with a type prefix (API.md conventions). */
export const ID_PREFIX = {
  tenant: 'ten',
  user: 'usr',
  agent: 'agt',
  phoneNumber: 'pn',
  callSession: 'cs',
  campaign: 'cmp',
  campaignContact: 'cct',
  event: 'evt',
} as const;
export type IdKind = keyof typeof ID_PREFIX;

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

/** 20 base-36 characters from the platform CSPRNG: about 103 bits, unguessable across tenants. */
export function newId(kind: IdKind): string {
  const bytes = new Uint8Array(20);
  globalThis.crypto.getRandomValues(bytes);
  let out = '';
  for (const b of bytes) out += ALPHABET[b % 36];
  return `${ID_PREFIX[kind]}_${out}`;
}

export function hasPrefix(id: string, kind: IdKind): boolean {
  return id.startsWith(`${ID_PREFIX[kind]}_`);
}
