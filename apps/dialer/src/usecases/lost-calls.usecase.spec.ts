import { openInboundSession, openOutboundSession, lostCallsCounter } from '@callplane/calls';
import { newId } from '@callplane/contracts';
import type { CallSession } from '@callplane/db';
import { newCallSid, uniquePhoneNumber } from '@callplane/testing';
import { Registry } from 'prom-client';
import { TestClock } from '../dialer.test-harness';
import type { DialerDeps } from './deps';
import { reapLostCalls, unansweredMaxSeconds } from './lost-calls.usecase';
import { seedTenant, usecaseDeps } from './usecase-deps.test-harness';

const T0 = Date.parse('2026-11-25T12:00:00Z');
const ago = (seconds: number) => new Date(T0 - seconds * 1000);

/**
 * The session reaper's round on real PostgreSQL: which open calls it ends (`lost`), how they end, and replicas
 * racing over the same overdue calls. The agents are stored with `max_duration: 300`; the grace period is 60 s.
 */
describe('reapLostCalls', () => {
  const clock = new TestClock(T0);
  const deps = usecaseDeps({ clock });
  const opened: Array<ReturnType<typeof usecaseDeps>> = [];
  afterAll(async () => {
    await Promise.all([deps, ...opened].map((d) => d.db.close()));
  });

  let tenant: Awaited<ReturnType<typeof seedTenant>>;
  beforeAll(async () => {
    tenant = await seedTenant(deps.prisma, 'Reaper');
  });

  /** A call as its opener leaves it, then moved by the call-state machine: ringing, or answered at `answeredAt`. */
  async function call(opts: { openedAt: Date; answeredAt?: Date; ringing?: boolean; inbound?: boolean; maxDurationSeconds?: number; agentId?: string }): Promise<CallSession> {
    const agentId = opts.agentId ?? tenant.agentId;
    const base = { id: newId('callSession'), tenantId: tenant.tenantId, agentId, phoneNumberId: null, fromNumber: uniquePhoneNumber(), toNumber: uniquePhoneNumber(), provider: 'twilio' as const, at: opts.openedAt };
    const session = await deps.prisma.$transaction((tx) =>
      opts.inbound
        ? openInboundSession(tx, { ...base, phoneNumberId: 'pn_reaper_spec', providerCallId: newCallSid(), state: 'initiating' })
        : openOutboundSession(tx, { ...base, callType: 'production', roomName: `call-${base.id}`, maxDurationSeconds: opts.maxDurationSeconds ?? null }),
    );
    if (opts.ringing) await deps.transitions.report({ call: { sessionId: session.id }, state: 'ringing', at: opts.openedAt });
    if (opts.answeredAt) await deps.transitions.report({ call: { sessionId: session.id }, state: 'in_progress', at: opts.answeredAt });
    return deps.prisma.callSession.findUniqueOrThrow({ where: { id: session.id } });
  }
  const stored = (id: string) => deps.prisma.callSession.findUniqueOrThrow({ where: { id } });
  const lifecycle = async (id: string) =>
    (await deps.prisma.outboxEvent.findMany({ where: { key: id }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] })).map((e) => e.envelope as { type: string; occurred_at: string; data: { end_reason: string | null; ended_at: string | null } });
  const ids = (sessions: Array<{ session: { id: string } }>) => sessions.map((s) => s.session.id);

  it('the unanswered maximum is the longer of the ringing timeout and the studio dispatch timeout', () => {
    expect(unansweredMaxSeconds({ ringingTimeoutSeconds: 30, testCallDispatchTimeoutSeconds: 90 })).toBe(90);
    expect(unansweredMaxSeconds({ ringingTimeoutSeconds: 120, testCallDispatchTimeoutSeconds: 90 })).toBe(120);
  });

  it('ends only the calls past their maximum and the grace period, each with its lifecycle event, and counts them', async () => {
    const registry = new Registry();
    const counting: DialerDeps = { ...deps, lostCalls: lostCallsCounter(registry) };
    // Answered: the session's own cap (300 s) + 60 s grace from the answer.
    const overdue = await call({ openedAt: ago(410), answeredAt: ago(400), maxDurationSeconds: 300 });
    const withinGrace = await call({ openedAt: ago(360), answeredAt: ago(350), maxDurationSeconds: 300 });
    // No cap on the session (an inbound call the voice agent never took): the agent's max_duration (300 s).
    const inboundOverdue = await call({ inbound: true, openedAt: ago(365), answeredAt: ago(361) });
    // Its agent is gone: the largest max_duration an agent may have (4 h).
    const agentDeleted = await call({ inbound: true, openedAt: ago(1010), answeredAt: ago(1000), agentId: newId('agent') });
    // Unanswered: max(30 s ringing, 90 s dispatch timeout) + 60 s from the opening.
    const neverRang = await call({ openedAt: ago(151) });
    const stillRinging = await call({ openedAt: ago(149), ringing: true });
    const alreadyEnded = await call({ openedAt: ago(5000), answeredAt: ago(4990), maxDurationSeconds: 300 });
    await deps.transitions.report({ call: { sessionId: alreadyEnded.id }, state: 'completed', at: ago(4900), endReason: 'caller_hangup' });

    const reaped = await reapLostCalls(counting);
    expect(ids(reaped).sort()).toEqual([overdue.id, inboundOverdue.id, neverRang.id].sort());

    // Answered: completed, stamped when the cap ran out (never billed past it); the event carries the reason.
    expect(await stored(overdue.id)).toMatchObject({ status: 'completed', endReason: 'lost', answeredAt: ago(400), endedAt: ago(100) });
    expect(await stored(inboundOverdue.id)).toMatchObject({ status: 'completed', endReason: 'lost', endedAt: ago(61) });
    // Unanswered: failed, now.
    expect(await stored(neverRang.id)).toMatchObject({ status: 'failed', endReason: 'lost', answeredAt: null, endedAt: new Date(T0) });
    const events = await lifecycle(overdue.id);
    expect(events.map((e) => e.type)).toEqual(['call.initiating', 'call.in_progress', 'call.completed']);
    expect(events[2]).toMatchObject({ occurred_at: ago(100).toISOString(), data: { end_reason: 'lost', ended_at: ago(100).toISOString() } });
    expect((await lifecycle(neverRang.id)).map((e) => e.type)).toEqual(['call.initiating', 'call.failed']);

    for (const open of [withinGrace, agentDeleted, stillRinging]) expect(await stored(open.id)).toMatchObject({ status: open.status, endedAt: null, endReason: null });
    expect(await stored(alreadyEnded.id)).toMatchObject({ status: 'completed', endReason: 'caller_hangup', endedAt: ago(4900) });
    expect((await lifecycle(alreadyEnded.id)).map((e) => e.type)).toEqual(['call.initiating', 'call.in_progress', 'call.completed']);

    const metrics = await registry.metrics();
    expect(metrics).toContain('calls_reaped_total{stage="answered",source="reaper"} 2');
    expect(metrics).toContain('calls_reaped_total{stage="unanswered",source="reaper"} 1');

    // A second round finds nothing more: the ended calls are not ended again.
    expect(ids(await reapLostCalls(counting)).filter((id) => [overdue.id, inboundOverdue.id, neverRang.id].includes(id))).toEqual([]);
    expect((await lifecycle(overdue.id)).filter((e) => e.type === 'call.completed')).toHaveLength(1);

    // The call within its grace is ended once the clock passes it; the one still ringing once it is past its own.
    const later = new TestClock(T0 + 11_000);
    const second = await reapLostCalls({ ...counting, now: later.now });
    expect(ids(second).sort()).toEqual([withinGrace.id, stillRinging.id].sort());
    expect(await stored(withinGrace.id)).toMatchObject({ status: 'completed', endReason: 'lost', endedAt: ago(50) });
    expect(await stored(stillRinging.id)).toMatchObject({ status: 'failed', endReason: 'lost' });
  });

  it('two replicas racing over the same overdue calls end each call once', async () => {
    const calls = await Promise.all(Array.from({ length: 40 }, (_, i) => call({ openedAt: ago(2000 + i), answeredAt: ago(1990 + i), maxDurationSeconds: 300 })));
    const replicas = [usecaseDeps({ clock }), usecaseDeps({ clock })];
    opened.push(...replicas);
    const registries = [new Registry(), new Registry()];
    const racers: DialerDeps[] = replicas.map((r, i) => ({ ...r, lostCalls: lostCallsCounter(registries[i]) }));
    // Several rounds each, at once: every round claims what the other has not locked.
    const rounds = await Promise.all(racers.flatMap((r) => [reapLostCalls(r), reapLostCalls(r), reapLostCalls(r)]));
    const ended = rounds.flatMap(ids).filter((id) => calls.some((c) => c.id === id));
    expect(ended.sort()).toEqual(calls.map((c) => c.id).sort());
    for (const c of calls) expect((await lifecycle(c.id)).filter((e) => e.type === 'call.completed')).toHaveLength(1);
    const counted = await Promise.all(registries.map(async (reg) => (await reg.getSingleMetric('calls_reaped_total')!.get()).values.reduce((n, v) => n + v.value, 0)));
    expect(counted[0]! + counted[1]!).toBe(40);
  });
});
