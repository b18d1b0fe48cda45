import { Prisma, type PrismaClient } from '@callplane/db';
import type { CallRef } from './call-transitions';

/**
 * The one reading of a call reference: a session id names that session; a room names its most recent session; a
 * carrier's call id names the session of that number's call.
 */
function sessionOf(ref: CallRef): Prisma.Sql {
  if ('sessionId' in ref) return Prisma.sql`SELECT id FROM call_sessions WHERE id = ${ref.sessionId}`;
  if ('roomName' in ref) return Prisma.sql`SELECT id FROM call_sessions WHERE room_name = ${ref.roomName} ORDER BY created_at DESC LIMIT 1`;
  return Prisma.sql`SELECT id FROM call_sessions WHERE phone_number_id = ${ref.phoneNumberId} AND provider_call_id = ${ref.providerCallId} LIMIT 1`;
}

/**
 * The session a reference names, if there is one, without locking it: for a caller deciding whether a report is worth
 * more work (asking the carrier, opening a session) before `CallTransitions.report` applies it.
 */
export async function findCallSession(prisma: PrismaClient, ref: CallRef): Promise<{ id: string } | null> {
  const rows = await prisma.$queryRaw<Array<{ id: string }>>(sessionOf(ref));
  return rows[0] ?? null;
}

/** The same session locked (FOR UPDATE) for the caller's transaction, so concurrent reports for one call apply one after another. */
export async function lockCallSession(tx: PrismaClient, ref: CallRef): Promise<string | null> {
  const rows = await tx.$queryRaw<Array<{ id: string }>>`${sessionOf(ref)} FOR UPDATE`;
  return rows[0]?.id ?? null;
}
