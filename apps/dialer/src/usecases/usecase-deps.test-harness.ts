import { randomBytes, randomInt } from 'node:crypto';
import { CallTransitions } from '@callplane/calls';
import { newId, toE164, type TrialProvider } from '@callplane/contracts';
import { connectPostgres, sqlOver, type Database, type Prisma, type PrismaClient } from '@callplane/db';
import type { LiveKitCalls } from '@callplane/livekit';
import { createLogger, SecretBox, type Logger } from '@callplane/service-kit';
import { uniquePhoneNumber, uniqueSuffix } from '@callplane/testing';
import { DEFAULT_SETTINGS } from '../dialer.test-harness';
import type { DialerDeps, DialerSettings } from './deps';

/** What a spec may set on dialer deps; the rest is the same everywhere. */
export interface SpecDepsOptions {
  clock: { now(): Date };
  settings?: Partial<DialerSettings>;
  livekit?: LiveKitCalls;
  secrets?: SecretBox;
  logger?: Logger;
  /** The outbox relay to nudge after a commit (default: none; specs that run a relay pass it). */
  outbox?: { notify(): void };
  campaignMetrics?: DialerDeps['campaignMetrics'];
}

/**
 * Dialer deps on a database client the caller owns (one per replica, so two of them race like two replicas): the real
 * call-state writer on that client, LiveKit only when the test passes a client. Every dialer spec builds its deps here.
 */
export function dialerDepsOn(db: Database, opts: SpecDepsOptions): DialerDeps {
  const outbox = opts.outbox ?? { notify: () => undefined };
  return {
    prisma: db.prisma,
    sql: sqlOver(db.prisma, db.pool),
    secrets: opts.secrets ?? new SecretBox(randomBytes(32)),
    ...(opts.livekit ? { livekit: opts.livekit } : {}),
    transitions: new CallTransitions({ prisma: db.prisma, pool: db.pool ?? null, outbox }),
    outbox,
    logger: opts.logger ?? createLogger({ name: 'dialer-spec', level: 'silent' }),
    settings: { ...DEFAULT_SETTINGS, ...opts.settings },
    now: opts.clock.now,
    inflight: new Set(),
    replica: 'dialer-spec',
    ...(opts.campaignMetrics ? { campaignMetrics: opts.campaignMetrics } : {}),
  };
}

/** Dialer deps for calling the use cases directly (no HTTP, no background loops), on a client of their own on this spec file's database. */
export function usecaseDeps(opts: SpecDepsOptions): DialerDeps & { db: Database } {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is unset: run through jest');
  const db = connectPostgres({ url, poolSize: 4 });
  return { db, ...dialerDepsOn(db, opts) };
}

/** The voice config agents are stored with (provisioning validates it on save). */
export const AGENT_VOICE = {
  greeting: 'Hi {{customer_name}}!',
  tts: { provider: 'cartesia', model: 'sonic-2', voice: 'maya' },
  stt: { provider: 'deepgram', model: 'nova-2', language: 'en' },
  max_duration: 300,
  recording: false,
  transcription: true,
} as const;

/** A tenant with one user and one agent, written the way provisioning stores them (an app may not import another). */
export async function seedTenant(prisma: PrismaClient, label = 'Use case') {
  const tenantId = newId('tenant');
  const userId = newId('user');
  const agentId = newId('agent');
  await prisma.tenant.create({ data: { id: tenantId, name: `${label} ${uniqueSuffix()}` } });
  await prisma.user.create({ data: { id: userId, tenantId, email: `u-${uniqueSuffix()}@example.com`, apiKeyHash: randomBytes(32).toString('hex'), apiKeyHint: 'abcd' } });
  await prisma.agent.create({ data: { id: agentId, tenantId, name: 'Outbound agent', systemPrompt: 'You call {{customer_name}} about their order.', voice: AGENT_VOICE } });
  return { tenantId, userId, agentId };
}

/** One of the tenant's numbers; `trunkId` is recorded as provisioning's `livekit.outbound` import step. */
export async function seedNumber(prisma: PrismaClient, tenantId: string, opts: { number?: string; outboundEnabled?: boolean; state?: string; provider?: string; trunkId?: string } = {}) {
  const id = newId('phoneNumber');
  const number = opts.number ?? uniquePhoneNumber();
  await prisma.phoneNumber.create({
    data: {
      id,
      tenantId,
      number,
      provider: opts.provider ?? 'twilio',
      byok: true,
      outboundEnabled: opts.outboundEnabled ?? true,
      state: opts.state ?? 'active',
      importSteps: opts.trunkId ? [{ name: 'livekit.outbound', output: { trunk_id: opts.trunkId }, at: '2026-11-25T09:00:00.000Z' }] : [],
    },
  });
  return { id, number };
}

/** A valid Indian mobile number in E.164, different every call. */
export function uniqueIndianNumber(): string {
  for (;;) {
    const n = toE164(`+919${randomInt(100_000_000, 999_999_999)}`);
    if (n) return n;
  }
}

/** A trial pool number as `addTrialNumber` stores it: vobiz serves +91 (IN), plivo +1 (US). */
export async function seedTrialNumber(prisma: PrismaClient, provider: TrialProvider, opts: { trunkId?: string } = {}) {
  const id = `tpn_${randomBytes(10).toString('hex')}`;
  const number = provider === 'vobiz' ? uniqueIndianNumber() : uniquePhoneNumber();
  await prisma.trialNumber.create({
    data: { id, number, provider, region: provider === 'vobiz' ? 'IN' : 'US', credentialsEnc: 'sealed', livekitOutboundTrunkId: opts.trunkId ?? null },
  });
  return { id, number };
}

/** An `outbound_calls` row as its writer leaves it for dispatch (`dispatching`), unless `over` says otherwise. */
export async function seedCall(prisma: PrismaClient, data: Pick<Prisma.OutboundCallUncheckedCreateInput, 'tenantId' | 'agentId'> & Partial<Prisma.OutboundCallUncheckedCreateInput>) {
  const id = newId('callSession');
  return prisma.outboundCall.create({
    data: { id, fromNumber: '+14155550100', toNumber: uniquePhoneNumber(), callType: 'production', state: 'dispatching', ...data },
  });
}
