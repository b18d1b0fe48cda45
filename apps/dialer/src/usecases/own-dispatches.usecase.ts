import type { DialerDeps } from './deps';
import { startDispatch } from './dispatch';

/**
 * On start, before any worker runs: the rows this replica's previous run moved to `dispatching` and never placed.
 * Nothing of them reached a carrier (the session opens, and the row moves on to `dispatched`, in one transaction
 * before LiveKit is asked anything), and the process that was to place them is gone, so they are dispatched again at
 * once, rather than a minute later by the scheduler's stale reclaim, which cannot tell a dead replica's claim from a
 * live one's slow dispatch. A studio test call past its dispatch timeout is left to the watchdog, which ends it
 * `dispatch_timeout`: its caller has stopped waiting. Returns the ids dispatched.
 */
export async function redispatchOwnUnplacedCalls(deps: DialerDeps): Promise<string[]> {
  const now = deps.now();
  const testCallCutoff = new Date(now.getTime() - deps.settings.testCallDispatchTimeoutSeconds * 1000);
  // Taking the rows again (updated_at) keeps the scheduler's stale reclaim off them while they dispatch.
  const rows = await deps.prisma.$queryRaw<Array<{ id: string }>>`
    UPDATE outbound_calls SET updated_at = ${now}
    WHERE state = 'dispatching' AND claimed_by = ${deps.replica}
      AND NOT (call_type = 'studio_test' AND created_at <= ${testCallCutoff})
    RETURNING id`;
  for (const { id } of rows) startDispatch(deps, id);
  if (rows.length) deps.logger.warn({ count: rows.length, replica: deps.replica }, 'calls this replica claimed before it restarted and never placed: dispatching them now');
  return rows.map((r) => r.id);
}
