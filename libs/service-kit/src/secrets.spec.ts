import { createHash, randomBytes } from 'node:crypto';
import { constantTimeEqual, hashApiKey, newApiKey, SecretBox, secretHint } from './secrets';

const key = () => randomBytes(32).toString('base64');

/** Flips one bit of one base64url field of a sealed secret. */
function tamper(sealed: string, field: 'iv' | 'tag' | 'ct'): string {
  const parts = sealed.split('.');
  const index = { iv: 2, tag: 3, ct: 4 }[field];
  const bytes = Buffer.from(parts[index]!, 'base64url');
  bytes[0] = bytes[0]! ^ 0x01;
  parts[index] = bytes.toString('base64url');
  return parts.join('.');
}

describe('SecretBox', () => {
  test.each([
    ['an auth token', 'twilio-auth-token-0123456789'],
    ['JSON credentials', JSON.stringify({ account_sid: `AC${'1'.repeat(32)}`, auth_token: 'secret' })],
    ['non-ASCII text', 'pässwörd ✓ पासवर्ड'],
    ['an empty string', ''],
  ])('seals and opens %s', (_what, plaintext) => {
    const box = new SecretBox(key());
    const sealed = box.seal(plaintext);
    expect(box.open(sealed)).toBe(plaintext);
    if (plaintext) expect(sealed).not.toContain(plaintext);
  });

  test('the sealed form is v1.<key id>.<iv>.<tag>.<ciphertext> and never repeats for the same plaintext', () => {
    const box = new SecretBox(key());
    const a = box.seal('same secret');
    const b = box.seal('same secret');
    expect(a).toMatch(/^v1\.[0-9a-f]{8}\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(a.split('.')[1]).toBe(box.currentId);
    expect(a).not.toBe(b);
    expect(a.split('.')[2]).not.toBe(b.split('.')[2]);
  });

  test('a string key and the same key as a Buffer are the same key', () => {
    const raw = randomBytes(32);
    const sealed = new SecretBox(raw).seal('hello');
    expect(new SecretBox(raw.toString('base64')).open(sealed)).toBe('hello');
  });

  test.each(['iv', 'tag', 'ct'] as const)('a tampered %s is refused, not decrypted to garbage', (field) => {
    const box = new SecretBox(key());
    const sealed = box.seal('twilio-auth-token-0123456789');
    expect(() => box.open(tamper(sealed, field))).toThrow();
  });

  test('truncated or foreign formats are refused', () => {
    const box = new SecretBox(key());
    const sealed = box.seal('x');
    expect(() => box.open(sealed.split('.').slice(0, 4).join('.'))).toThrow('Unrecognised sealed secret format');
    expect(() => box.open(`v2${sealed.slice(2)}`)).toThrow('Unrecognised sealed secret format');
    expect(() => box.open('plaintext-secret')).toThrow('Unrecognised sealed secret format');
  });

  test('another key cannot open it', () => {
    const sealed = new SecretBox(key()).seal('secret');
    const other = new SecretBox(key());
    expect(() => other.open(sealed)).toThrow(/No CREDENTIALS_KEY with id [0-9a-f]{8}/);
  });

  test('relabelling the ciphertext with the current key id still fails authentication', () => {
    const oldBox = new SecretBox(key());
    const sealed = oldBox.seal('secret');
    const other = new SecretBox(key());
    const relabelled = sealed.replace(`.${oldBox.currentId}.`, `.${other.currentId}.`);
    expect(() => other.open(relabelled)).toThrow();
  });

  describe('key rotation', () => {
    test('rows sealed under the previous key still open; new rows use the new key', () => {
      const oldKey = key();
      const newKey = key();
      const before = new SecretBox(oldKey).seal('sealed before rotation');

      const rotated = new SecretBox(newKey, [oldKey]);
      expect(rotated.open(before)).toBe('sealed before rotation');

      const after = rotated.seal('sealed after rotation');
      expect(after.split('.')[1]).toBe(rotated.currentId);
      expect(rotated.currentId).not.toBe(new SecretBox(oldKey).currentId);
      // A process still on the old key alone cannot read what the new key sealed.
      expect(() => new SecretBox(oldKey).open(after)).toThrow(/No CREDENTIALS_KEY/);
      expect(new SecretBox(newKey).open(after)).toBe('sealed after rotation');
    });

    test('after the previous key is dropped, its rows no longer open', () => {
      const oldKey = key();
      const before = new SecretBox(oldKey).seal('old');
      expect(() => new SecretBox(key()).open(before)).toThrow(/No CREDENTIALS_KEY/);
    });
  });

  test.each([
    ['16 bytes', randomBytes(16).toString('base64')],
    ['33 bytes', randomBytes(33)],
  ])('refuses a key of %s, current or previous', (_what, bad) => {
    expect(() => new SecretBox(bad)).toThrow('CREDENTIALS_KEY must be 32 bytes');
    expect(() => new SecretBox(key(), [bad])).toThrow('CREDENTIALS_KEY must be 32 bytes');
  });
});

describe('API keys', () => {
  test('newApiKey issues cp_live_ keys that never repeat', () => {
    const keys = Array.from({ length: 200 }, () => newApiKey());
    for (const k of keys) expect(k).toMatch(/^cp_live_[A-Za-z0-9_-]{43}$/);
    expect(new Set(keys).size).toBe(keys.length);
  });

  test('hashApiKey is the deterministic sha256 of the key, and differs between keys', () => {
    const k = newApiKey();
    expect(hashApiKey(k)).toBe(hashApiKey(k));
    expect(hashApiKey(k)).toBe(createHash('sha256').update(k).digest('hex'));
    expect(hashApiKey(k)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashApiKey(k)).not.toContain(k.slice(8));
    expect(hashApiKey(newApiKey())).not.toBe(hashApiKey(k));
    expect(hashApiKey(`${k} `)).not.toBe(hashApiKey(k));
  });

  test('secretHint shows only the last four characters', () => {
    expect(secretHint('twilio-auth-token-0123456789')).toBe('…6789');
    expect(secretHint('abc')).toBe('…abc');
  });

  test.each([
    ['equal strings', 'admin-token-0123456789', 'admin-token-0123456789', true],
    ['different strings', 'admin-token-0123456789', 'admin-token-0123456780', false],
    ['a prefix', 'admin-token-0123456789', 'admin-token', false],
    ['empty against non-empty', '', 'x', false],
  ])('constantTimeEqual on %s', (_what, a, b, expected) => {
    expect(constantTimeEqual(a, b)).toBe(expected);
  });
});

describe('secretBoxFromConfig', () => {
  it('seals with the current key and still opens what a previous key sealed (rotation through settings)', async () => {
    const { randomBytes } = await import('node:crypto');
    const { loadEnv } = await import('@callplane/config');
    const { secretBoxFromConfig, SecretBox: Box } = await import('./secrets');
    const oldKey = randomBytes(32).toString('base64');
    const newKey = randomBytes(32).toString('base64');
    const sealedBefore = new Box(oldKey).seal('auth-token-before-rotation');
    const config = loadEnv(['CREDENTIALS_KEY', 'CREDENTIALS_KEY_PREVIOUS'], { CREDENTIALS_KEY: newKey, CREDENTIALS_KEY_PREVIOUS: ` ${oldKey} ` });
    const box = secretBoxFromConfig(config);
    expect(box.open(sealedBefore)).toBe('auth-token-before-rotation');
    const sealedAfter = box.seal('auth-token-after');
    expect(() => new Box(oldKey).open(sealedAfter)).toThrow();
    expect(() => loadEnv(['CREDENTIALS_KEY_PREVIOUS'], { CREDENTIALS_KEY_PREVIOUS: 'short' })).toThrow(/CREDENTIALS_KEY_PREVIOUS/);
  });
});
