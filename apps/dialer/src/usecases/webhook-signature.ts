import { createHmac, randomBytes } from 'node:crypto';
import { WEBHOOK_SECRET_PREFIX } from '@callplane/contracts';
import type { DbTx, PrismaClient } from '@callplane/db';
import type { DialerDeps } from './deps';

/** After a rotation the previous secret keeps signing this long, so receivers can switch over without dropping events. */
export const SECRET_OVERLAP_MS = 24 * 60 * 60 * 1000;

type Db = PrismaClient | DbTx;

/** The secrets a webhook is signed with right now: the current one first, then the previous one during its overlap. */
export interface SigningSecrets {
  current: string;
  previous?: string;
}

const newSecret = (): string => `${WEBHOOK_SECRET_PREFIX}${randomBytes(32).toString('base64url')}`;

/** Creates the tenant's secret on first use; concurrent first uses agree on one (ON CONFLICT DO NOTHING, then read). */
async function ensureSecretRow(deps: Pick<DialerDeps, 'secrets' | 'now'>, db: Db, tenantId: string) {
  const existing = await db.webhookSecret.findUnique({ where: { tenantId } });
  if (existing) return existing;
  await db.webhookSecret.createMany({ data: [{ tenantId, secretEnc: deps.secrets.seal(newSecret()), rotatedAt: deps.now() }], skipDuplicates: true });
  return db.webhookSecret.findUniqueOrThrow({ where: { tenantId } });
}

/** The tenant's current secret (`GET /voice/settings/webhooks`), created on first use. */
export async function getWebhookSecret(deps: Pick<DialerDeps, 'prisma' | 'secrets' | 'now'>, tenantId: string): Promise<string> {
  const row = await ensureSecretRow(deps, deps.prisma, tenantId);
  return deps.secrets.open(row.secretEnc);
}

/**
 * A new current secret; the one it replaces keeps signing for 24 h. Rotating again within those 24 h retires the
 * older previous secret at once (only two ever sign). One UPDATE, so concurrent rotations serialize on the row.
 */
export async function rotateWebhookSecret(deps: Pick<DialerDeps, 'prisma' | 'secrets' | 'now'>, tenantId: string): Promise<string> {
  await ensureSecretRow(deps, deps.prisma, tenantId);
  const secret = newSecret();
  const now = deps.now();
  const expires = new Date(now.getTime() + SECRET_OVERLAP_MS);
  await deps.prisma.$executeRaw`
    UPDATE webhook_secrets
    SET previous_secret_enc = secret_enc,
        previous_expires_at = (${expires.toISOString()}::timestamptz AT TIME ZONE 'UTC'),
        secret_enc = ${deps.secrets.seal(secret)},
        rotated_at = (${now.toISOString()}::timestamptz AT TIME ZONE 'UTC')
    WHERE tenant_id = ${tenantId}`;
  return secret;
}

/** What signs the tenant's webhooks at `deps.now()`; creates the secret if the tenant never asked for it. */
export async function signingSecrets(deps: Pick<DialerDeps, 'prisma' | 'secrets' | 'now'>, tenantId: string): Promise<SigningSecrets> {
  const row = await ensureSecretRow(deps, deps.prisma, tenantId);
  const current = deps.secrets.open(row.secretEnc);
  const previousValid = row.previousSecretEnc && row.previousExpiresAt && row.previousExpiresAt.getTime() > deps.now().getTime();
  return previousValid ? { current, previous: deps.secrets.open(row.previousSecretEnc!) } : { current };
}

/** `Callplane-Signature`: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, one `v1=` per signing secret. */
export function signatureHeader(secrets: SigningSecrets, body: string, at: Date): string {
  const t = Math.floor(at.getTime() / 1000);
  const keys = secrets.previous ? [secrets.current, secrets.previous] : [secrets.current];
  return [`t=${t}`, ...keys.map((k) => `v1=${hmacHex(k, `${t}.${body}`)}`)].join(',');
}

const hmacHex = (key: string, payload: string): string => createHmac('sha256', key).update(payload, 'utf8').digest('hex');
