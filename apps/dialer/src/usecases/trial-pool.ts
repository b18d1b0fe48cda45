import { randomBytes } from 'node:crypto';
import {
  isTerminalState,
  SANDBOX_TRIAL_NUMBER,
  toE164,
  TRIAL_REGION_OF_PROVIDER,
  trialRegionOf,
  type CallLifecycleData,
  type EventEnvelope,
  type TrialNumberCreate,
  type TrialNumberDto,
  type TrialRegion,
} from '@callplane/contracts';
import { Prisma, sqlIn, type DbTx, type SqlTx, type TrialNumber } from '@callplane/db';
import { LiveKitError, type CreateOutboundInput, type LiveKitSipIds } from '@callplane/livekit';
import { carrierOf } from '@callplane/providers';
import { AppError } from '@callplane/service-kit';
import { releaseTrialLeases } from './call-progress.sql';
import type { DialerDeps } from './deps';

/** The part of `LiveKitSip` the trial pool needs: an outbound trunk per number, removed again when the row cannot be written. */
export interface TrialTrunks {
  createOutbound(input: CreateOutboundInput): Promise<{ trunkId: string }>;
  remove(ids: LiveKitSipIds): Promise<void>;
}

const newTrialNumberId = (): string => `tpn_${randomBytes(10).toString('hex')}`;

/**
 * `POST /admin/trial-pool`: a platform-owned number for studio test calls. Its region follows the number (+91 → IN
 * through Vobiz, +1 → US through Plivo). With LiveKit configured, its outbound trunk is created first: a number
 * in the pool can always dial. Credentials are sealed and never returned.
 */
export async function addTrialNumber(deps: DialerDeps, input: TrialNumberCreate, sip?: TrialTrunks): Promise<TrialNumberDto> {
  const number = toE164(input.number);
  if (!number) throw invalid('number', 'must be a valid phone number in E.164, such as +919876543210');
  const region = trialRegionOf(number);
  if (!region) throw invalid('number', 'trial numbers serve +91 (India, provider vobiz) or +1 (US, provider plivo) only');
  if (TRIAL_REGION_OF_PROVIDER[input.provider] !== region) {
    throw invalid('provider', region === 'IN' ? 'a +91 trial number must use provider vobiz' : 'a +1 trial number must use provider plivo');
  }
  if (await deps.prisma.trialNumber.findUnique({ where: { number }, select: { id: true } })) throw alreadyInPool(number);

  const id = newTrialNumberId();
  const { sip_domain, username, password } = input.credentials;
  let trunkId: string | null = null;
  if (sip) {
    try {
      // The same transport as the carrier's BYOK trunks (Plivo's Zentrunk: TCP); without one, it is negotiated.
      const transport = carrierOf(input.provider)?.outboundTransport;
      ({ trunkId } = await sip.createOutbound({ number, name: `trial ${id}`, address: sip_domain, auth: { username, password }, ...(transport ? { transport } : {}) }));
    } catch (err) {
      throw livekitFailure(err);
    }
  }
  try {
    const row = await deps.prisma.trialNumber.create({
      data: { id, number, provider: input.provider, region, credentialsEnc: deps.secrets.seal(JSON.stringify(input.credentials)), livekitOutboundTrunkId: trunkId, createdAt: deps.now() },
    });
    deps.logger.info({ trial_number_id: id, region, provider: input.provider }, 'trial number added to the pool');
    return presentTrialNumber(row);
  } catch (err) {
    if (trunkId) await sip?.remove({ outboundTrunkId: trunkId }).catch((e: unknown) => deps.logger.warn({ trial_number_id: id, err: String(e) }, 'could not remove the outbound trunk of a trial number that was not added'));
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') throw alreadyInPool(number);
    throw err;
  }
}

/** `GET /admin/trial-pool`: every pool number with the call holding it. */
export async function listTrialNumbers(deps: DialerDeps): Promise<{ data: TrialNumberDto[] }> {
  const rows = await deps.prisma.trialNumber.findMany({ orderBy: [{ region: 'asc' }, { createdAt: 'asc' }] });
  return { data: rows.map(presentTrialNumber) };
}

/**
 * Runs for a batch of `call.lifecycle` events, in the consumer's deduplicated transaction: when a studio test call
 * ends, its trial number goes back to the pool. Keyed on the holder, so a repeated or late event
 * (or a number already released by the watchdog) changes nothing.
 */
export async function releaseTrialNumbers(_deps: DialerDeps, events: readonly EventEnvelope<CallLifecycleData>[], tx: DbTx | SqlTx): Promise<void> {
  const ended = events.filter((e) => e.data?.call_type === 'studio_test' && isTerminalState(e.data.state)).map((e) => e.data.session_id);
  if (ended.length) await releaseTrialLeases(sqlIn(tx), ended);
}

/** Frees the trial number a test call holds, if it still holds one. */
export async function releaseLease(tx: DbTx | SqlTx, sessionId: string): Promise<boolean> {
  const rows = await sqlIn(tx).query(`UPDATE trial_numbers SET in_use_by = NULL WHERE in_use_by = $1 RETURNING id`, [sessionId]);
  return rows.length > 0;
}

/**
 * The part of the pool a test call may use: its destination's region, and either the carriers' numbers (calls placed
 * on LiveKit) or the sandbox's (calls to the sandbox numbers, with no LiveKit). The sandbox's number is the one row
 * with provider `sip`, which the operator API cannot add.
 */
export interface PoolShare {
  region: TrialRegion;
  sandbox: boolean;
}

const SANDBOX_TRIAL_PROVIDER = 'sip';

/**
 * Leases the free number of the share that has rested longest. SKIP LOCKED: requests racing for the pool each take a
 * different number instead of queueing on one; a request that finds none free is refused, never made to wait.
 */
export async function leaseTrialNumber(tx: DbTx, share: PoolShare, sessionId: string, at: Date): Promise<Pick<TrialNumber, 'id' | 'number'> | null> {
  const rows = await tx.$queryRaw<Array<{ id: string; number: string }>>`
    UPDATE trial_numbers SET in_use_by = ${sessionId}, leased_at = ${at}
    WHERE id = (
      SELECT id FROM trial_numbers WHERE region = ${share.region} AND (provider = ${SANDBOX_TRIAL_PROVIDER}) = ${share.sandbox} AND in_use_by IS NULL
      ORDER BY leased_at NULLS FIRST LIMIT 1 FOR UPDATE SKIP LOCKED)
    RETURNING id, number`;
  return rows[0] ?? null;
}

/** Whether the share has any number at all, busy or not: none is `trial_pool_empty`, all busy `pool_exhausted`. */
export async function hasTrialNumbers(tx: DbTx, share: PoolShare): Promise<boolean> {
  const rows = await tx.$queryRaw<unknown[]>`SELECT 1 FROM trial_numbers WHERE region = ${share.region} AND (provider = ${SANDBOX_TRIAL_PROVIDER}) = ${share.sandbox} LIMIT 1`;
  return rows.length > 0;
}

/**
 * Sandbox mode (no LiveKit), on start: the pool holds the sandbox's own number (libs/contracts
 * `SANDBOX_TRIAL_NUMBER`), so studio test calls to the sandbox numbers work on a fresh install. It has no carrier,
 * no credentials and no trunk; one test call at a time holds it, like any pool number. Kept once added.
 */
export async function ensureSandboxTrialNumber(deps: Pick<DialerDeps, 'prisma' | 'now' | 'logger'>): Promise<void> {
  const region = trialRegionOf(SANDBOX_TRIAL_NUMBER)!;
  const added = await deps.prisma.$executeRaw`
    INSERT INTO trial_numbers (id, number, provider, region, created_at) VALUES (${newTrialNumberId()}, ${SANDBOX_TRIAL_NUMBER}, ${SANDBOX_TRIAL_PROVIDER}, ${region}, ${deps.now()})
    ON CONFLICT (number) DO NOTHING`;
  if (added > 0) deps.logger.info({ number: SANDBOX_TRIAL_NUMBER }, 'sandbox number added to the trial pool for studio test calls');
}

export function presentTrialNumber(row: TrialNumber): TrialNumberDto {
  return {
    id: row.id,
    number: row.number,
    provider: row.provider as TrialNumberDto['provider'],
    region: row.region as TrialRegion,
    in_use_by: row.inUseBy,
    leased_at: row.leasedAt?.toISOString() ?? null,
    created_at: row.createdAt.toISOString(),
  };
}

const invalid = (field: string, message: string) => new AppError('validation_failed', `Some fields are invalid: ${field}. See details.`, { details: [{ field, message }] });
const alreadyInPool = (number: string) => new AppError('number_already_exists', `${number} is already in the trial pool.`);

function livekitFailure(err: unknown): AppError {
  if (err instanceof LiveKitError) {
    return err.retryable
      ? new AppError('livekit_unavailable', 'LiveKit could not create the outbound trunk right now. Retry in a minute.', { cause: err })
      : new AppError('livekit_rejected', `LiveKit refused the outbound trunk: ${err.message}`, { cause: err });
  }
  return new AppError('internal_error', 'The outbound trunk could not be created.', { cause: err });
}
