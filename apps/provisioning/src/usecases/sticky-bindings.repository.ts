import type { DbTx } from '@callplane/db';

/**
 * Numbers we bound to a trunk at a carrier that keeps the binding after release (`Carrier.stickyBinding`),
 * remembered for good so a later import of one is refused before anything is created. The table is
 * `plivo_india_bindings`, named when Plivo's Indian local numbers were the only such case: this is its one mention.
 */
const bindings = (db: Pick<DbTx, 'plivoIndiaBinding'>) => db.plivoIndiaBinding;

type Db = Parameters<typeof bindings>[0];

/** Whether we ever bound this number, released since or not. */
export async function isBindingRemembered(db: Db, number: string): Promise<boolean> {
  return (await bindings(db).findUnique({ where: { number } })) !== null;
}

/** Records (or renews) the binding an import just made, in the import's final transaction. */
export async function rememberBinding(tx: Db, number: string, tenantId: string): Promise<void> {
  await bindings(tx).upsert({ where: { number }, create: { number, lastTenantId: tenantId }, update: { lastTenantId: tenantId, releasedAt: null } });
}

/** The number left us; the carrier still holds the binding, so it stays remembered. */
export async function markBindingReleased(tx: Db, number: string): Promise<void> {
  await bindings(tx).updateMany({ where: { number }, data: { releasedAt: new Date() } });
}
