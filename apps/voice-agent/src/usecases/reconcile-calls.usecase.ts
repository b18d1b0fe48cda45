import { endCallsOfEarlierRun, type CallTransitions, type LostCall } from '@callplane/calls';
import type { PrismaClient } from '@callplane/db';
import type { Counter } from 'prom-client';
import type { Logger } from 'pino';

export interface ReconcileDeps {
  prisma: PrismaClient;
  transitions: CallTransitions;
  outbox: { notify(): void };
  /** This replica's name (libs/config `replicaName`), as its calls carry it. */
  replica: string;
  /** Deletes a call's LiveKit room (hangs up its SIP leg); absent in the sandbox, which has no rooms. */
  hangUp?(roomName: string): Promise<void>;
  /** `calls_reaped_total` (libs/calls `lostCallsCounter`). */
  lostCalls?: Counter<'stage' | 'source'>;
  logger: Logger;
  now(): Date;
}

/**
 * On start, before the replica takes a call: the calls its previous run was running are ended `lost` (their media
 * died with that process: nobody would ever hang them up or report their end), each with its `call.lifecycle` event,
 * so the customer's status webhook and the sessions list say so at once rather than when the reaper gets to them.
 * Their rooms are deleted, best effort, so no caller is left on a silent line. Other replicas' calls carry other
 * names and are not touched.
 */
export async function endCallsLeftByEarlierRun(deps: ReconcileDeps): Promise<LostCall[]> {
  const lost = await endCallsOfEarlierRun(deps, deps.replica, deps.now);
  for (const { session, stage } of lost) {
    deps.lostCalls?.inc({ stage, source: 'reconcile' });
    deps.logger.warn({ tenant_id: session.tenantId, session_id: session.id, stage, replica: deps.replica }, 'call left open by this replica before it restarted: ended as lost');
    if (session.roomName && deps.hangUp) {
      await deps.hangUp(session.roomName).catch((err: unknown) => deps.logger.warn({ session_id: session.id, err: err instanceof Error ? err.message : String(err) }, 'could not delete the room of a lost call'));
    }
  }
  return lost;
}
