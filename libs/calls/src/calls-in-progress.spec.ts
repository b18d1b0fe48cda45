import { newId } from '@callplane/contracts';
import { connectPostgres, type Database } from '@callplane/db';
import { newCallSid } from '@callplane/testing';
import { CallTransitions } from './call-transitions';
import { countCallsInProgress } from './calls-in-progress';
import { openInboundSession, openOutboundSession } from './open-session';

/** The calls-in-progress gauge's query, on this spec file's own database (no other file's calls in it). */
describe('countCallsInProgress', () => {
  let db: Database;
  const at = new Date('2026-11-25T10:00:00.000Z');
  const tenantId = 'ten_in_progress_spec';
  beforeAll(() => {
    db = connectPostgres({ url: process.env.DATABASE_URL! });
  });
  afterAll(() => db.close());

  const outbound = () => {
    const id = newId('callSession');
    return db.prisma.$transaction((tx) =>
      openOutboundSession(tx, { id, tenantId, agentId: 'agt_1', phoneNumberId: null, callType: 'campaign', fromNumber: '+14155550100', toNumber: '+14155550102', provider: 'vobiz', roomName: `call-${id}`, at }),
    );
  };
  const inbound = (state: 'initiating' | 'completed') =>
    db.prisma.$transaction((tx) =>
      openInboundSession(tx, {
        id: newId('callSession'), tenantId, agentId: 'agt_1', phoneNumberId: 'pn_1', fromNumber: '+14155550101', toNumber: '+14155550100',
        provider: 'twilio', providerCallId: newCallSid(), state, ...(state === 'completed' ? { endReason: 'after_hours' } : {}), at,
      }),
    );

  it('counts the calls not ended, by direction, call type, provider and state; an ended call leaves the count', async () => {
    const transitions = new CallTransitions({ prisma: db.prisma, outbox: { notify: () => undefined } });
    const [a, b] = [await outbound(), await outbound()];
    await inbound('initiating');
    await inbound('completed'); // closed after hours: ended as it opened
    await transitions.report({ call: { sessionId: a.id }, state: 'ringing', at });
    const sorted = async () => (await countCallsInProgress(db.prisma)).sort((x, y) => `${x.direction}${x.state}`.localeCompare(`${y.direction}${y.state}`));

    expect(await sorted()).toEqual([
      { direction: 'inbound', callType: 'production', provider: 'twilio', state: 'initiating', calls: 1 },
      { direction: 'outbound', callType: 'campaign', provider: 'vobiz', state: 'initiating', calls: 1 },
      { direction: 'outbound', callType: 'campaign', provider: 'vobiz', state: 'ringing', calls: 1 },
    ]);

    await transitions.report({ call: { sessionId: a.id }, state: 'busy', at, sipStatus: 486 });
    await transitions.report({ call: { sessionId: b.id }, state: 'in_progress', at });
    expect(await sorted()).toEqual([
      { direction: 'inbound', callType: 'production', provider: 'twilio', state: 'initiating', calls: 1 },
      { direction: 'outbound', callType: 'campaign', provider: 'vobiz', state: 'in_progress', calls: 1 },
    ]);
  });

  it('is answered from the partial index of calls not ended, not by reading every call ever made', async () => {
    // The table is tiny here, so the planner would rather scan it: forbid that, and see the index can answer.
    const plan = await db.prisma.$transaction(async (tx) => {
      await tx.$executeRawUnsafe('SET LOCAL enable_seqscan = off');
      return tx.$queryRawUnsafe<Array<{ 'QUERY PLAN': string }>>('EXPLAIN SELECT direction, call_type, provider, status, count(*) FROM call_sessions WHERE ended_at IS NULL GROUP BY 1, 2, 3, 4');
    });
    expect(plan.map((r) => r['QUERY PLAN']).join('\n')).toContain('call_sessions_open_idx');
  });
});
