import { newId, sandboxCallerIds } from '@callplane/contracts';
import { uniquePhoneNumber } from '@callplane/testing';
import { ensureSandboxNumbers, giveSandboxNumber } from './sandbox-numbers.usecase';
import { useProvisioningDeps } from './usecases.test-harness';

/** Sandbox mode's rule: every tenant has a number to place calls from, given once, never shared. */
describe('sandbox numbers', () => {
  const h = useProvisioningDeps();
  const deps = () => h.deps({ livekit: false });
  const numbersOf = async (tenantId: string) =>
    (await h.prisma().phoneNumber.findMany({ where: { tenantId }, orderBy: { createdAt: 'asc' } })).map((p) => ({ number: p.number, outbound: p.outboundEnabled, provider: p.provider, state: p.state }));
  const addNumber = (tenantId: string, number: string, outboundEnabled: boolean) =>
    h.prisma().phoneNumber.create({ data: { id: newId('phoneNumber'), tenantId, number, provider: 'sip', outboundEnabled, state: 'active' } });
  const [first, second, third] = sandboxCallerIds();

  it('on start, gives each tenant with no number to call from the lowest free caller id; a tenant that has one keeps it; a second start changes nothing', async () => {
    const holder = await h.newTenant('Holds the first caller id');
    await addNumber(holder, first!, true);
    const bare = await h.newTenant('No numbers');
    const inboundOnly = await h.newTenant('Inbound only');
    const inbound = uniquePhoneNumber();
    await addNumber(inboundOnly, inbound, false);
    const own = await h.newTenant('Own outbound number');
    const ownNumber = uniquePhoneNumber();
    await addNumber(own, ownNumber, true);

    await ensureSandboxNumbers(deps(), h.log);

    const sandbox = (number: string) => ({ number, outbound: true, provider: 'sip', state: 'active' });
    expect(await numbersOf(holder)).toEqual([sandbox(first!)]);
    expect(await numbersOf(bare)).toEqual([sandbox(second!)]);
    expect(await numbersOf(inboundOnly)).toEqual([{ number: inbound, outbound: false, provider: 'sip', state: 'active' }, sandbox(third!)]);
    expect(await numbersOf(own)).toEqual([sandbox(ownNumber)]);
    expect(await h.eventsFor((await h.prisma().phoneNumber.findUniqueOrThrow({ where: { number: second! } })).id)).toEqual(['number.imported']);

    const before = await h.prisma().phoneNumber.count();
    await ensureSandboxNumbers(deps(), h.log);
    expect(await h.prisma().phoneNumber.count()).toBe(before);
  });

  it('two starts at once (two replicas) give each tenant exactly one number, none shared', async () => {
    const tenants = await Promise.all(Array.from({ length: 6 }, (_, i) => h.newTenant(`Racing ${i}`)));
    await Promise.all([ensureSandboxNumbers(deps(), h.log), ensureSandboxNumbers(deps(), h.log), ensureSandboxNumbers(deps(), h.log)]);
    const given = await Promise.all(tenants.map(numbersOf));
    for (const numbers of given) expect(numbers).toHaveLength(1);
    const all = await h.prisma().phoneNumber.findMany({ select: { number: true } });
    expect(new Set(all.map((n) => n.number)).size).toBe(all.length);
  });

  it('when every caller id is taken, a tenant gets none (null) and nothing is written', async () => {
    const filler = await h.newTenant('Every caller id');
    await h.prisma().$executeRaw`
      INSERT INTO phone_numbers (id, tenant_id, number, provider, outbound_enabled)
      SELECT 'pn_filler_' || n, ${filler}, n, 'sip', false FROM unnest(${sandboxCallerIds()}::text[]) AS n
      ON CONFLICT (number) DO NOTHING`;
    const late = await h.newTenant('Too late');
    expect(await h.prisma().$transaction((tx) => giveSandboxNumber(tx, late))).toBeNull();
    expect(await numbersOf(late)).toEqual([]);
  });
});
