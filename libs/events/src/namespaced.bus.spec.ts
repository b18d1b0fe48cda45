import type { EventEnvelope } from '@callplane/contracts';
import { buildEventEnvelope } from '@callplane/contracts';
import { InProcessEventBus } from './in-process.driver';
import { namespacedBus } from './namespaced.bus';
import pino from 'pino';

describe('namespacedBus', () => {
  it('keeps environments that share a bus apart: each sees only its own topics and groups', async () => {
    const shared = new InProcessEventBus({ logger: pino({ level: 'silent' }) });
    const staging = namespacedBus(shared, 'staging');
    const prod = namespacedBus(shared, 'prod');
    const seen = { staging: [] as string[], prod: [] as string[], raw: [] as string[] };
    await staging.subscribe({ group: 'analytics', topics: ['call.lifecycle'], handler: async (e: EventEnvelope) => void seen.staging.push(e.id) });
    await prod.subscribe({ group: 'analytics', topics: ['call.lifecycle'], handler: async (e: EventEnvelope) => void seen.prod.push(e.id) });
    await shared.subscribe({ group: 'raw', topics: ['staging.call.lifecycle'], handler: async (e: EventEnvelope) => void seen.raw.push(e.id) });

    const a = buildEventEnvelope({ type: 'call.initiating', tenantId: 'ten_1', key: 'cs_1', data: {} });
    const b = buildEventEnvelope({ type: 'call.initiating', tenantId: 'ten_1', key: 'cs_2', data: {} });
    await staging.publish('call.lifecycle', [a]);
    await prod.publish('call.lifecycle', [b]);
    await shared.drain();

    expect(seen).toEqual({ staging: [a.id], prod: [b.id], raw: [a.id] });
    await shared.close();
  });

  it("reports only its own groups' lag, under the plain group and topic names", async () => {
    const shared = new InProcessEventBus({ logger: pino({ level: 'silent' }) });
    const staging = namespacedBus(shared, 'staging');
    const prod = namespacedBus(shared, 'prod');
    let release!: () => void;
    const stuck = new Promise<void>((r) => (release = r));
    await staging.subscribe({ group: 'analytics', topics: ['call.lifecycle'], handler: () => stuck });
    await prod.subscribe({ group: 'gateway.routing.1a2b', lagLabel: 'gateway.routing', topics: ['call.lifecycle'], handler: () => stuck });
    await staging.publish('call.lifecycle', [buildEventEnvelope({ type: 'call.initiating', tenantId: 'ten_1', key: 'cs_1', data: {} })]);

    expect(await staging.consumerLag!()).toEqual([{ group: 'analytics', topic: 'call.lifecycle', lag: 1 }]);
    expect(await prod.consumerLag!()).toEqual([{ group: 'gateway.routing', topic: 'call.lifecycle', lag: 0 }]);
    release();
    await shared.drain();
    await shared.close();
  });
});
