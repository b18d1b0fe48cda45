import { CallTransitions, lostCallsCounter, recordMediaReplica } from '@callplane/calls';
import { replicaName } from '@callplane/config';
import { sqlOver } from '@callplane/db';
import { LiveKitCalls } from '@callplane/livekit';
import type { ApiRouterDeps, Platform, ServiceModule } from '@callplane/service-kit';
import type { Registry } from 'prom-client';
import { subscribeSandboxCalls } from './consumers/sandbox-calls.consumer';
import { sandboxInboundRoutes } from './routes/sandbox-inbound.routes';
import { webCallSocketRoute } from './routes/web-call.socket';
import { endCallsLeftByEarlierRun } from './usecases/reconcile-calls.usecase';
import { DEFAULT_SANDBOX_SETTINGS, type SandboxSettings } from './sandbox/sandbox-call';
import { SandboxMediaPlane } from './sandbox/sandbox-media-plane';
import type { SandboxVoiceStack } from './sandbox/sandbox-voice';
import { outboxCallEventSink } from './session/outbox-sink';
import { localRecognizerNotice } from './session/plugins';
import { turnMetrics } from './session/turn-metrics';
import { LiveKitWorker, type LiveKitWorkerOptions } from './worker/livekit-worker';

export interface VoiceAgentModuleOptions {
  platform: Platform;
  /** With it, and no LiveKit, the operator route `POST /admin/sandbox/inbound-call` is served (simulated inbound calls). */
  routerDeps?: ApiRouterDeps;
  livekit?: { url: string; apiKey: string; apiSecret: string };
  /** The sandbox carrier's timings and caller script (tests shorten them). */
  sandbox?: Partial<SandboxSettings>;
  /** The sandbox calls' STT, LLM, TTS and VAD; default the local voice stack. The voice bench passes stand-ins of fixed latency. */
  sandboxVoice?: SandboxVoiceStack;
  /** LiveKit worker settings beyond the credentials (`workerSettingsFrom(config)`): needed with `livekit`. */
  worker?: Omit<LiveKitWorkerOptions, 'livekit' | 'logger'>;
  /** How long a stopping worker lets live calls run on (default 10 minutes, below the pod's termination grace). */
  drainGraceMs?: number;
  /** The LiveKit worker could not keep its connection (after its retries): the process should exit and be restarted. */
  onWorkerFatal?: (err: unknown) => void;
  /**
   * This process's name among the voice agent's replicas (libs/config `replicaName`), recorded on every call it takes
   * so that, restarted, it ends the ones its previous run left. Default: a name of this process alone. A LiveKit job
   * process computes the same name from the environment it inherits (worker/job.ts).
   */
  replica?: string;
  /** The process's `/metrics` registry (bootService's `registry`), for the turn latency, missed turns, `calls_reaped_total` and the worker's load. */
  registry?: Registry;
}

/**
 * The voice agent. With LiveKit configured it is a LiveKit Agents worker (`voice-agent`, explicit dispatch) running
 * each call in a child process (worker/job.ts); stopping drains it. Without LiveKit it runs the sandbox media plane: the dialer's `sandbox.call_requested` commands become calls on the
 * sandbox carrier, run through the same VoiceSession, with the caller played by a bot on this machine; and the
 * browser's web calls connect to it over a WebSocket (routes/web-call.socket.ts).
 */
export function createVoiceAgentModule(opts: VoiceAgentModuleOptions): ServiceModule {
  const { platform } = opts;
  const log = platform.logger.child({ module: 'voice-agent' });
  const prisma = platform.db.prisma;
  // The sandbox carrier's hot path (every call's reports, its media replica, its usage event) on the pg pool.
  const sql = sqlOver(prisma, platform.db.pool);
  const turns = opts.registry ? turnMetrics(opts.registry) : undefined;
  const replica = opts.replica ?? replicaName({ PORT: 0 });
  const sandboxSettings: SandboxSettings = { ...DEFAULT_SANDBOX_SETTINGS, ...opts.sandbox };
  const sandbox = opts.livekit
    ? null
    : new SandboxMediaPlane({
        report: (r) => transitions.report(r),
        takeCall: (sessionId, maxDurationSeconds) => recordMediaReplica(sql, sessionId, { replica, maxDurationSeconds }),
        sink: (tenantId) => outboxCallEventSink({ db: sql, outbox: platform.relay }, tenantId),
        logger: log,
        settings: sandboxSettings,
        turns,
        ...(opts.sandboxVoice ? { voice: opts.sandboxVoice } : {}),
      });
  const transitions = new CallTransitions({ prisma, pool: platform.db.pool ?? null, outbox: platform.relay });
  if (opts.livekit && !opts.worker) throw new Error('the voice agent with LiveKit needs its worker settings (workerSettingsFrom(config))');
  const worker = opts.livekit && opts.worker ? new LiveKitWorker({ ...opts.worker, livekit: opts.livekit, logger: log, turns, registry: opts.registry }) : null;
  return {
    name: 'voice-agent',
    routers: sandbox && opts.routerDeps ? [sandboxInboundRoutes(opts.routerDeps, { prisma, outbox: platform.relay, sandbox, now: () => new Date() })] : [],
    // The browser's web calls without LiveKit: their audio socket, on this service's HTTP server (the all-in-one's).
    upgrades: sandbox
      ? [webCallSocketRoute({ prisma, sandbox, settings: sandboxSettings.webCall, report: (r) => transitions.report(r), logger: log, now: () => new Date() })]
      : [],
    async start() {
      // Before taking any call, so every call found under this name is the previous run's.
      const livekitCalls = opts.livekit ? new LiveKitCalls(opts.livekit) : null;
      await endCallsLeftByEarlierRun({
        prisma,
        transitions,
        outbox: platform.relay,
        replica,
        ...(livekitCalls ? { hangUp: (room: string) => livekitCalls.endCall(room) } : {}),
        lostCalls: lostCallsCounter(opts.registry),
        logger: log,
        now: () => new Date(),
      });
      if (worker) {
        worker.start(opts.onWorkerFatal ?? ((err) => log.fatal({ err }, 'LiveKit worker failed')));
        log.info({ livekit: opts.livekit?.url }, 'LiveKit worker started: taking calls dispatched to voice-agent');
        return;
      }
      if (!sandbox) return;
      // Said once at start, so whoever runs the all-in-one knows why the sandbox is not recognising real speech.
      const notice = localRecognizerNotice();
      if (notice) log.warn(notice);
      await subscribeSandboxCalls(platform.bus, sql, sandbox);
      log.info('LiveKit not configured: sandbox media plane takes outbound calls to the sandbox numbers');
    },
    async stop() {
      await worker?.drain(opts.drainGraceMs ?? 600_000);
      await sandbox?.drain();
    },
  };
}
