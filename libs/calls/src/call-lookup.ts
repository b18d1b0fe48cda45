import type { PrismaClient } from '@callplane/db';
import type { CallRef } from './call-transitions';

/**
 * The session a reference names, if there is one, without locking it: for a caller deciding whether a report is worth
 * more work (asking the carrier, opening a session) before `CallTransitions.report` applies it. A room names its most
 * recent session, as it does for `report`.
 */
export async function findCallSession(prisma: PrismaClient, ref: CallRef): Promise<{ id: string } | null> {
  if ('sessionId' in ref) return prisma.callSession.findUnique({ where: { id: ref.sessionId }, select: { id: true } });
  if ('roomName' in ref) return prisma.callSession.findFirst({ where: { roomName: ref.roomName }, orderBy: { createdAt: 'desc' }, select: { id: true } });
  return prisma.callSession.findFirst({ where: { phoneNumberId: ref.phoneNumberId, providerCallId: ref.providerCallId }, select: { id: true } });
}
