import type { PhoneNumber } from '@callplane/db';

/** `data` of a `numbers.changes` event: enough for a routing cache to update itself without a read. */
export function numberChangeData(p: Pick<PhoneNumber, 'id' | 'number' | 'provider' | 'agentId' | 'enabled'>) {
  return { phone_id: p.id, number: p.number, provider: p.provider, agent_id: p.agentId, enabled: p.enabled };
}
