import { CallTransitions, recordMediaReplica } from '@callplane/calls';
import type { VoiceConfig } from '@callplane/contracts';
import type { PrismaClient } from '@callplane/db';
import { LiveKitCalls, LiveKitRecordings, type LiveKitConfig, type RecordingStorage } from '@callplane/livekit';
import type { VAD } from '@livekit/agents';
import type { Logger } from 'pino';
import { setTimeout as sleep } from 'node:timers/promises';
import type { InboundAgentResolver } from '../session/agent-config';
import { outboxCallEventSink } from '../session/outbox-sink';
import { choosePlugins, type ProviderKeys } from '../session/plugins';
import type { TurnObserver } from '../session/turn-metrics';
import type { LiveKitCallDeps } from './livekit-call';

export interface WorkerCallDepsOptions {
  prisma: PrismaClient;
  /** Nudges the outbox relay; a job process has none of its own (the worker's relay polls), so it may do nothing. */
  outbox: { notify(): void };
  livekit: LiveKitConfig;
  /** Where recordings go (LiveKit Egress); without it, calls whose agent asks for recording are not recorded. */
  recordings?: RecordingStorage | null;
  keys: ProviderKeys;
  vad: VAD;
  logger: Logger;
  /** The worker's name among the voice agent's replicas (libs/config `replicaName`), recorded on each call it takes. */
  replica: string;
  /** How long to wait for the gateway to open a SIP-direct call's session from LiveKit's webhook. */
  sessionWaitMs?: number;
  usageIntervalMs?: number;
  turns?: TurnObserver;
}

/** What a LiveKit job needs from the platform: the database, LiveKit's API, the plugins. */
export function workerCallDeps(opts: WorkerCallDepsOptions): LiveKitCallDeps {
  const { prisma } = opts;
  const transitions = new CallTransitions({ prisma, outbox: opts.outbox });
  const calls = new LiveKitCalls(opts.livekit);
  const recordings = opts.recordings ? new LiveKitRecordings(opts.livekit, opts.recordings) : null;
  const sessionWaitMs = opts.sessionWaitMs ?? 10_000;
  return {
    report: (r) => transitions.report(r),
    takeCall: (sessionId, maxDurationSeconds) => recordMediaReplica(prisma, sessionId, { replica: opts.replica, maxDurationSeconds }),
    sink: (tenantId) => outboxCallEventSink({ db: prisma, outbox: opts.outbox }, tenantId),
    vad: opts.vad,
    plugins: (plan) => choosePlugins(plan.voice, { keys: opts.keys }),
    resolveInboundAgent: dbInboundAgentResolver(prisma),
    async findSessionByRoom(roomName) {
      // The gateway opens a SIP-direct call's session when LiveKit's participant_joined webhook reaches it, usually
      // before the job gets here; a webhook running late gets a few seconds.
      const deadline = Date.now() + sessionWaitMs;
      for (;;) {
        const row = await prisma.callSession.findFirst({ where: { roomName }, orderBy: { createdAt: 'desc' }, select: { id: true } });
        if (row) return row.id;
        if (Date.now() >= deadline) return null;
        await sleep(Math.min(250, Math.max(0, deadline - Date.now())));
      }
    },
    startRecording: recordings ? (input) => recordings.start(input) : undefined,
    hangUp: (roomName) => calls.endCall(roomName),
    logger: opts.logger,
    usageIntervalMs: opts.usageIntervalMs,
    turns: opts.turns,
  };
}

/** The agent an inbound number is assigned to now, with the assignment's greeting; null when unassigned or disabled. */
export function dbInboundAgentResolver(prisma: PrismaClient): InboundAgentResolver {
  return async ({ phoneId, tenantId }) => {
    const phone = await prisma.phoneNumber.findFirst({
      where: { id: phoneId, tenantId },
      select: { enabled: true, greeting: true, agent: { select: { id: true, name: true, systemPrompt: true, voice: true } } },
    });
    if (!phone?.enabled || !phone.agent) return null;
    // planCall validates the voice config and names what is wrong with it.
    return { id: phone.agent.id, name: phone.agent.name, system_prompt: phone.agent.systemPrompt, voice: phone.agent.voice as VoiceConfig, greeting: phone.greeting };
  };
}
