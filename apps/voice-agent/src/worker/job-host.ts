/**
 * A job host: several LiveKit Agents jobs (calls) in one process. The worker's JobHostPool forks it when
 * AGENT_JOBS_PER_PROCESS > 1 (built as `dist/apps/voice-agent/job-host.js` beside job.js; under tsx this file). It
 * loads the job entry once and runs its prewarm once, so the calls in the process share one Silero model and one
 * inference thread, their VAD windows batched together. Each job speaks the framework's job protocol over its slot
 * of the one IPC channel (job-host.protocol.ts, job-host-slot.ts).
 *
 * One call's crash ends that call only: an uncaught exception traced to a job through its job context (its own
 * timers, promises, sockets, its room's events) closes that job and reports it crashed, and the other calls go on;
 * so does an entry that rejects. An exception traced to no job (code the calls share: the VAD thread's replies,
 * the native client's callbacks) ends the host and every call in it, as a native crash does. Unhandled rejections
 * are logged and end nothing, as in the framework's own job process.
 */
import { getJobContext, initializeLogger, isAgent, JobProcess, log, type AgentDefinition, type JobContext } from '@livekit/agents';
import { AudioResampler, dispose } from '@livekit/rtc-node';
import { createRequire } from 'node:module';
import path from 'node:path';
import { routeAgentsLogs } from '../session/agents-log';
import type { AgentsLogger } from './hosted-job';
import { HostSlot, type InitializeRequest } from './job-host-slot';
import type { FromJobHost, ToJobHost } from './job-host.protocol';

function loadAgent(file: string): AgentDefinition {
  // As the framework's job process reads it: a path, relative to the working directory.
  const mod = createRequire(__filename)(path.resolve(file)) as { default?: unknown };
  const agent = isAgent(mod.default) ? mod.default : (mod.default as { default?: unknown } | undefined)?.default;
  if (!isAgent(agent)) throw new Error(`Unable to load agent: Missing or invalid default export in ${file}`);
  return agent;
}

function send(msg: FromJobHost): void {
  if (!process.connected) return;
  process.send?.(msg, (err: Error | null) => {
    if (err) log().debug({ error: err }, 'IPC channel closed, message not sent');
  });
}

function main(): void {
  routeAgentsLogs({ service: 'voice-agent' });
  // The native client's callbacks keep the async context it was created in. Created here, in no job's, they stay
  // in none; created by the first call's connect, every call's room events would run as that call's.
  new AudioResampler(16_000, 16_000).close();

  const agent = loadAgent(process.argv[2] ?? '');
  const proc = new JobProcess();
  const logger = (): AgentsLogger => log().child({ pid: proc.pid });
  const slots = new Map<number, HostSlot>();
  // Every job this host ran, while anything of it is alive: an exception from a job already over is still its own.
  const jobs = new WeakMap<JobContext, HostSlot>();
  let started: Promise<void> | null = null;
  let closing: Promise<void> | null = null;

  const ready = (init: InitializeRequest): Promise<void> =>
    (started ??= (async () => {
      initializeLogger(init.loggerOptions);
      logger().debug('initializing job runner');
      await agent.prewarm?.(proc);
      logger().debug('job runner initialized');
    })().catch((error: unknown) => {
      logger().fatal({ error }, 'job host could not prewarm: exiting');
      process.exit(1);
    }));

  const slotDeps = {
    proc,
    agent,
    logger,
    ready,
    send,
    onEnd: (slot: HostSlot) => slots.delete(slot.id),
  };

  /** Ends every job still running (its worker is gone, or it was told to close) and exits. */
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      const running = [...slots.values()];
      for (const slot of running) slot.abandon();
      await Promise.allSettled(running.map((slot) => slot.job?.ended));
      await dispose().catch((error: unknown) => logger().warn({ error }, 'failed to dispose native resources'));
      logger().debug('job host shut down');
      process.exit(0);
    })());

  process.on('message', (m: ToJobHost) => {
    if ('close' in m) {
      void close();
      return;
    }
    let slot = slots.get(m.slot);
    if ('kill' in m) {
      slot?.abandon();
      return;
    }
    // A slot begins with its `initializeRequest`; a message for one that has ended (a ping in flight) goes nowhere.
    if (!slot && m.msg.case === 'initializeRequest') {
      slot = new HostSlot(m.slot, slotDeps);
      slots.set(m.slot, slot);
    }
    if (!slot) return;
    slot.handle(m.msg);
    const job = slot.job;
    if (job) jobs.set(job.ctx, slot);
  });

  process.on('uncaughtException', (error) => {
    const ctx = getJobContext(false);
    const slot = ctx ? jobs.get(ctx) : undefined;
    if (ctx && slot) {
      logger().child({ jobID: ctx.job.id }).error({ error }, 'uncaught exception in a job: ending that job, the others in this process go on');
      slot.crash();
      return;
    }
    logger().fatal({ error, jobs: slots.size }, 'uncaught exception outside any job: ending the job host and every job in it');
    process.exit(1);
  });
  process.on('unhandledRejection', (reason) => {
    const ctx = getJobContext(false);
    logger().child(ctx ? { jobID: ctx.job.id } : {}).debug({ error: reason }, 'Unhandled promise rejection in job process');
  });
  // As the framework's job processes: the worker decides when its jobs end (a terminal's Ctrl-C reaches every process).
  process.on('SIGINT', () => logger().debug('SIGINT received in job host'));
  process.on('SIGTERM', () => logger().debug('SIGTERM received in job host'));
  process.on('disconnect', () => void close());
}

if (process.send) main();
