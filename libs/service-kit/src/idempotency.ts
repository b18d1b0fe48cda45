import { createHash } from 'node:crypto';
import type { PrismaClient } from '@callplane/db';
import { Prisma } from '@callplane/db';
import { backoffDelay } from '@callplane/events';
import { AppError } from './errors';
import type { SecretBox } from './secrets';

export type IdempotencyBegin =
  | { kind: 'new' }
  | { kind: 'replay'; status: number; body: unknown }
  | { kind: 'conflict' }
  | { kind: 'in_progress' };

export interface IdempotencyStore {
  begin(scope: string, key: string, fingerprint: Fingerprint): Promise<IdempotencyBegin>;
  /**
   * `sensitive`: the body holds a secret shown once; it is stored encrypted, or not at all without a key. Retried through
   * a failing database before it gives up: the request's work is done, and a key left in flight could let it run again.
   */
  complete(scope: string, key: string, status: number, body: unknown, opts?: { sensitive?: boolean }): Promise<void>;
  /** The request failed without creating anything: the key may be used again. Retried like complete(). */
  abandon(scope: string, key: string): Promise<void>;
}

export interface Fingerprint {
  method: string;
  path: string;
  bodyHash: string;
}

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/** A first request that never completed (its process died) stops blocking retries after this long. */
const STALE_IN_FLIGHT_MS = 60_000;

/**
 * How hard complete() and abandon() try through a failing database (a dropped connection, a failover), a few seconds in
 * all. Both write the same thing again when retried. Given up, a key stays in flight until the stale cutoff: its retries
 * are refused as in progress, and after the cutoff a completed request's key would let it run a second time.
 */
const BOOKKEEPING_RETRY = { attempts: 8, baseMs: 50, maxMs: 1_000 };

async function persistently(write: () => Promise<unknown>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await write();
      return;
    } catch (err) {
      if (attempt >= BOOKKEEPING_RETRY.attempts) throw err;
      await new Promise((resolve) => setTimeout(resolve, backoffDelay(attempt - 1, BOOKKEEPING_RETRY)));
    }
  }
}

export function fingerprint(method: string, path: string, body: unknown): Fingerprint {
  return { method, path, bodyHash: createHash('sha256').update(canonicalJson(body)).digest('hex') };
}

/** JSON with sorted keys, so the same body sent with keys in another order is still the same request. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v ?? null);
}

/**
 * Keys live in `idempotency_records`. The first request inserts an in-flight row (a unique insert, so
 * two concurrent requests with one key cannot both proceed), runs, then stores its response.
 */
export function prismaIdempotencyStore(prisma: PrismaClient, opts: { now?: () => Date; secrets?: SecretBox } = {}): IdempotencyStore {
  const now = opts.now ?? (() => new Date());
  return {
    async begin(scope, key, fp) {
      for (let attempt = 0; attempt < 2; attempt++) {
        const at = now();
        try {
          await prisma.idempotencyRecord.create({
            data: { scope, key, ...fp, expiresAt: new Date(at.getTime() + IDEMPOTENCY_TTL_MS), createdAt: at },
          });
          return { kind: 'new' };
        } catch (err) {
          if (!(err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002')) throw err;
        }
        const existing = await prisma.idempotencyRecord.findUnique({ where: { scope_key: { scope, key } } });
        if (!existing) continue; // expired and removed between our insert and read: try once more
        const expired = existing.expiresAt <= at;
        const stale = existing.status === null && at.getTime() - existing.createdAt.getTime() > STALE_IN_FLIGHT_MS;
        if (expired || stale) {
          await prisma.idempotencyRecord.deleteMany({ where: { scope, key, createdAt: existing.createdAt } });
          continue;
        }
        if (existing.method !== fp.method || existing.path !== fp.path || existing.bodyHash !== fp.bodyHash) return { kind: 'conflict' };
        if (existing.status === null) return { kind: 'in_progress' };
        const stored = existing.response as { sealed?: string; withheld?: boolean } | null;
        if (stored && typeof stored === 'object' && 'withheld' in stored) {
          throw new AppError('idempotency_conflict', 'This request already succeeded and its response held a secret shown only once. Use a new Idempotency-Key to create another.');
        }
        if (stored && typeof stored === 'object' && typeof stored.sealed === 'string' && opts.secrets) {
          return { kind: 'replay', status: existing.status, body: JSON.parse(opts.secrets.open(stored.sealed)) as unknown };
        }
        return { kind: 'replay', status: existing.status, body: existing.response };
      }
      return { kind: 'in_progress' };
    },
    async complete(scope, key, status, body, completeOpts) {
      let response: Prisma.InputJsonValue | typeof Prisma.JsonNull = body === undefined ? Prisma.JsonNull : (body as Prisma.InputJsonValue);
      if (completeOpts?.sensitive && body !== undefined) {
        response = opts.secrets ? { sealed: opts.secrets.seal(JSON.stringify(body)) } : { withheld: true };
      }
      await persistently(() => prisma.idempotencyRecord.update({ where: { scope_key: { scope, key } }, data: { status, response } }));
    },
    async abandon(scope, key) {
      await persistently(() => prisma.idempotencyRecord.deleteMany({ where: { scope, key, status: null } }));
    },
  };
}
