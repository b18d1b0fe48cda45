import { TOPICS } from '@callplane/contracts';
import { enqueueEvent, type InProcessEventBus } from '@callplane/events';
import { pollUntil } from '@callplane/testing';
import { createLogger } from './logger';
import { createPlatform } from './platform';

describe('createPlatform, all-in-one drivers', () => {
  it('on close, lets in-process consumers finish every event the relay already handed them', async () => {
    const platform = await createPlatform({ service: 'platform-spec', logger: createLogger({ name: 'platform-spec', level: 'silent' }), databaseUrl: process.env.DATABASE_URL });
    const handled: string[] = [];
    // The handler holds every event until the gate opens, so events are still in the consumer when close starts,
    // however quickly the relay publishes.
    let openGate!: () => void;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    await platform.bus.subscribe({
      group: 'platform-spec',
      topics: [TOPICS.dialerCommands],
      handler: async (e) => {
        await gate;
        handled.push(e.id);
      },
    });
    // Three events of one key: handled one after another, so two are still queued when the relay is done.
    const ids = await platform.db.prisma.$transaction(async (tx) => {
      const out: string[] = [];
      for (let i = 0; i < 3; i++) out.push((await enqueueEvent(tx, { topic: TOPICS.dialerCommands, type: 'test.drain', tenantId: 'ten_drain', key: 'same-key', data: { i } })).id);
      return out;
    });
    platform.relay.notify();
    await pollUntil(async () => (await platform.db.prisma.outboxEvent.count({ where: { id: { in: ids }, publishedAt: { not: null } } })) === 3, { description: 'the relay to publish' });
    expect(handled.length).toBeLessThan(3);

    // Without Kafka the bus is the in-process one; the gate opens only once close is waiting for it to drain, so
    // a close that dropped queued events would lose the last two.
    const drain = jest.spyOn(platform.bus as InProcessEventBus, 'drain');
    const closed = platform.close();
    await pollUntil(() => drain.mock.calls.length > 0, { description: 'close to wait for the consumers' });
    openGate();
    await closed;
    expect(handled).toEqual(ids);
  });
});
