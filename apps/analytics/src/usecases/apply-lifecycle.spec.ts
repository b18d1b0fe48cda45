import { buildEventEnvelope, CALL_STATES, lifecycleEventType, newId, type CallLifecycleData, type CallState, type EventEnvelope } from '@callplane/contracts';
import { connectPostgres, type Database } from '@callplane/db';
import pino from 'pino';
import { advances, applyLifecycleEvent } from './apply-lifecycle.usecase';

const log = pino({ level: 'silent' });
const STARTED = '2026-03-10T14:00:00.000Z';
const ANSWERED = '2026-03-10T14:00:07.000Z';
const ENDED = '2026-03-10T14:01:52.000Z';

/** A lifecycle event as the gateway writes it: the whole call after this transition. */
function lifecycleEvent(tenantId: string, sessionId: string, state: CallState, over: Partial<CallLifecycleData> & { occurredAt?: string } = {}): EventEnvelope {
  const { occurredAt, ...data } = over;
  const terminal = !['initiating', 'ringing', 'in_progress'].includes(state);
  return buildEventEnvelope<CallLifecycleData>({
    type: lifecycleEventType(state),
    tenantId,
    key: sessionId,
    occurredAt: new Date(occurredAt ?? STARTED),
    data: {
      session_id: sessionId,
      state,
      direction: 'inbound',
      call_type: 'production',
      agent_id: 'agt_spec',
      phone_number_id: 'pn_spec',
      from_number: '+919876543210',
      to_number: '+14155550142',
      provider: 'twilio',
      provider_call_id: `CA${'0'.repeat(32)}`,
      sip_status: null,
      end_reason: terminal ? 'caller_hangup' : null,
      started_at: STARTED,
      answered_at: state === 'in_progress' || state === 'completed' ? ANSWERED : null,
      ended_at: terminal ? ENDED : null,
      ...data,
    },
  });
}

describe('applyLifecycleEvent (PostgreSQL)', () => {
  let db: Database;
  beforeAll(() => {
    db = connectPostgres({ url: process.env.DATABASE_URL!, poolSize: 4 });
  });
  afterAll(async () => {
    await db.close();
  });

  const apply = (event: EventEnvelope) => db.prisma.$transaction((tx) => applyLifecycleEvent(tx, event, log));
  const view = (id: string) => db.prisma.sessionView.findUnique({ where: { id } });
  const ids = () => ({ tenant: newId('tenant'), session: newId('callSession') });

  test('builds the session from its first event and follows it forward to the end', async () => {
    const { tenant, session } = ids();
    await apply(lifecycleEvent(tenant, session, 'initiating'));
    expect(await view(session)).toMatchObject({ tenantId: tenant, status: 'initiating', answeredAt: null, endedAt: null, durationSeconds: null, startedAt: new Date(STARTED) });

    await apply(lifecycleEvent(tenant, session, 'ringing', { occurredAt: '2026-03-10T14:00:02Z' }));
    expect((await view(session))!.status).toBe('ringing');

    await apply(lifecycleEvent(tenant, session, 'in_progress', { occurredAt: ANSWERED }));
    expect(await view(session)).toMatchObject({ status: 'in_progress', answeredAt: new Date(ANSWERED), durationSeconds: null });

    await apply(lifecycleEvent(tenant, session, 'completed', { occurredAt: ENDED }));
    expect(await view(session)).toMatchObject({
      status: 'completed',
      endReason: 'caller_hangup',
      answeredAt: new Date(ANSWERED),
      endedAt: new Date(ENDED),
      durationSeconds: 105,
      lastEventAt: new Date(ENDED),
    });
  });

  test('out of order: `completed` then a late `ringing` leaves the session completed', async () => {
    const { tenant, session } = ids();
    await apply(lifecycleEvent(tenant, session, 'completed', { occurredAt: ENDED }));
    const done = await view(session);
    expect(done).toMatchObject({ status: 'completed', endedAt: new Date(ENDED), durationSeconds: 105 });

    await apply(lifecycleEvent(tenant, session, 'ringing', { occurredAt: '2026-03-10T14:00:02Z' }));
    await apply(lifecycleEvent(tenant, session, 'initiating', { occurredAt: STARTED }));
    await apply(lifecycleEvent(tenant, session, 'in_progress', { occurredAt: ANSWERED }));
    const after = await view(session);
    expect(after).toMatchObject({ status: 'completed', endReason: 'caller_hangup', endedAt: new Date(ENDED), durationSeconds: 105, lastEventAt: new Date(ENDED) });
    expect(after!.updatedAt).toEqual(done!.updatedAt);
  });

  test('out of order before the end: `in_progress` then a late `ringing` stays in progress', async () => {
    const { tenant, session } = ids();
    await apply(lifecycleEvent(tenant, session, 'in_progress', { occurredAt: ANSWERED }));
    await apply(lifecycleEvent(tenant, session, 'ringing', { occurredAt: '2026-03-10T14:00:02Z' }));
    expect(await view(session)).toMatchObject({ status: 'in_progress', answeredAt: new Date(ANSWERED) });
  });

  test('a second terminal event does not overwrite the first outcome', async () => {
    const { tenant, session } = ids();
    await apply(lifecycleEvent(tenant, session, 'no_answer', { end_reason: 'no_answer', answered_at: null }));
    await apply(lifecycleEvent(tenant, session, 'failed', { end_reason: 'sip_error', sip_status: 503 }));
    expect(await view(session)).toMatchObject({ status: 'no_answer', endReason: 'no_answer' });
  });

  test("an event naming another tenant than the session's is ignored", async () => {
    const { tenant, session } = ids();
    const intruder = newId('tenant');
    await apply(lifecycleEvent(tenant, session, 'ringing'));
    const before = await view(session);

    await apply(lifecycleEvent(intruder, session, 'completed', { occurredAt: ENDED, from_number: '+15005550006', agent_id: 'agt_intruder' }));
    const after = await view(session);
    expect(after).toEqual(before);
    expect(after).toMatchObject({ tenantId: tenant, status: 'ringing', fromNumber: '+919876543210', agentId: 'agt_spec' });
  });

  test('an event with an unexpected shape is skipped and writes nothing', async () => {
    const { tenant, session } = ids();
    const bad = buildEventEnvelope({ type: 'call.ringing', tenantId: tenant, key: session, data: { session_id: session, state: 'teleported' } });
    await apply(bad);
    expect(await view(session)).toBeNull();
  });

  test('its writes belong to the caller’s transaction: a rollback leaves no session', async () => {
    const { tenant, session } = ids();
    await expect(
      db.prisma.$transaction(async (tx) => {
        await applyLifecycleEvent(tx, lifecycleEvent(tenant, session, 'initiating'), log);
        expect(await tx.sessionView.findUnique({ where: { id: session } })).not.toBeNull();
        throw new Error('handler failed after applying');
      }),
    ).rejects.toThrow('handler failed after applying');
    expect(await view(session)).toBeNull();
  });
});

describe('advances', () => {
  const terminal: CallState[] = ['completed', 'failed', 'no_answer', 'busy', 'canceled'];
  test.each([
    ['initiating', 'ringing', true],
    ['ringing', 'in_progress', true],
    ['in_progress', 'completed', true],
    ['initiating', 'failed', true],
    ['ringing', 'ringing', true],
    ['ringing', 'initiating', false],
    ['in_progress', 'ringing', false],
  ] as Array<[CallState, CallState, boolean]>)('%s → %s: %s', (from, to, expected) => {
    expect(advances(from, to)).toBe(expected);
  });

  test('nothing moves a call out of a terminal state', () => {
    for (const from of terminal) for (const to of CALL_STATES) expect(advances(from, to)).toBe(false);
  });
});
