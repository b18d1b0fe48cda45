import type { CallSession } from '@callplane/db';
import type { Provider } from '@callplane/contracts';
import type { Logger } from '@callplane/service-kit';
import { isOpen } from './after-hours';
import type { GatewayDeps } from './deps';
import type { RoutedNumber } from './number-routing';

export const UNASSIGNED_MESSAGE = 'Sorry, this number is not taking calls right now. Please try again later. Goodbye.';

/** What the caller gets, whatever the provider's markup: a polite refusal, the after-hours message, or the agent. */
export type InboundOutcome = { kind: 'say_and_hang_up'; message: string } | { kind: 'connect'; session: CallSession };

/**
 * The provider-neutral tail of every inbound webhook, after authentication and parsing: agent and tenant → opening
 * hours → open the session (a provider retry gets the stored one back) → connect or refuse. Each provider's use case
 * renders the outcome in its own markup (TwiML, ExoML).
 */
export async function answerInboundCall(
  deps: GatewayDeps,
  phone: RoutedNumber,
  call: { fromNumber: string; toNumber: string; provider: Provider; providerCallId: string },
  logs: { log: () => Logger; logging: boolean; label: string },
): Promise<InboundOutcome> {
  if (!phone.agent || !phone.enabled) {
    if (logs.logging) logs.log().info({ reason: phone.agent ? 'disabled' : 'unassigned' }, 'inbound call refused');
    return { kind: 'say_and_hang_up', message: UNASSIGNED_MESSAGE };
  }
  const base = { tenantId: phone.tenantId, agentId: phone.agent.id, phoneNumberId: phone.id, direction: 'inbound' as const, callType: 'production' as const, ...call };
  const afterHours = phone.agent.afterHours;
  const open = isOpen(afterHours, deps.now());
  const { session, created } = await deps.sessions.open(open ? { ...base, state: 'initiating' } : { ...base, state: 'completed', endReason: 'after_hours' });
  // A provider retry is answered as the first delivery was, whatever the clock says now: the stored session decides.
  const closed = session.status === 'completed' && session.endReason === 'after_hours';
  if (logs.logging) logs.log().info({ session_id: session.id, duplicate: !created, after_hours: closed }, `${logs.label}: ${created ? 'session opened' : 'provider retry'}`);
  if (closed) return { kind: 'say_and_hang_up', message: afterHours?.message ?? UNASSIGNED_MESSAGE };
  return { kind: 'connect', session };
}
