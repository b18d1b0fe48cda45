import { buildEventEnvelope, newId, type EventEnvelope } from '@callplane/contracts';
import { connectPostgres, type Database } from '@callplane/db';
import pino from 'pino';
import { callStream, seededRandom, shuffledDeliveries, STREAM_COST_AT_TEST_PRICES, TEST_PRICES } from '../testing/call-stream';
import { applyCallEvents } from './apply-call-events.usecase';
import { PriceBook } from './price-book';

const log = pino({ level: 'silent' });

describe('applyCallEvents (PostgreSQL)', () => {
  let db: Database;
  const prices = new PriceBook(TEST_PRICES);
  beforeAll(async () => {
    db = connectPostgres({ url: process.env.DATABASE_URL!, poolSize: 4 });
    expect(await prices.activeVersion(db.prisma)).toBe(1); // this file's database starts with no price table: the test prices are seeded
  });
  afterAll(async () => {
    await db.close();
  });

  const apply = (events: EventEnvelope[]) => db.prisma.$transaction((tx) => applyCallEvents(tx, events, prices, log));
  const view = (id: string) => db.prisma.sessionView.findUnique({ where: { id } });
  const ids = () => ({ tenant: newId('tenant'), session: newId('callSession') });
  /** A row as a customer-visible value: without its own id, the write time, and with event ids made session-independent. */
  const comparable = async (id: string) => {
    const { id: _id, updatedAt: _u, lifecycleEventId, transcript, recordingUrl, ...rest } = (await view(id))!;
    const strip = (s: string) => s.replaceAll(id, '<session>');
    return { ...rest, lifecycleEventId: lifecycleEventId && strip(lifecycleEventId), recordingUrl: recordingUrl && strip(recordingUrl), transcript: JSON.parse(strip(JSON.stringify(transcript))) };
  };

  test('an in-order stream builds the whole session: times, duration, outcome, transcript, recording, usage and cost', async () => {
    const { tenant, session } = ids();
    const result = await apply(callStream({ tenantId: tenant, sessionId: session }));
    expect(result).toMatchObject({ applied: 11, skipped: 0, sessionsWritten: 1 });
    const row = await view(session);
    expect(row).toMatchObject({
      tenantId: tenant,
      status: 'completed',
      endReason: 'caller_hangup',
      startedAt: new Date('2026-03-10T14:00:00Z'),
      answeredAt: new Date('2026-03-10T14:00:07Z'),
      endedAt: new Date('2026-03-10T14:01:52Z'),
      durationSeconds: 105,
      recordingUrl: `https://recordings.example.com/${session}.ogg`,
      priceVersion: 1,
      usage: { llm_prompt_tokens: 1500, llm_completion_tokens: 500, tts_characters: 2000, stt_seconds: 90, telephony_minutes: 2 },
    });
    expect(row!.cost).toEqual(STREAM_COST_AT_TEST_PRICES);
    const turns = row!.transcript as Array<{ seq: number; role: string; text: string }>;
    expect(turns.map((t) => [t.seq, t.role])).toEqual([[0, 'agent'], [1, 'caller'], [2, 'agent'], [3, 'caller'], [4, 'agent'], [5, 'caller']]);
    expect(turns[3]!.text).toBe(`turn 3 of ${session}`);
  });

  test('shuffled, duplicated and re-batched streams give identical rows (40 seeded permutations)', async () => {
    const tenant = newId('tenant');
    const reference = newId('callSession');
    await apply(callStream({ tenantId: tenant, sessionId: reference }));
    const expected = await comparable(reference);
    expect(expected).toMatchObject({ status: 'completed', durationSeconds: 105, usageReportSeq: 3 });

    for (let seed = 1; seed <= 40; seed++) {
      const session = newId('callSession');
      const batches = shuffledDeliveries(callStream({ tenantId: tenant, sessionId: session }), seededRandom(seed));
      for (const batch of batches) await apply(batch);
      // Everything again, after the call is over: late redelivery changes nothing.
      await apply(callStream({ tenantId: tenant, sessionId: session }).reverse());
      expect({ seed, row: await comparable(session) }).toEqual({ seed, row: expected });
    }
  });

  test("a campaign call keeps its campaign_id in any order, even when some of its events (from before campaigns) name none", async () => {
    const tenant = newId('tenant');
    const campaign = newId('campaign');
    const rows = [];
    for (let seed = 200; seed < 210; seed++) {
      const session = newId('callSession');
      const stream = callStream({ tenantId: tenant, sessionId: session, campaignId: campaign, direction: 'outbound', callType: 'campaign' });
      // The late `failed` (last) and the ringing event (second) lose the field: the row must not.
      const mixed = stream.map((e, i) => (i === 1 || i === stream.length - 1 ? { ...e, data: { ...(e.data as object), campaign_id: undefined } } : e));
      for (const batch of shuffledDeliveries(mixed, seededRandom(seed))) await apply(batch);
      rows.push(await comparable(session));
    }
    expect(rows[0]).toMatchObject({ campaignId: campaign, callType: 'campaign', status: 'completed', durationSeconds: 105 });
    for (const r of rows) expect(r).toEqual(rows[0]);

    const plain = newId('callSession');
    await apply(callStream({ tenantId: tenant, sessionId: plain }));
    expect(await view(plain)).toMatchObject({ campaignId: null, callType: 'production' });
  });

  test('an unanswered call: the first terminal outcome stands whatever arrives later, in any order', async () => {
    const tenant = newId('tenant');
    const rows = [];
    for (let seed = 100; seed < 110; seed++) {
      const session = newId('callSession');
      for (const batch of shuffledDeliveries(callStream({ tenantId: tenant, sessionId: session, answered: false }), seededRandom(seed))) await apply(batch);
      rows.push(await comparable(session));
    }
    expect(rows[0]).toMatchObject({ status: 'no_answer', endReason: 'no_answer', answeredAt: null, durationSeconds: 0, usage: { telephony_minutes: 0 }, cost: { total: 0 } });
    for (const r of rows) expect(r).toEqual(rows[0]);
  });

  test('a web call (the studio in the browser) counts no telephony minutes and costs no telephony, the rest rated as usual', async () => {
    const { tenant, session } = ids();
    await apply(callStream({ tenantId: tenant, sessionId: session, direction: 'web', callType: 'studio_test', provider: 'web' }));
    const row = await view(session);
    expect(row).toMatchObject({ status: 'completed', direction: 'web', provider: 'web', durationSeconds: 105, usage: { telephony_minutes: 0, tts_characters: 2000 } });
    expect(row!.cost).toEqual({ ...STREAM_COST_AT_TEST_PRICES, telephony: 0, total: 0.1115 });
  });

  test('transcript and usage that overtake the first lifecycle event make a partial row, filled in later', async () => {
    const { tenant, session } = ids();
    const stream = callStream({ tenantId: tenant, sessionId: session });
    const [lifecycle, rest] = [stream.filter((e) => !/transcript|usage/.test(e.type)), stream.filter((e) => /transcript|usage/.test(e.type))];
    await apply(rest);
    expect(await view(session)).toMatchObject({ status: null, startedAt: null, usageReportSeq: 3, usage: { llm_prompt_tokens: 1500, telephony_minutes: 0 } });
    expect(((await view(session))!.transcript as unknown[]).length).toBe(6);

    await apply(lifecycle);
    expect(await view(session)).toMatchObject({ status: 'completed', durationSeconds: 105, usage: { telephony_minutes: 2 }, cost: STREAM_COST_AT_TEST_PRICES });
  });

  test('a redelivered batch writes nothing (the row is not touched)', async () => {
    const { tenant, session } = ids();
    const stream = callStream({ tenantId: tenant, sessionId: session });
    await apply(stream);
    const before = await view(session);
    const again = await apply(stream);
    expect(again).toMatchObject({ applied: 11, sessionsWritten: 0 });
    expect(await view(session)).toEqual(before);
  });

  test("an event naming another tenant than the session's is ignored", async () => {
    const { tenant, session } = ids();
    const stream = callStream({ tenantId: tenant, sessionId: session });
    await apply(stream.slice(0, 2));
    const before = await view(session);
    const intruder = callStream({ tenantId: newId('tenant'), sessionId: session, fromNumber: '+15005550006', agentId: 'agt_intruder' });
    const result = await apply(intruder);
    expect(result).toMatchObject({ applied: 0, skipped: 11, sessionsWritten: 0 });
    expect(await view(session)).toEqual(before);
    expect(before).toMatchObject({ tenantId: tenant, status: 'ringing', agentId: 'agt_stream' });
  });

  test('events with an unexpected shape are skipped and write nothing', async () => {
    const { tenant, session } = ids();
    const bad = [
      buildEventEnvelope({ type: 'call.ringing', tenantId: tenant, key: session, data: { session_id: session, state: 'teleported' } }),
      buildEventEnvelope({ type: 'call.transcript', tenantId: tenant, key: session, data: { session_id: session, turns: [{ seq: -1, role: 'agent', text: 'x', at: 'yesterday' }] } }),
      buildEventEnvelope({ type: 'call.usage', tenantId: tenant, key: session, data: { session_id: session, report_seq: 0 } }),
    ];
    expect(await apply(bad)).toMatchObject({ applied: 0, skipped: 3 });
    expect(await view(session)).toBeNull();
  });

  test('writes belong to the caller’s transaction: a rollback leaves nothing', async () => {
    const { tenant, session } = ids();
    await expect(
      db.prisma.$transaction(async (tx) => {
        await applyCallEvents(tx, callStream({ tenantId: tenant, sessionId: session }), prices, log);
        expect(await tx.sessionView.findUnique({ where: { id: session } })).not.toBeNull();
        throw new Error('handler failed after applying');
      }),
    ).rejects.toThrow('handler failed after applying');
    expect(await view(session)).toBeNull();
    expect(await db.prisma.lead.findMany({ where: { tenantId: tenant } })).toEqual([]);
  });

  test('leads: one per caller and tenant, each inbound session counted once however often its events arrive', async () => {
    const tenant = newId('tenant');
    const other = newId('tenant');
    const caller = '+14155550199';
    const s1 = newId('callSession');
    const s2 = newId('callSession');
    const first = callStream({ tenantId: tenant, sessionId: s1, fromNumber: caller, startedAt: new Date('2026-03-11T09:00:00Z') });
    const second = callStream({ tenantId: tenant, sessionId: s2, fromNumber: caller, startedAt: new Date('2026-03-12T10:00:00Z') });
    const random = seededRandom(7);
    for (const batch of shuffledDeliveries([...second, ...first, ...first], random, 0.5)) await apply(batch);
    await apply(first);
    // Outbound calls and other tenants' callers are not this tenant's leads.
    await apply(callStream({ tenantId: tenant, sessionId: newId('callSession'), direction: 'outbound', fromNumber: '+14155550100', toNumber: caller }));
    await apply(callStream({ tenantId: other, sessionId: newId('callSession'), fromNumber: caller }));

    const leads = await db.prisma.lead.findMany({ where: { tenantId: tenant } });
    expect(leads).toEqual([{ tenantId: tenant, number: caller, firstSeenAt: new Date('2026-03-11T09:00:00Z'), lastSeenAt: new Date('2026-03-12T10:00:00Z'), calls: 2 }]);
    expect(await db.prisma.lead.findMany({ where: { tenantId: other } })).toMatchObject([{ number: caller, calls: 1 }]);
  });

  // Last: it changes the active price table for the rest of this file.
  test('a price change rates new sessions with the new table; sessions already seen keep theirs, even with late events', async () => {
    const tenant = newId('tenant');
    const old = newId('callSession');
    const oldStream = callStream({ tenantId: tenant, sessionId: old });
    await apply(oldStream.slice(0, 5)); // the call is under way when prices change
    const doubled = { ...TEST_PRICES, telephony_per_minute: TEST_PRICES.telephony_per_minute.map((l) => ({ ...l, price: l.price * 2 })) };
    const next = await prices.replace(db.prisma, doubled);
    expect(next.version).toBe(2);

    await apply(oldStream.slice(5));
    expect(await view(old)).toMatchObject({ priceVersion: 1, cost: STREAM_COST_AT_TEST_PRICES });

    const fresh = newId('callSession');
    await apply(callStream({ tenantId: tenant, sessionId: fresh }));
    expect(await view(fresh)).toMatchObject({ priceVersion: 2, cost: { ...STREAM_COST_AT_TEST_PRICES, telephony: 0.04, total: 0.1515 } });
  });
});
