import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * AES-256-GCM for provider credentials and signing secrets at rest.
 * Stored form: `v1.<key id>.<iv b64url>.<tag b64url>.<ciphertext b64url>`; the key id lets a new
 * CREDENTIALS_KEY be introduced while rows written under the old one are still readable.
 */
export class SecretBox {
  private readonly keys = new Map<string, Buffer>();
  constructor(
    current: string | Buffer,
    previous: Array<string | Buffer> = [],
  ) {
    const cur = toKey(current);
    this.currentId = keyId(cur);
    this.keys.set(this.currentId, cur);
    for (const p of previous) {
      const k = toKey(p);
      this.keys.set(keyId(k), k);
    }
  }
  readonly currentId: string;

  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.currentId)!, iv);
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v1', this.currentId, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.');
  }

  open(sealed: string): string {
    const [v, id, iv, tag, ct] = sealed.split('.');
    if (v !== 'v1' || !id || !iv || !tag || ct === undefined) throw new Error('Unrecognised sealed secret format');
    const key = this.keys.get(id);
    if (!key) throw new Error(`No CREDENTIALS_KEY with id ${id} is configured`);
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
  }
}

function toKey(k: string | Buffer): Buffer {
  const buf = typeof k === 'string' ? Buffer.from(k, 'base64') : k;
  if (buf.length !== 32) throw new Error('CREDENTIALS_KEY must be 32 bytes');
  return buf;
}

function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

/** The box for a service's settings: seals with CREDENTIALS_KEY, still opens what CREDENTIALS_KEY_PREVIOUS sealed. */
export function secretBoxFromConfig(config: { CREDENTIALS_KEY: string; CREDENTIALS_KEY_PREVIOUS?: string[] }): SecretBox {
  return new SecretBox(config.CREDENTIALS_KEY, config.CREDENTIALS_KEY_PREVIOUS ?? []);
}

/** Last four characters, the only part of a secret the API ever shows. */
export const secretHint = (secret: string): string => `…${secret.slice(-4)}`;

/** API keys: `cp_live_` + 32 random bytes. Only the sha256 is stored; lookups hash the presented key. */
export function newApiKey(): string {
  return `cp_live_${randomBytes(32).toString('base64url')}`;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function constantTimeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}
