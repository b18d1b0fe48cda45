import type { ScheduledCallDto, ScheduledCallListQuery, ScheduledCallStatus } from '@callplane/contracts';
import type { OutboundCall } from '@callplane/db';
import { afterCursor, decodeCursor, notFound, page } from '@callplane/service-kit';
import type { DialerDeps } from './deps';

/**
 * Scheduled calls as their owner sees them (`GET /voice/outbound/scheduled`, `…/{session_id}`). A session id handed
 * out as `scheduled` has no call session until the call is placed (the session is opened by the dispatch, with its
 * first event): until then the tenant finds it here, and it stays here afterwards as `placed`, pointing at the session.
 */

/** The dialer's row states behind each public status: a call the scheduler claimed is placed (its session follows at once). */
const ROW_STATES: Record<ScheduledCallStatus, string[]> = {
  scheduled: ['scheduled'],
  placed: ['dispatching', 'dispatched', 'ended', 'failed'],
  canceled: ['canceled'],
};

const statusOf = (state: string): ScheduledCallStatus => (Object.keys(ROW_STATES) as ScheduledCallStatus[]).find((s) => ROW_STATES[s].includes(state)) ?? 'placed';

/** Newest first, keyset-paginated like every list. */
export async function listScheduledCalls(deps: DialerDeps, tenantId: string, q: ScheduledCallListQuery): Promise<{ data: ScheduledCallDto[]; next_cursor: string | null }> {
  const rows = await deps.prisma.outboundCall.findMany({
    where: { tenantId, callType: 'scheduled', ...(q.status ? { state: { in: ROW_STATES[q.status] } } : {}), ...afterCursor(decodeCursor(q.cursor)) },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: q.limit + 1,
  });
  const { items, next_cursor } = page(rows, q.limit, (r) => r.createdAt);
  return { data: items.map(presentScheduledCall), next_cursor };
}

/** One of the tenant's scheduled calls; another tenant's (or an id never scheduled) is 404. */
export async function getScheduledCall(deps: DialerDeps, tenantId: string, sessionId: string): Promise<ScheduledCallDto> {
  const row = await deps.prisma.outboundCall.findFirst({ where: { id: sessionId, tenantId, callType: 'scheduled' } });
  if (!row) throw notFound('The scheduled call');
  return presentScheduledCall(row);
}

function presentScheduledCall(row: OutboundCall): ScheduledCallDto {
  return {
    session_id: row.id,
    status: statusOf(row.state),
    agent_id: row.agentId,
    from_number: row.fromNumber,
    to_number: row.toNumber,
    context: (row.context ?? {}) as Record<string, string>,
    // Every call of this type has one (dial.usecase): only a scheduled_at request makes a `scheduled` call.
    scheduled_at: (row.scheduledAt ?? row.createdAt).toISOString(),
    webhook_url: row.webhookUrl,
    placed_at: row.dispatchedAt?.toISOString() ?? null,
    created_at: row.createdAt.toISOString(),
  };
}
