import type { AnalyticsSummaryDto, AnalyticsSummaryQuery, SessionDto, SessionListQuery } from '@callplane/contracts';
import { Prisma, type PrismaClient, type SessionView } from '@callplane/db';
import { afterCursor, AppError, decodeCursor, page } from '@callplane/service-kit';
import type { PriceBook } from './price-book';

const EMPTY_USAGE = { llm_prompt_tokens: 0, llm_completion_tokens: 0, tts_characters: 0, stt_seconds: 0, telephony_minutes: 0 };
const EMPTY_COST = { telephony: 0, llm: 0, tts: 0, stt: 0, total: 0, currency: 'USD' };

type ShownSession = SessionView & { status: string; startedAt: Date };

/** Partial rows (transcript or usage ahead of the first lifecycle event) are not shown: they lack the call itself. */
const shown = { status: { not: null }, startedAt: { not: null } } as const;

export function presentSession(s: ShownSession): SessionDto {
  return {
    id: s.id,
    direction: s.direction as SessionDto['direction'],
    call_type: s.callType as SessionDto['call_type'],
    campaign_id: s.campaignId,
    agent_id: s.agentId,
    from_number: s.fromNumber ?? '',
    to_number: s.toNumber ?? '',
    provider: s.provider as SessionDto['provider'],
    status: s.status as SessionDto['status'],
    end_reason: s.endReason,
    started_at: s.startedAt.toISOString(),
    answered_at: s.answeredAt?.toISOString() ?? null,
    ended_at: s.endedAt?.toISOString() ?? null,
    duration_seconds: s.durationSeconds,
    transcript: (s.transcript as Array<{ role: 'agent' | 'caller'; text: string; at: string }>).map((t) => ({ role: t.role, text: t.text, at: t.at })),
    recording_url: s.recordingUrl,
    usage: { ...EMPTY_USAGE, ...(s.usage as object) },
    cost: { ...EMPTY_COST, ...(s.cost as object) },
  };
}

/** Newest first by (started_at, id): a keyset that stays stable while sessions keep arriving. */
export async function listSessions(prisma: PrismaClient, tenantId: string, q: SessionListQuery) {
  const rows = (await prisma.sessionView.findMany({
    where: {
      tenantId,
      ...shown,
      ...(q.call_type ? { callType: q.call_type } : {}),
      ...(q.direction ? { direction: q.direction } : {}),
      ...(q.agent_id ? { agentId: q.agent_id } : {}),
      ...(q.campaign_id ? { campaignId: q.campaign_id } : {}),
      AND: [
        { startedAt: { ...(q.since ? { gte: new Date(q.since) } : {}), ...(q.until ? { lt: new Date(q.until) } : {}) } },
        afterCursor(decodeCursor(q.cursor), 'startedAt'),
      ],
    },
    orderBy: [{ startedAt: 'desc' }, { id: 'desc' }],
    take: q.limit + 1,
  })) as ShownSession[];
  const { items, next_cursor } = page(rows, q.limit, (r) => r.startedAt);
  return { data: items.map(presentSession), next_cursor };
}

export async function getSession(prisma: PrismaClient, tenantId: string, id: string) {
  const s = await prisma.sessionView.findFirst({ where: { id, tenantId, ...shown } });
  // Existence is not leaked: the hint holds for any id, and a scheduled call's session is opened only when it is placed.
  if (!s) throw new AppError('not_found', 'The call session was not found. A scheduled call has a session once it is placed; until then it is at GET /voice/outbound/scheduled/{session_id}.');
  return presentSession(s as ShownSession);
}

interface SummaryRow {
  studio: boolean;
  calls: number;
  answered: number;
  duration: number;
  minutes: number;
  telephony: number;
  llm: number;
  tts: number;
  stt: number;
}

const round6 = (n: number) => Math.round(n * 1e6) / 1e6;

/**
 * Calls started in [since, until), of one campaign when asked: counts, answered duration, billed minutes and cost,
 * studio test calls apart from paying calls. Another tenant's campaign id matches nothing (the tenant filters first).
 */
export async function summarize(prisma: PrismaClient, prices: PriceBook, tenantId: string, q: AnalyticsSummaryQuery): Promise<AnalyticsSummaryDto> {
  const since = q.since ? new Date(q.since) : new Date(0);
  const until = q.until ? new Date(q.until) : new Date('9999-12-31T00:00:00Z');
  const rows = await prisma.$queryRaw<SummaryRow[]>`
    SELECT call_type = 'studio_test' AS studio,
           count(*)::int AS calls,
           count(answered_at)::int AS answered,
           coalesce(sum(duration_seconds), 0)::int AS duration,
           coalesce(sum((usage->>'telephony_minutes')::int), 0)::int AS minutes,
           coalesce(sum((cost->>'telephony')::numeric), 0)::float8 AS telephony,
           coalesce(sum((cost->>'llm')::numeric), 0)::float8 AS llm,
           coalesce(sum((cost->>'tts')::numeric), 0)::float8 AS tts,
           coalesce(sum((cost->>'stt')::numeric), 0)::float8 AS stt
    FROM session_views
    WHERE tenant_id = ${tenantId} AND status IS NOT NULL AND started_at >= ${since} AND started_at < ${until}
      ${q.campaign_id ? Prisma.sql`AND campaign_id = ${q.campaign_id}` : Prisma.empty}
    GROUP BY 1`;
  const bucket = (studio: boolean): AnalyticsSummaryDto['paying'] => {
    const r = rows.find((x) => x.studio === studio);
    const cost = { telephony: round6(r?.telephony ?? 0), llm: round6(r?.llm ?? 0), tts: round6(r?.tts ?? 0), stt: round6(r?.stt ?? 0) };
    return {
      calls: r?.calls ?? 0,
      answered_calls: r?.answered ?? 0,
      duration_seconds: r?.duration ?? 0,
      telephony_minutes: r?.minutes ?? 0,
      cost: { ...cost, total: round6(cost.telephony + cost.llm + cost.tts + cost.stt) },
    };
  };
  const { prices: table } = await prices.active(prisma);
  return { since: q.since ?? null, until: q.until ?? null, campaign_id: q.campaign_id ?? null, currency: table.currency, paying: bucket(false), studio_test: bucket(true) };
}
