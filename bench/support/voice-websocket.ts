/**
 * The voice bench's websocket transport: each bench call is a real sandbox web call. The dialer and the voice agent run
 * in this process as the all-in-one composes them (bootService, real PostgreSQL on a throw-away database, the
 * in-process bus); each call is created with `POST /voice/studio/web-call` (which mints the socket's single-use token)
 * and joined by a real `ws` client in the load generator process (web-call-caller.process.ts), so the caller's audio
 * goes through the real route, WebCall and VoiceSession. Only the voice differs from the sandbox's: the fixed-latency
 * stand-ins instead of the local voice stack, and a VAD view that timestamps each end of speech (the voice agent's
 * `sandboxVoice` seam). Every timestamp is on the machine's monotonic clock, which both processes read.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { newId } from '@callplane/contracts';
import { bootService, hashApiKey, newApiKey, SecretBox, type RunningService } from '@callplane/service-kit';
import { createDialerModule, dialerSettingsFrom } from '../../apps/dialer/src/app';
import { createVoiceAgentModule } from '../../apps/voice-agent/src/app';
import type { SandboxVoiceStack } from '../../apps/voice-agent/src/sandbox/sandbox-voice';
import type { StageChoice } from '../../apps/voice-agent/src/session/plugins';
import { createBenchDatabase, type BenchDatabase } from './bench-database';
import { monotonicMs, type CallerTurn, type FromCaller, type ToCaller } from './web-call-caller-types';
import { GREETING, progress, standInPlugins, startArriving, vadView, type CallSettings, type Latency, type TurnSample } from './voice-call';

/** A web call's turn: the phone path's sample, and the caller's audio on its way in. */
export interface WebTurnSample extends TurnSample {
  /** The client's last speech frame handed to its socket → the last voiced frame reaching the session's VAD. */
  inboundMs: number;
  /** The client's last speech frame handed to its socket → the reply's first byte at it: the caller's whole wait. */
  callerWaitMs: number;
}

export interface WebCallLevel {
  label: string;
  sessions: number;
  latency: Latency;
  samples: WebTurnSample[];
  missed: number;
  errors: string[];
  /** Agent audio messages that were not one 640-byte frame, over every call of the level. */
  oddFrames: number;
  loopDelayP99Ms: number;
  /** This process's CPU (the service: dialer and voice agent) over the level, as a share of one core. */
  cpuShare: number;
  vadStreamsPerSession: number;
}

/** What the bench sees of one call inside the service: set up before its browser connects, filled by the stand-ins' VAD view. */
interface CallProbe {
  latency: Latency;
  /** Each END_OF_SPEECH as the session's VAD stream hands it on, with the silence it reports and the last voiced frame before it. */
  endOfSpeech: Array<{ at: number; silenceMs: number; lastVoicedAt: number }>;
  lastVoicedAt: number;
  vadStreams: number;
}

const VOICE = { greeting: GREETING, tts: { provider: 'local', model: 'synthetic', voice: 'default' }, stt: { provider: 'local', model: 'scripted', language: 'en' }, max_duration: 3600, recording: false, transcription: true };
const STAND_IN: StageChoice = { provider: 'bench', model: 'fixed-latency', source: 'plugin' };
const CALLER = path.join(__dirname, 'web-call-caller.process.ts');
/** The VAD view timestamps with performance.now(); both read CLOCK_MONOTONIC, so this difference is fixed. */
const PERFORMANCE_TO_MONOTONIC = monotonicMs() - performance.now();

/** The sandbox's web calls with the stand-ins: the dialer and the voice agent in this process, on a throw-away database. */
export class WebCallBench {
  readonly #probes = new Map<string, CallProbe>();
  readonly #waiting = new Map<number, (msg: Extract<FromCaller, { type: 'done' }>) => void>();
  #db: BenchDatabase | null = null;
  #service: RunningService | null = null;
  #caller: ChildProcess | null = null;
  #callerGone: Error | null = null;
  #apiKey = newApiKey();
  #agentId = '';
  #nextCall = 0;

  constructor(private readonly settings: Omit<CallSettings, 'latency' | 'vad'>) {}

  async start(adminUrl: string): Promise<void> {
    progress('websocket transport: creating a throw-away database and booting the dialer and the voice agent');
    this.#db = await createBenchDatabase(adminUrl);
    this.#service = await bootService({
      name: 'voice-bench',
      config: { PORT: 0, HOST: '127.0.0.1', LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'error', ADMIN_TOKEN: randomBytes(16).toString('hex'), SHUTDOWN_GRACE_SECONDS: 5, DATABASE_URL: this.#db.url, DATABASE_POOL_SIZE: 8 },
      handleSignals: false,
      modules: ({ platform, routerDeps, registry }) => [
        createDialerModule({
          platform,
          routerDeps,
          secrets: new SecretBox(randomBytes(32)),
          publicBaseUrl: 'http://127.0.0.1',
          settings: dialerSettingsFrom({ TEST_CALL_USER_DAILY_LIMIT: 5, TEST_CALL_DESTINATION_DAILY_LIMIT: 3, TEST_CALL_MAX_SECONDS: 120, TEST_CALL_DISPATCH_TIMEOUT_SECONDS: 90, DIAL_RINGING_TIMEOUT_SECONDS: 30, WEBHOOK_ALLOW_PRIVATE_TARGETS: true }),
        }),
        createVoiceAgentModule({ platform, routerDeps, registry, sandboxVoice: this.#voice() }),
      ],
    });
    const prisma = this.#service.platform.db.prisma;
    const tenantId = newId('tenant');
    await prisma.tenant.create({ data: { id: tenantId, name: 'Voice bench' } });
    await prisma.user.create({ data: { id: newId('user'), tenantId, email: 'bench@example.com', apiKeyHash: hashApiKey(this.#apiKey), apiKeyHint: this.#apiKey.slice(-4) } });
    this.#agentId = newId('agent');
    await prisma.agent.create({ data: { id: this.#agentId, tenantId, name: 'Ava', systemPrompt: 'You are Ava.', voice: VOICE } });
    await this.#startCaller();
  }

  async stop(): Promise<void> {
    const caller = this.#caller;
    this.#caller = null;
    if (caller && caller.exitCode === null && caller.signalCode === null) {
      const exited = new Promise((resolve) => caller.once('exit', resolve));
      caller.disconnect();
      await exited;
    }
    await this.#service?.stop();
    this.#service = null;
    await this.#db?.drop();
    this.#db = null;
  }

  /** `sessions` concurrent web calls, started over up to a second, each: greeting, a warm-up turn, then the measured turns. */
  async level(label: string, sessions: number, latency: Latency): Promise<WebCallLevel> {
    progress(`websocket ${label}: ${sessions} web call${sessions > 1 ? 's' : ''}, ${this.settings.turns} measured turns each`);
    const level: WebCallLevel = { label, sessions, latency, samples: [], missed: 0, errors: [], oddFrames: 0, loopDelayP99Ms: 0, cpuShare: 0, vadStreamsPerSession: 0 };
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const cpu = process.cpuUsage();
    const wall = performance.now();
    await Promise.all(await startArriving(sessions, () => this.#call(latency, level).catch((err: unknown) => void level.errors.push(err instanceof Error ? err.message : String(err)))));
    loop.disable();
    const used = process.cpuUsage(cpu);
    level.loopDelayP99Ms = loop.percentile(99) / 1e6;
    level.cpuShare = (used.user + used.system) / 1000 / (performance.now() - wall);
    level.missed += sessions * this.settings.turns - level.samples.length - level.missed;
    return level;
  }

  /** The stand-ins for each call, and the VAD view that fills the call's probe. */
  #voice(): SandboxVoiceStack {
    return ({ sessionId }) => {
      const probe = this.#probes.get(sessionId);
      if (!probe) throw new Error(`web call ${sessionId} was not created by the bench`);
      return {
        plugins: { ...standInPlugins({ latency: probe.latency, sttMode: this.settings.sttMode }), chosen: { stt: STAND_IN, llm: STAND_IN, tts: STAND_IN } },
        vad: (shared) =>
          vadView(
            shared,
            (at, silenceMs) => probe.endOfSpeech.push({ at: at + PERFORMANCE_TO_MONOTONIC, silenceMs, lastVoicedAt: probe.lastVoicedAt }),
            () => probe.vadStreams++,
            (at) => (probe.lastVoicedAt = at + PERFORMANCE_TO_MONOTONIC),
          ),
      };
    };
  }

  /** One web call: created over the API, then run by the caller process; its turns matched with the VAD's ends of speech. */
  async #call(latency: Latency, level: WebCallLevel): Promise<void> {
    const service = this.#service;
    if (!service) throw new Error('the bench service is not running');
    const res = await fetch(`http://127.0.0.1:${service.port}/voice/studio/web-call`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.#apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ agent_id: this.#agentId }),
    });
    if (res.status !== 201) throw new Error(`POST /voice/studio/web-call answered ${res.status}: ${await res.text()}`);
    const created = (await res.json()) as { session_id: string; url: string };
    const probe: CallProbe = { latency, endOfSpeech: [], lastVoicedAt: 0, vadStreams: 0 };
    this.#probes.set(created.session_id, probe);
    const socket = new URL(created.url);
    try {
      const done = await this.#runOnCaller(`ws://127.0.0.1:${service.port}${socket.pathname}${socket.search}`);
      if (done.error) level.errors.push(done.error);
      level.oddFrames += done.oddFrames;
      done.turns.forEach((turn, t) => {
        const sample = this.#sample(turn, probe);
        if (typeof sample === 'string') {
          level.errors.push(sample);
          if (t > 0) level.missed++;
        } else if (t > 0) level.samples.push(sample);
        if (process.env.BENCH_DEBUG && typeof sample !== 'string') {
          progress(`turn ${t}: sent→vad ${sample.inboundMs.toFixed(1)} lastSpeech→eos ${sample.vadMs.toFixed(0)} eos→first byte ${sample.totalMs.toFixed(1)} vad silence ${sample.vadSilenceMs.toFixed(0)}`);
        }
      });
    } finally {
      level.vadStreamsPerSession = Math.max(level.vadStreamsPerSession, probe.vadStreams);
      this.#probes.delete(created.session_id);
    }
  }

  /**
   * A turn's sample: the first end of speech that ends this line (its last voiced frame reached the VAD after the line
   * was said: a lagging VAD's late end of speech for the turn before is not taken), if the reply came after it; else
   * why not.
   */
  #sample(turn: CallerTurn, probe: CallProbe): WebTurnSample | string {
    if (turn.replyAt === undefined) return turn.error ?? 'no reply';
    const end = probe.endOfSpeech.find(({ at, lastVoicedAt }) => at > turn.saidAt && lastVoicedAt > turn.saidAt);
    if (end === undefined || end.at > turn.replyAt) return 'no end of speech from the VAD before the reply';
    return {
      totalMs: turn.replyAt - end.at,
      vadMs: end.at - end.lastVoicedAt,
      vadSilenceMs: end.silenceMs,
      inboundMs: end.lastVoicedAt - turn.lastSpeechSentAt,
      callerWaitMs: turn.replyAt - turn.lastSpeechSentAt,
    };
  }

  #runOnCaller(url: string): Promise<Extract<FromCaller, { type: 'done' }>> {
    const caller = this.#caller;
    if (!caller || this.#callerGone) return Promise.reject(this.#callerGone ?? new Error('the caller process is not running'));
    const id = this.#nextCall++;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, resolve);
      const msg: ToCaller = { type: 'call', id, url, turns: this.settings.turns };
      caller.send(msg, (err) => {
        if (!err) return;
        this.#waiting.delete(id);
        reject(err);
      });
    });
  }

  /** The load generator, forked with tsx as the process model's sessions are; ready once it says so. */
  async #startCaller(): Promise<void> {
    const caller = fork(CALLER, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.#caller = caller;
    const ready = new Promise<void>((resolve, reject) => {
      caller.on('message', (msg: FromCaller) => {
        if (msg.type === 'ready') return resolve();
        const waiting = this.#waiting.get(msg.id);
        this.#waiting.delete(msg.id);
        waiting?.(msg);
      });
      caller.once('exit', (code, signal) => {
        this.#callerGone = new Error(`the caller process exited (${signal ?? `code ${code}`})`);
        reject(this.#callerGone);
        // Calls it was running get no answer: each ends as an error of its level.
        for (const [id, waiting] of this.#waiting) waiting({ type: 'done', id, turns: [], audioFrames: 0, oddFrames: 0, error: this.#callerGone.message });
        this.#waiting.clear();
      });
    });
    await ready;
  }
}
