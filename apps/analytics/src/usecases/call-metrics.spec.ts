import { buildEventEnvelope, newId, TOPICS, type CallLifecycleData, type EventEnvelope } from '@callplane/contracts';
import { connectPostgres, type Database } from '@callplane/db';
import { InProcessEventBus } from '@callplane/events';
import pino from 'pino';
import { Registry } from 'prom-client';
import { subscribeCallEvents } from '../consumers/call-events.consumer';
import { callStream, TEST_PRICES } from '../testing/call-stream';
import { applyCallEvents } from './apply-call-events.usecase';
import { callMetrics, sipStatusLabel } from './call-metrics';
import { PriceBook } from './price-book';

const log = pino({ level: 'silent' });

/** calls_started_total and calls_ended_total, counted where analytics folds `call.lifecycle` (real PostgreSQL). */
describe('call counters', () => {
  let db: Database;
  const prices = new PriceBook(TEST_PRICES);
  beforeAll(async () => {
    db = connectPostgres({ url: process.env.DATABASE_URL!, poolSize: 4 });
    await prices.activeVersion(db.prisma);
  });
  afterAll(() => db.close());

  const apply = (events: EventEnvelope[]) => db.prisma.$transaction((tx) => applyCallEvents(tx, events, prices, log));
  /** An outbound campaign call on Vobiz nobody answered, the carrier saying 480; then a late `canceled` (noise). */
  const unanswered = (tenantId: string, sessionId: string) =>
    callStream({ tenantId, sessionId, answered: false, direction: 'outbound', callType: 'campaign', provider: 'vobiz' }).map((e) =>
      e.type === 'call.no_answer' ? { ...e, data: { ...(e.data as CallLifecycleData), sip_status: 480 } } : e,
    );

  test('a fold reports the call started at its first lifecycle event and ended at its first terminal one, with outcome and SIP status', async () => {
    const tenant = newId('tenant');
    const session = newId('callSession');
    const [initiating, ringing, noAnswer, canceled] = unanswered(tenant, session);
    const labels = { direction: 'outbound', call_type: 'campaign', provider: 'vobiz' };

    expect((await apply([initiating!, ringing!])).calls).toEqual({ started: [labels], ended: [] });
    expect((await apply([ringing!])).calls).toEqual({ started: [], ended: [] });
    expect((await apply([noAnswer!])).calls).toEqual({ started: [], ended: [{ ...labels, outcome: 'no_answer', sipStatus: 480 }] });
    // A later terminal report does not end the call a second time.
    expect((await apply([canceled!, noAnswer!])).calls).toEqual({ started: [], ended: [] });
  });

  test('a session that opens terminal (the after-hours answer) starts and ends in one fold', async () => {
    const tenant = newId('tenant');
    const session = newId('callSession');
    const at = new Date('2026-03-10T22:00:00Z').toISOString();
    const closed = buildEventEnvelope<CallLifecycleData>({
      type: 'call.completed',
      tenantId: tenant,
      key: session,
      data: {
        session_id: session, state: 'completed', direction: 'inbound', call_type: 'production', agent_id: 'agt_1', phone_number_id: 'pn_1',
        from_number: '+14155550101', to_number: '+14155550142', provider: 'twilio', provider_call_id: 'CA1', sip_status: null,
        end_reason: 'after_hours', started_at: at, answered_at: null, ended_at: at,
      },
    });
    const labels = { direction: 'inbound', call_type: 'production', provider: 'twilio' };
    expect((await apply([closed])).calls).toEqual({ started: [labels], ended: [{ ...labels, outcome: 'completed', sipStatus: null }] });
  });

  test('through the consumer: counted after the commit, once per call, though every event is delivered twice', async () => {
    const bus = new InProcessEventBus({ logger: log });
    const registry = new Registry();
    const metrics = callMetrics(registry);
    await subscribeCallEvents(bus, db.prisma, prices, log, { metrics });
    const tenant = newId('tenant');
    const calls = [unanswered(tenant, newId('callSession')), unanswered(tenant, newId('callSession')), callStream({ tenantId: tenant, sessionId: newId('callSession') })];
    const lifecycle = calls.flat().filter((e) => e.type.startsWith('call.') && e.type !== 'call.transcript' && e.type !== 'call.usage');
    await bus.publish(TOPICS.callLifecycle, lifecycle);
    await bus.publish(TOPICS.callLifecycle, lifecycle); // a relay republishing after a crash
    await bus.drain();
    await bus.close();

    const scrape = await registry.metrics();
    expect(scrape).toContain('calls_started_total{direction="outbound",call_type="campaign",provider="vobiz"} 2');
    expect(scrape).toContain('calls_started_total{direction="inbound",call_type="production",provider="twilio"} 1');
    expect(scrape).toContain('calls_ended_total{direction="outbound",call_type="campaign",provider="vobiz",outcome="no_answer",sip_status="480"} 2');
    expect(scrape).toContain('calls_ended_total{direction="inbound",call_type="production",provider="twilio",outcome="completed",sip_status="none"} 1');
    expect(scrape).not.toMatch(/outcome="(canceled|failed)"/);
  });

  test('SIP status labels stay bounded: a code in 100–699, else none or other', () => {
    expect([sipStatusLabel(null), sipStatusLabel(486), sipStatusLabel(200), sipStatusLabel(99), sipStatusLabel(1_000_000)]).toEqual(['none', '486', '200', 'other', 'other']);
  });
});
