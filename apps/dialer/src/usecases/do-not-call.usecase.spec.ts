import { createLogger } from '@callplane/service-kit';
import { uniquePhoneNumber } from '@callplane/testing';
import { TestClock } from '../dialer.test-harness';
import { hasDoNotCallNumbers, isOnDoNotCallList, listedAmong } from './do-not-call.repository';
import { addDoNotCallNumbers, listDoNotCallNumbers, removeDoNotCallNumber } from './do-not-call.usecase';
import { seedTenant, usecaseDeps } from './usecase-deps.test-harness';

/** The do-not-call list's use cases and the checks other paths (dial, dial plan, imports, the runner) call. */
describe('do-not-call list', () => {
  const clock = new TestClock();
  const deps = usecaseDeps({ clock });
  const { prisma } = deps;
  const log = createLogger({ name: 'dnc-spec', level: 'silent' });
  afterAll(() => deps.db.close());

  it('adding counts the numbers not listed yet, once each, and keeps the first added_at', async () => {
    const { tenantId } = await seedTenant(prisma, 'DNC');
    const [x, y] = [uniquePhoneNumber(), uniquePhoneNumber()];
    expect(await addDoNotCallNumbers(deps, log, tenantId, [x, x, y])).toEqual({ added: 2 });
    const first = clock.now();
    clock.advance(5_000);
    expect(await addDoNotCallNumbers(deps, log, tenantId, [y, x])).toEqual({ added: 0 });
    expect((await prisma.doNotCallNumber.findMany({ where: { tenantId } })).map((r) => r.addedAt)).toEqual([first, first]);
  });

  it('the checks read one tenant\'s list only, and answer for many numbers at once', async () => {
    const a = await seedTenant(prisma, 'DNC A');
    const b = await seedTenant(prisma, 'DNC B');
    const [x, y, z] = [uniquePhoneNumber(), uniquePhoneNumber(), uniquePhoneNumber()];
    expect(await hasDoNotCallNumbers(prisma, a.tenantId)).toBe(false);
    await addDoNotCallNumbers(deps, log, a.tenantId, [x, y]);
    await addDoNotCallNumbers(deps, log, b.tenantId, [z]);
    expect(await hasDoNotCallNumbers(prisma, a.tenantId)).toBe(true);
    expect([await isOnDoNotCallList(prisma, a.tenantId, x), await isOnDoNotCallList(prisma, a.tenantId, z), await isOnDoNotCallList(prisma, b.tenantId, x)]).toEqual([true, false, false]);
    expect(await listedAmong(prisma, a.tenantId, [z, y, x, uniquePhoneNumber()])).toEqual(new Set([x, y]));
    expect(await listedAmong(prisma, a.tenantId, [])).toEqual(new Set());
    // Inside a transaction, the caller's own uncommitted additions count.
    await prisma.$transaction(async (tx) => {
      await tx.doNotCallNumber.create({ data: { tenantId: b.tenantId, number: x } });
      expect(await isOnDoNotCallList(tx, b.tenantId, x)).toBe(true);
      expect(await isOnDoNotCallList(prisma, b.tenantId, x)).toBe(false);
    });
  });

  it('lists newest first, ties on added_at broken by number, so no page repeats or skips one', async () => {
    const { tenantId } = await seedTenant(prisma, 'DNC paging');
    const sameInstant = Array.from({ length: 5 }, () => uniquePhoneNumber());
    await addDoNotCallNumbers(deps, log, tenantId, sameInstant);
    clock.advance(1_000);
    const later = uniquePhoneNumber();
    await addDoNotCallNumbers(deps, log, tenantId, [later]);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listDoNotCallNumbers(deps, tenantId, { limit: 2, cursor });
      seen.push(...page.data.map((r) => r.number));
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual([later, ...[...sameInstant].sort().reverse()]);
  });

  it('removing a number not listed is not_found; removing one listed takes it off', async () => {
    const { tenantId } = await seedTenant(prisma, 'DNC remove');
    const x = uniquePhoneNumber();
    expect(await removeDoNotCallNumber(deps, log, tenantId, x).catch((e: unknown) => e)).toMatchObject({ code: 'not_found', status: 404 });
    await addDoNotCallNumbers(deps, log, tenantId, [x]);
    await removeDoNotCallNumber(deps, log, tenantId, x);
    expect(await isOnDoNotCallList(prisma, tenantId, x)).toBe(false);
  });
});
