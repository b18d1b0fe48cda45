import { randomUUID } from 'node:crypto';
import { TOPICS } from '@callplane/contracts';
import type { EventBus } from '@callplane/events';
import type { NumberRoutingCache } from '../usecases/number-routing.cache';

/**
 * Number changes (import, assignment, release) drop the number's routing entry at once. Every replica must see every
 * change to keep its own cache true: a consumer group per process, reading from now on (a new process starts with an
 * empty cache), with no dedupe (dropping an entry twice is harmless).
 */
export function subscribeNumberChanges(bus: EventBus, numbers: Pick<NumberRoutingCache, 'invalidate'>): Promise<void> {
  return bus.subscribe({
    group: `telephony-gateway.routing.${randomUUID()}`,
    // Every replica is its own group: its lag is reported under the one bounded name.
    lagLabel: 'telephony-gateway.routing',
    topics: [TOPICS.numbersChanges],
    fromBeginning: false,
    handler: async (event) => numbers.invalidate(event.key),
  });
}
