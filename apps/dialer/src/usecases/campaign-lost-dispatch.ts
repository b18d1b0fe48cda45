import type { DialerDeps } from './deps';

/** Past the ringing timeout by this much, a dial still unanswered either way has lost the process that placed it. */
const GRACE_MS = 60_000;

/**
 * Campaign calls whose dispatch opened the session and then lost its process before LiveKit said anything (the
 * replica died between the session's transaction and the SIP dial's answer): the session stays `initiating` forever,
 * and its contact would stay `calling`, holding a concurrency place and keeping the campaign from completing. A live
 * dispatch reports the dial's outcome within the ringing timeout, so one still `initiating` well after it is ended
 * `failed` (`dispatch_lost`) through the call-state machine; its contact then follows its retry policy like any
 * failed call. (A call that did ring or answer meanwhile has moved on, and the report changes nothing.)
 * The sandbox route has no such gap: its command is written in the session's own transaction.
 */
export async function failLostCampaignDispatches(deps: DialerDeps, limit = 50): Promise<string[]> {
  const cutoff = new Date(deps.now().getTime() - deps.settings.ringingTimeoutSeconds * 1000 - GRACE_MS);
  // The session's own status, not the dialer's copy of it (which follows the events, a moment behind).
  const lost = await deps.prisma.$queryRaw<Array<{ id: string; roomName: string | null; tenantId: string; campaignId: string }>>`
    SELECT o.id, o.room_name AS "roomName", o.tenant_id AS "tenantId", o.campaign_id AS "campaignId"
    FROM outbound_calls o JOIN call_sessions s ON s.id = o.id
    WHERE o.state = 'dispatched' AND o.campaign_id IS NOT NULL AND o.dispatched_at < ${cutoff} AND s.status = 'initiating'
    LIMIT ${limit}`;
  const failed: string[] = [];
  for (const call of lost) {
    const outcome = await deps.transitions.report({ call: { sessionId: call.id }, state: 'failed', at: deps.now(), endReason: 'dispatch_lost' });
    if (outcome.kind !== 'applied') continue;
    failed.push(call.id);
    deps.logger.warn({ tenant_id: call.tenantId, campaign_id: call.campaignId, session_id: call.id }, 'campaign call lost its dispatch: ended as failed');
    if (call.roomName && deps.livekit) await deps.livekit.endCall(call.roomName).catch(() => undefined);
  }
  return failed;
}
