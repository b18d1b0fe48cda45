import type { PrismaClient } from '@callplane/db';
import { AppError } from './errors';
import { constantTimeEqual, hashApiKey } from './secrets';

export type Principal = { kind: 'user'; tenantId: string; userId: string } | { kind: 'admin' };
export type AuthMode = 'user' | 'admin' | 'none';

export interface Authenticator {
  /** The user a bearer API key belongs to, or null for an unknown key. */
  user(apiKey: string): Promise<{ tenantId: string; userId: string } | null>;
  /** True when the bearer token is the operator's ADMIN_TOKEN. */
  admin(token: string): boolean;
  /** Drops what is cached for this user, so a revoked key is refused at once by this process. */
  forget(userId: string): void;
}

/**
 * API keys checked against their sha256 in `users`; a revoked user's key is unknown. Known keys are cached briefly so
 * a burst of requests costs one lookup; unknown keys are never cached, so a newly issued key works at once. A revoke
 * clears this process's cache (`forget`); other processes notice within `cacheMs`.
 */
export function databaseAuthenticator(prisma: PrismaClient, adminToken: string, cacheMs = 30_000): Authenticator {
  const cache = new Map<string, { at: number; value: { tenantId: string; userId: string } }>();
  return {
    async user(apiKey) {
      const hash = hashApiKey(apiKey);
      const hit = cache.get(hash);
      if (hit && Date.now() - hit.at < cacheMs) return hit.value;
      const user = await prisma.user.findUnique({ where: { apiKeyHash: hash }, select: { id: true, tenantId: true, revokedAt: true } });
      if (!user || user.revokedAt) {
        cache.delete(hash);
        return null;
      }
      const value = { tenantId: user.tenantId, userId: user.id };
      if (cache.size > 10_000) cache.clear();
      cache.set(hash, { at: Date.now(), value });
      return value;
    },
    admin: (token) => constantTimeEqual(token, adminToken),
    forget(userId) {
      for (const [hash, hit] of cache) if (hit.value.userId === userId) cache.delete(hash);
    },
  };
}

const UNAUTHORIZED = () => new AppError('unauthorized', 'Send a valid API key as "Authorization: Bearer <api_key>".');

export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1] ?? null;
}

export async function authenticate(mode: AuthMode, header: string | undefined, auth: Authenticator): Promise<Principal | null> {
  if (mode === 'none') return null;
  const token = bearerToken(header);
  if (!token) throw UNAUTHORIZED();
  if (mode === 'admin') {
    if (!auth.admin(token)) throw new AppError('unauthorized', 'Send the operator token as "Authorization: Bearer <ADMIN_TOKEN>".');
    return { kind: 'admin' };
  }
  const user = await auth.user(token);
  if (!user) throw UNAUTHORIZED();
  return { kind: 'user', ...user };
}
