import { SANDBOX_CALL_REQUESTED_EVENT_TYPE, SANDBOX_HANGUP_REQUESTED_EVENT_TYPE, TOPICS } from '@callplane/contracts';
import type { Sql } from '@callplane/db';
import { subscribeDedupedSql, type EventBus } from '@callplane/events';
import type { SandboxMediaPlane } from '../sandbox/sandbox-media-plane';

export const SANDBOX_CALLS_GROUP = 'voice-agent.sandbox-calls';

/**
 * The dialer's `sandbox.call_requested` commands become calls on the sandbox media plane, and its
 * `sandbox.hangup_requested` commands hang them up. The call runs in the background (minutes): the handler only
 * starts it, so the dedupe transaction stays short.
 */
export function subscribeSandboxCalls(bus: EventBus, sql: Sql, sandbox: Pick<SandboxMediaPlane, 'place' | 'hangUp'>): Promise<void> {
  return subscribeDedupedSql(bus, sql, {
    group: SANDBOX_CALLS_GROUP,
    topics: [TOPICS.dialerCommands],
    handle: async (event) => {
      if (event.type === SANDBOX_CALL_REQUESTED_EVENT_TYPE) sandbox.place(event.data);
      else if (event.type === SANDBOX_HANGUP_REQUESTED_EVENT_TYPE) sandbox.hangUp(String((event.data as { session_id?: unknown } | null)?.session_id ?? ''));
    },
  });
}
