import type { SessionDto, SessionListQuery } from '@callplane/contracts';
import type { PrismaClient, SessionView } from '@callplane/db';
import { afterCursor, decodeCursor, notFound, page } from '@callplane/service-kit';

const EMPTY_USAGE = { llm_prompt_tokens: 0, llm_completion_tokens: 0, tts_characters: 0, stt_seconds: 0, telephony_minutes: 0 };
const EMPTY_COST = { telephony: 0, llm: 0, tts: 0, stt: 0, total: 0, currency: 'USD' };

export function presentSession(s: SessionView): SessionDto {
  return {
    id: s.id,
    direction: s.direction as SessionDto['direction'],
    call_type: s.callType as SessionDto['call_type'],
    agent_id: s.agentId,
    from_number: s.fromNumber,
    to_number: s.toNumber,
    provider: s.provider as SessionDto['provider'],
    status: s.status as SessionDto['status'],
    end_reason: s.endReason,
    started_at: s.startedAt.toISOString(),
    answered_at: s.answeredAt?.toISOString() ?? null,
    ended_at: s.endedAt?.toISOString() ?? null,
    duration_seconds: s.durationSeconds,
    transcript: s.transcript as SessionDto['transcript'],
    recording_url: s.recordingUrl,
    usage: { ...EMPTY_USAGE, ...(s.usage as object) },
    cost: { ...EMPTY_COST, ...(s.cost as object) },
  };
}

export async function listSessions(prisma: PrismaClient, tenantId: string, q: SessionListQuery) {
  const rows = await prisma.sessionView.findMany({
    where: {
      tenantId,
      ...(q.call_type ? { callType: q.call_type } : {}),
      ...(q.direction ? { direction: q.direction } : {}),
      ...(q.agent_id ? { agentId: q.agent_id } : {}),
      ...(q.since || q.until ? { startedAt: { ...(q.since ? { gte: new Date(q.since) } : {}), ...(q.until ? { lt: new Date(q.until) } : {}) } } : {}),
      AND: [afterCursor(decodeCursor(q.cursor), 'startedAt')],
    },
    orderBy: [{ startedAt: 'desc' }, { id: 'desc' }],
    take: q.limit + 1,
  });
  const { items, next_cursor } = page(rows, q.limit, (r) => r.startedAt);
  return { data: items.map(presentSession), next_cursor };
}

export async function getSession(prisma: PrismaClient, tenantId: string, id: string) {
  const s = await prisma.sessionView.findFirst({ where: { id, tenantId } });
  if (!s) throw notFound('The call session');
  return presentSession(s);
}
