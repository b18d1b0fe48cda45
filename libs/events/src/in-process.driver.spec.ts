import pino from 'pino';
import { buildEventEnvelope, type EventEnvelope } from '@callplane/contracts';
import { pollUntil } from '@callplane/testing';
import { InProcessEventBus } from './in-process.driver';

const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
const event = (key: string, seq: number): EventEnvelope => buildEventEnvelope({ type: 'spec.happened', tenantId: 'ten_spec', key, data: { seq } });
const seqOf = (e: EventEnvelope) => (e.data as { seq: number }).seq;

describe('InProcessEventBus', () => {
  let bus: InProcessEventBus;
  beforeEach(() => {
    bus = new InProcessEventBus({ logger, handlerRetry: { baseMs: 5, maxMs: 20 } });
  });
  afterEach(() => bus.close());

  test('every group gets every event; within a group each event is handled once, by one member', async () => {
    const handled: Array<[group: string, member: string, id: string]> = [];
    const member = (group: string, name: string) => async (e: EventEnvelope) => void handled.push([group, name, e.id]);
    await bus.subscribe({ group: 'analytics', topics: ['t'], handler: member('analytics', 'a1') });
    await bus.subscribe({ group: 'analytics', topics: ['t'], handler: member('analytics', 'a2') });
    await bus.subscribe({ group: 'dialer', topics: ['t'], handler: member('dialer', 'd1') });

    const sent = Array.from({ length: 50 }, (_, i) => event(`cs_${i}`, 0));
    await bus.publish('t', sent);
    await bus.drain();

    for (const group of ['analytics', 'dialer']) {
      const ids = handled.filter(([g]) => g === group).map(([, , id]) => id);
      expect(ids.sort()).toEqual(sent.map((e) => e.id).sort());
    }
    const analyticsMembers = new Set(handled.filter(([g]) => g === 'analytics').map(([, m]) => m));
    expect(analyticsMembers).toEqual(new Set(['a1', 'a2']));
  });

  test('consumer lag: per group and topic, what is queued and not yet handled; 0 once drained', async () => {
    let release!: () => void;
    const stuck = new Promise<void>((r) => (release = r));
    await bus.subscribe({ group: 'routing.3f9a1c', lagLabel: 'routing', topics: ['t1', 't2'], handler: () => stuck });
    await bus.subscribeBatch({ group: 'sessions', topics: ['t1'], handler: () => stuck });
    const lag = async () => (await bus.consumerLag()).map((l) => `${l.group} ${l.topic} ${l.lag}`).sort();
    expect(await lag()).toEqual(['routing t1 0', 'routing t2 0', 'sessions t1 0']);

    await bus.publish('t1', [event('a', 1), event('a', 2), event('b', 1)]);
    await bus.publish('t2', [event('c', 1)]);
    expect(await lag()).toEqual(['routing t1 3', 'routing t2 1', 'sessions t1 3']);

    release();
    await bus.drain();
    expect(await lag()).toEqual(['routing t1 0', 'routing t2 0', 'sessions t1 0']);
  });

  test('events of one key are handled in order, one at a time; other keys do not wait', async () => {
    const log: string[] = [];
    let inFlight = 0;
    let maxInFlightForA = 0;
    let releaseA1!: () => void;
    const a1Blocked = new Promise<void>((r) => (releaseA1 = r));
    await bus.subscribe({
      group: 'g',
      topics: ['t'],
      handler: async (e) => {
        if (e.key === 'a') maxInFlightForA = Math.max(maxInFlightForA, ++inFlight);
        if (e.key === 'a' && seqOf(e) === 1) await a1Blocked;
        log.push(`${e.key}${seqOf(e)}`);
        if (e.key === 'a') inFlight--;
      },
    });
    await bus.publish('t', [event('a', 1), event('a', 2), event('b', 1), event('a', 3)]);

    await pollUntil(() => log.includes('b1'), { description: 'b1 while a1 is blocked' });
    expect(log).toEqual(['b1']);
    releaseA1();
    await bus.drain();
    expect(log.filter((l) => l.startsWith('a'))).toEqual(['a1', 'a2', 'a3']);
    expect(maxInFlightForA).toBe(1);
  });

  test('a handler that throws gets the event again, and its key waits for it', async () => {
    const calls: string[] = [];
    let failures = 3;
    await bus.subscribe({
      group: 'g',
      topics: ['t'],
      handler: async (e) => {
        if (seqOf(e) === 1 && failures-- > 0) {
          calls.push('1:failed');
          throw new Error('not yet');
        }
        calls.push(`${seqOf(e)}:ok`);
      },
    });
    await bus.publish('t', [event('k', 1), event('k', 2)]);
    await bus.drain();
    expect(calls).toEqual(['1:failed', '1:failed', '1:failed', '1:ok', '2:ok']);
  });

  test('handlers get their own copy of the event as JSON carries it', async () => {
    const got: EventEnvelope[] = [];
    await bus.subscribe({ group: 'g1', topics: ['t'], handler: async (e) => void got.push(e) });
    await bus.subscribe({ group: 'g2', topics: ['t'], handler: async (e) => void got.push(e) });
    const sent = buildEventEnvelope({ type: 'spec', tenantId: 'ten_x', key: 'k', data: { at: new Date(0), list: [1] } });
    await bus.publish('t', [sent]);
    await bus.drain();
    expect(got).toHaveLength(2);
    expect(got[0]?.data).toEqual({ at: '1970-01-01T00:00:00.000Z', list: [1] });
    expect(got[0]?.data).not.toBe(got[1]?.data);
  });

  test('publish resolves before handlers run; drain waits for them', async () => {
    const handled: string[] = [];
    await bus.subscribe({ group: 'g', topics: ['t'], handler: async (e) => void handled.push(e.id) });
    const e = event('k', 1);
    await bus.publish('t', [e]);
    expect(handled).toEqual([]);
    await bus.drain();
    expect(handled).toEqual([e.id]);
  });

  test('events published before any group subscribed reach the first group that does', async () => {
    const early = [event('k', 1), event('k', 2)];
    await bus.publish('t', early);
    const handled: number[] = [];
    await bus.subscribe({ group: 'late', topics: ['t'], handler: async (e) => void handled.push(seqOf(e)) });
    await bus.drain();
    expect(handled).toEqual([1, 2]);
  });

  test('malformed events are skipped; well-formed ones still arrive', async () => {
    const handled: string[] = [];
    await bus.subscribe({ group: 'g', topics: ['t'], handler: async (e) => void handled.push(e.id) });
    const good = event('k', 1);
    await bus.publish('t', [{ ...good, id: 'evt_bad', occurred_at: 'yesterday' }, good]);
    await bus.drain();
    expect(handled).toEqual([good.id]);
  });

  test('close stops retrying, and publish and ping fail afterwards', async () => {
    let calls = 0;
    await bus.subscribe({
      group: 'g',
      topics: ['t'],
      handler: async () => {
        calls++;
        throw new Error('always');
      },
    });
    await bus.publish('t', [event('k', 1)]);
    await pollUntil(() => calls >= 2, { description: 'a retry' });
    await bus.close();
    const after = calls;
    await expect(bus.publish('t', [event('k', 2)])).rejects.toThrow(/closed/);
    await expect(bus.ping()).rejects.toThrow(/closed/);
    await bus.drain(); // released by close, not hanging on the failing event
    expect(calls).toBe(after);
  });
});
