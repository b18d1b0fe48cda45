import { buildEventEnvelope, newId, type CallLifecycleData, type CallState, type EventEnvelope } from '@callplane/contracts';
import { connectPostgres, type Database } from '@callplane/db';
import { uniquePhoneNumber } from '@callplane/testing';
import { recordCallProgress } from './call-progress';
import type { DialerDeps } from './deps';

/** The dialer's record of an outbound call follows `call.lifecycle`, forward only, whatever order events arrive in. */
describe('recordCallProgress', () => {
  let db: Database;
  beforeAll(() => {
    db = connectPostgres({ url: process.env.DATABASE_URL!, poolSize: 5 });
  });
  afterAll(async () => {
    await db.close();
  });

  const deps = {} as DialerDeps; // recordCallProgress writes only through the consumer's transaction
  const at = (s: string) => new Date(`2026-11-25T10:00:${s}Z`);

  async function newCall(state = 'dispatched') {
    const id = newId('callSession');
    await db.prisma.outboundCall.create({
      data: { id, tenantId: 'ten_progress_spec', agentId: 'agt_progress_spec', fromNumber: uniquePhoneNumber(), toNumber: uniquePhoneNumber(), callType: 'production', state },
    });
    return id;
  }
  function event(id: string, state: CallState, occurred: string, over: Partial<CallLifecycleData> = {}): EventEnvelope<CallLifecycleData> {
    return buildEventEnvelope<CallLifecycleData>({
      type: `call.${state}`,
      tenantId: 'ten_progress_spec',
      key: id,
      occurredAt: at(occurred),
      data: {
        session_id: id,
        state,
        direction: 'outbound',
        call_type: 'production',
        agent_id: 'agt_progress_spec',
        phone_number_id: null,
        from_number: '+14155550100',
        to_number: '+14155550101',
        provider: 'twilio',
        provider_call_id: null,
        sip_status: null,
        end_reason: null,
        started_at: at('00').toISOString(),
        answered_at: null,
        ended_at: null,
        ...over,
      },
    });
  }
  const apply = (e: EventEnvelope<CallLifecycleData>) => db.prisma.$transaction((tx) => recordCallProgress(deps, [e], tx));
  const applyBatch = (events: EventEnvelope<CallLifecycleData>[]) => db.prisma.$transaction((tx) => recordCallProgress(deps, events, tx));
  const row = (id: string) => db.prisma.outboundCall.findUniqueOrThrow({ where: { id } });

  it('records each step with its time, and ends the row on a terminal state', async () => {
    const id = await newCall();
    await apply(event(id, 'initiating', '00'));
    expect(await row(id)).toMatchObject({ callState: 'initiating', ringingAt: null, state: 'dispatched' });
    await apply(event(id, 'ringing', '02'));
    await apply(event(id, 'in_progress', '05', { answered_at: at('05').toISOString() }));
    expect(await row(id)).toMatchObject({ callState: 'in_progress', ringingAt: at('02'), answeredAt: at('05'), endedAt: null, state: 'dispatched' });
    await apply(event(id, 'completed', '40', { answered_at: at('05').toISOString(), ended_at: at('40').toISOString(), end_reason: 'caller_hangup' }));
    expect(await row(id)).toMatchObject({ callState: 'completed', ringingAt: at('02'), answeredAt: at('05'), endedAt: at('40'), state: 'ended' });
  });

  it('late, repeated and backward events change nothing', async () => {
    const id = await newCall();
    await apply(event(id, 'completed', '30', { answered_at: at('10').toISOString(), ended_at: at('30').toISOString() }));
    const ended = await row(id);
    expect(ended).toMatchObject({ callState: 'completed', answeredAt: at('10'), endedAt: at('30'), ringingAt: null, state: 'ended' });
    for (const state of ['initiating', 'ringing', 'in_progress', 'busy', 'completed', 'failed'] as CallState[]) await apply(event(id, state, '50'));
    const after = await row(id);
    expect({ ...after, updatedAt: null }).toEqual({ ...ended, updatedAt: null });
  });

  it('an answered call reported unanswered is recorded completed, with the answer time kept', async () => {
    const id = await newCall();
    await apply(event(id, 'in_progress', '04'));
    await apply(event(id, 'ringing', '03'));
    await apply(event(id, 'no_answer', '20'));
    expect(await row(id)).toMatchObject({ callState: 'completed', ringingAt: null, answeredAt: at('04'), endedAt: at('20'), state: 'ended' });
  });

  it('events racing each other for one call settle on the furthest state', async () => {
    const id = await newCall();
    const states: CallState[] = ['ringing', 'in_progress', 'busy', 'initiating', 'in_progress', 'ringing'];
    await Promise.all(states.map((s, i) => apply(event(id, s, String(10 + i)))));
    expect(await row(id)).toMatchObject({ callState: expect.stringMatching(/^(busy|completed)$/), state: 'ended' });
  });

  it('a call that ends while its row is still dispatching ends the row too', async () => {
    const id = await newCall('dispatching');
    await apply(event(id, 'failed', '03', { end_reason: 'dispatch_failed' }));
    expect(await row(id)).toMatchObject({ callState: 'failed', state: 'ended', endedAt: at('03'), answeredAt: null });
  });

  it('a row the dialer already closed keeps its state; an unknown call is ignored', async () => {
    const id = await newCall('failed');
    await apply(event(id, 'failed', '05', { end_reason: 'livekit_not_configured' }));
    expect(await row(id)).toMatchObject({ callState: 'failed', state: 'failed', endedAt: at('05') });
    await expect(apply(event(newId('callSession'), 'completed', '05'))).resolves.toEqual([]);
  });

  it('a batch applies its events in delivery order, several calls at once, and answers the rows it moved as written', async () => {
    const [a, b, c] = [await newCall(), await newCall(), await newCall()];
    await apply(event(c, 'completed', '09'));
    const moved = await applyBatch([
      event(a, 'initiating', '00'),
      event(b, 'ringing', '01'),
      event(a, 'ringing', '02'),
      event(c, 'ringing', '03'), // c ended before the batch: nothing
      event(a, 'in_progress', '05'),
      event(b, 'busy', '06'),
      event(a, 'ringing', '07'), // backward within the batch: nothing
      event(a, 'completed', '40'),
      event(b, 'busy', '41'), // a repeat after the end: nothing
    ]);
    expect(moved.map((r) => r.id).sort()).toEqual([a, b].sort());
    expect(moved.find((r) => r.id === a)).toEqual(await row(a));
    expect(await row(a)).toMatchObject({ callState: 'completed', ringingAt: at('02'), answeredAt: at('05'), endedAt: at('40'), state: 'ended' });
    expect(await row(b)).toMatchObject({ callState: 'busy', ringingAt: at('01'), answeredAt: null, endedAt: at('06'), state: 'ended' });
    expect(await row(c)).toMatchObject({ callState: 'completed', ringingAt: null, endedAt: at('09') });
  });
});
