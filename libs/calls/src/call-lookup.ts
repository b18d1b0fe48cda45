import type { PrismaClient } from '@callplane/db';
import { callRefQuery } from './call-sessions.sql';
import type { CallRef } from './call-transitions';

/**
 * The session a reference names, if there is one, without locking it: for a caller deciding whether a report is worth
 * more work (asking the carrier, opening a session) before `CallTransitions.report` applies it. (The reference is read
 * as `callRefQuery` reads it, the one reading of a call reference.)
 */
export async function findCallSession(prisma: PrismaClient, ref: CallRef): Promise<{ id: string } | null> {
  const { text, values } = callRefQuery(ref, 'id');
  const rows = await prisma.$queryRawUnsafe<Array<{ id: string }>>(text, ...values);
  return rows[0] ?? null;
}
