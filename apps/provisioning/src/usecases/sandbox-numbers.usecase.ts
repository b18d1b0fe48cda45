import { newId, sandboxCallerIds, TOPICS } from '@callplane/contracts';
import type { DbTx } from '@callplane/db';
import { enqueueEvent } from '@callplane/events';
import type { Logger } from '@callplane/service-kit';
import type { ProvisioningDeps } from './deps';
import { numberChangeData } from './number-events';

/**
 * Sandbox mode (LiveKit not configured): every tenant has a number to place sandbox calls from, so a tenant created
 * a minute ago can dial the sandbox numbers at once. The rule, in one place: a tenant with no active number with
 * outbound calling enabled is given the lowest free sandbox caller id (libs/contracts `sandboxCallerIds`), provider
 * `sip`, outbound enabled. Numbers are unique across tenants, so each tenant gets its own rather than a shared one.
 * It runs when a tenant is created (in that transaction) and, on start, for every tenant that has none.
 *
 * Allocation is serialised by a transaction-scoped advisory lock: two tenants created at once (or two replicas
 * starting together) never pick the same number or give one tenant two. Returns the tenant's number (the one it
 * already had, or the new one), or null when every caller id is taken. The caller wakes the outbox after the commit.
 */
export async function giveSandboxNumber(tx: DbTx, tenantId: string): Promise<string | null> {
  await tx.$executeRaw`SELECT 1 FROM pg_advisory_xact_lock(hashtextextended('sandbox_caller_ids', 0))`;
  const has = await tx.phoneNumber.findFirst({ where: { tenantId, outboundEnabled: true, state: 'active' }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], select: { number: true } });
  if (has) return has.number;
  const candidates = sandboxCallerIds();
  const taken = new Set((await tx.$queryRaw<Array<{ number: string }>>`SELECT number FROM phone_numbers WHERE number = ANY(${candidates}::text[])`).map((r) => r.number));
  const number = candidates.find((n) => !taken.has(n));
  if (!number) return null;
  const p = await tx.phoneNumber.create({
    data: { id: newId('phoneNumber'), tenantId, number, provider: 'sip', byok: false, outboundEnabled: true, state: 'active' },
  });
  await enqueueEvent(tx, { topic: TOPICS.numbersChanges, type: 'number.imported', tenantId, key: p.id, data: numberChangeData(p) });
  return number;
}

/** On start, in sandbox mode: every tenant without a number to call from gets its sandbox caller id. */
export async function ensureSandboxNumbers(deps: Pick<ProvisioningDeps, 'prisma' | 'outbox'>, log: Logger): Promise<void> {
  const tenants = await deps.prisma.$queryRaw<Array<{ id: string }>>`
    SELECT t.id FROM tenants t
    WHERE NOT EXISTS (SELECT 1 FROM phone_numbers p WHERE p.tenant_id = t.id AND p.outbound_enabled AND p.state = 'active')
    ORDER BY t.created_at, t.id`;
  let given = 0;
  for (const { id } of tenants) {
    const number = await deps.prisma.$transaction((tx) => giveSandboxNumber(tx, id));
    if (number) given++;
    else {
      log.warn({ tenant_id: id }, 'every sandbox caller id is taken: this tenant has no number to place sandbox calls from');
      break;
    }
  }
  if (given > 0) {
    deps.outbox.notify();
    log.info({ tenants: given }, 'sandbox caller ids given to tenants that had no number to call from');
  }
}
