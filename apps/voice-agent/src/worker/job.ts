/**
 * The LiveKit Agents job entry: LiveKit's worker (livekit-worker.ts) runs each dispatched call in a child process
 * that loads this file, or, with AGENT_JOBS_PER_PROCESS above 1, in a job host (job-host.ts) that loads it once for
 * several calls. It is built as its own bundle (`dist/apps/voice-agent/job.js`) next to the service's.
 * The child inherits the worker's environment (database, LiveKit, recording storage, vendor keys).
 */
import { livekitSettings, replicaName } from '@callplane/config';
import { connectPostgres } from '@callplane/db';
import { createLogger } from '@callplane/service-kit';
import { AutoSubscribe, defineAgent, type JobContext, type JobProcess, type VAD } from '@livekit/agents';
import { loadVoiceAgentConfig } from '../config';
import { routeAgentsLogs } from '../session/agents-log';
import { loadCallVad } from '../session/vad/load-call-vad';
import { workerCallDeps } from './call-deps';
import { jobTurnsReporter, jobTurnsSocketPath } from './job-turns.channel';
import { JobRoom } from './job-room';
import { runLiveKitCall } from './livekit-call';

interface ProcData extends Record<string, unknown> {
  vad: VAD;
}

// The framework initialises its logger in this process after loading this file: it then logs through ours. (The
// bundled preload has already done so; under tsx this is the first call.)
routeAgentsLogs({ service: 'voice-agent' });

export default defineAgent({
  // Once per process, before it is offered a job: Silero's model is loaded (on its inference thread) while no caller
  // waits. A process of one call batches windows of one; a job host's calls share it, their windows batched together.
  prewarm: async (proc: JobProcess) => {
    (proc.userData as ProcData).vad = await loadCallVad();
  },
  entry: async (ctx: JobContext) => {
    // The worker's own settings, validated the same way (the worker checked them before forking this process).
    const config = loadVoiceAgentConfig();
    const livekit = livekitSettings(config);
    if (!config.DATABASE_URL || !livekit) throw new Error('a LiveKit job needs DATABASE_URL and LIVEKIT_URL, LIVEKIT_API_KEY, LIVEKIT_API_SECRET');
    const logger = createLogger({ name: 'voice-agent', level: config.LOG_LEVEL }).child({ job_id: ctx.job.id });
    // One connection per call (its writes are sequential): a pod with 40 calls holds 40, not a pool each.
    const db = connectPostgres({ url: config.DATABASE_URL, poolSize: 1 });
    // The worker (this process's parent) serves the turn metrics: a job's observations go to it.
    const turns = jobTurnsReporter(jobTurnsSocketPath(process.ppid), logger);
    // The worker's drain ran out of grace, or LiveKit terminated the job: say goodbye, report, delete the room.
    const stop = new AbortController();
    let running: Promise<unknown> = Promise.resolve();
    // LiveKit Agents runs shutdown callbacks in parallel: this one orders them (the call reports before the pool
    // closes). Added before anything can fail: in a job host the process outlives a job whose connect failed.
    ctx.addShutdownCallback(async () => {
      stop.abort();
      await running.catch(() => undefined);
      await turns.close();
      await db.close();
    });
    await ctx.connect(undefined, AutoSubscribe.AUDIO_ONLY);
    const deps = workerCallDeps({
      prisma: db.prisma,
      // The worker's outbox relay polls every second; a job process runs none.
      outbox: { notify: () => undefined },
      livekit,
      recordings: config.recordings,
      keys: config.providerKeys,
      vad: (ctx.proc.userData as ProcData).vad,
      logger,
      turns,
      // Computed from the same environment as the worker's own, so the job records the worker's name.
      replica: replicaName(config),
    });
    const room = new JobRoom(ctx.room, ctx.room.name ?? ctx.job.room?.name ?? '', ctx.job.metadata);
    const call = runLiveKitCall(room, { ...deps, stop: stop.signal });
    running = call;
    const result = await call;
    logger.info({ result: result.kind }, 'job finished');
    ctx.shutdown(result.kind);
  },
});
