import { SANDBOX_NUMBERS } from '@callplane/contracts';
import type { Prisma } from '@callplane/db';
import { TestClock } from '../dialer.test-harness';
import type { DialerDeps } from './deps';
import { redispatchOwnUnplacedCalls } from './own-dispatches.usecase';
import { seedCall, seedNumber, seedTenant, usecaseDeps } from './usecase-deps.test-harness';

/**
 * A dialer replica starting again: the rows its previous run moved to `dispatching` and never placed are dispatched
 * at once; other replicas' rows, and a studio test call its caller has given up on, are not.
 */
describe('redispatchOwnUnplacedCalls', () => {
  const clock = new TestClock();
  const base = usecaseDeps({ clock });
  const deps: DialerDeps = { ...base, replica: 'dialer-a' };
  afterAll(() => base.db.close());

  it('dispatches its own unplaced rows and nothing else', async () => {
    const t = await seedTenant(deps.prisma, 'Restart');
    const from = await seedNumber(deps.prisma, t.tenantId);
    const row = (over: Partial<Prisma.OutboundCallUncheckedCreateInput>) =>
      seedCall(deps.prisma, { tenantId: t.tenantId, agentId: t.agentId, fromPhoneId: from.id, fromNumber: from.number, toNumber: SANDBOX_NUMBERS.answers, ...over });
    const mine = await row({ claimedBy: 'dialer-a', createdAt: new Date(clock.now().getTime() - 5_000) });
    const othersClaim = await row({ claimedBy: 'dialer-b' });
    const scheduled = await row({ state: 'scheduled', scheduledAt: new Date(clock.now().getTime() + 60_000) });
    const placed = await row({ claimedBy: 'dialer-a', state: 'dispatched' });
    const staleTestCall = await row({ claimedBy: 'dialer-a', callType: 'studio_test', fromPhoneId: null, createdAt: new Date(clock.now().getTime() - 91_000) });

    expect(await redispatchOwnUnplacedCalls(deps)).toEqual([mine.id]);
    await Promise.all([...deps.inflight]);

    // Placed now: its session opened (a sandbox number: the voice agent's command is queued with it).
    expect(await deps.prisma.outboundCall.findUniqueOrThrow({ where: { id: mine.id } })).toMatchObject({ state: 'dispatched' });
    expect(await deps.prisma.callSession.findUnique({ where: { id: mine.id } })).toMatchObject({ status: 'initiating', maxDurationSeconds: 300 });
    for (const other of [othersClaim, scheduled, placed, staleTestCall]) {
      expect(await deps.prisma.outboundCall.findUniqueOrThrow({ where: { id: other.id } })).toMatchObject({ state: other.state, updatedAt: other.updatedAt });
      expect(await deps.prisma.callSession.findUnique({ where: { id: other.id } })).toBeNull();
    }
  });
});
