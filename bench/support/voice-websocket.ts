/**
 * The voice bench's websocket transport: each bench call is a real sandbox web call. The dialer and the voice agent run
 * in this process as the all-in-one composes them (bootService, real PostgreSQL on a throw-away database, the
 * in-process bus); each call is created with `POST /voice/studio/web-call` (which mints the socket's single-use token)
 * and joined by a real `ws` client on the service's port (web-call-browser.ts), so the caller's audio goes through the
 * real route, WebCall and VoiceSession. Only the voice differs from the sandbox's: the fixed-latency stand-ins instead
 * of the local voice stack, and a VAD view that timestamps each end of speech (the voice agent's `sandboxVoice` seam).
 */
import { randomBytes } from 'node:crypto';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { newId } from '@callplane/contracts';
import { bootService, hashApiKey, newApiKey, SecretBox, type RunningService } from '@callplane/service-kit';
import { createDialerModule, dialerSettingsFrom } from '../../apps/dialer/src/app';
import { createVoiceAgentModule } from '../../apps/voice-agent/src/app';
import type { SandboxVoiceStack } from '../../apps/voice-agent/src/sandbox/sandbox-voice';
import type { StageChoice } from '../../apps/voice-agent/src/session/plugins';
import { createBenchDatabase, type BenchDatabase } from './bench-database';
import { BenchBrowser } from './web-call-browser';
import { GREETING, progress, speech, standInPlugins, vadView, waitFor, type CallSettings, type Latency, type TurnSample } from './voice-call';

/** A web call's turn: the phone path's sample, and the caller's audio on its way in. */
export interface WebTurnSample extends TurnSample {
  /** The client's last speech frame handed to its socket → the last voiced frame reaching the session's VAD. */
  inboundMs: number;
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
  /** This process's CPU (the service and the clients) over the level, as a share of one core. */
  cpuShare: number;
  vadStreamsPerSession: number;
}

/** What the bench sees of one call inside the service: set up before its browser connects, filled by the stand-ins' VAD view. */
interface CallProbe {
  latency: Latency;
  endOfSpeech: Array<{ at: number; silenceMs: number }>;
  lastVoicedAt: number;
  vadStreams: number;
}

const VOICE = { greeting: GREETING, tts: { provider: 'local', model: 'synthetic', voice: 'default' }, stt: { provider: 'local', model: 'scripted', language: 'en' }, max_duration: 3600, recording: false, transcription: true };
const STAND_IN: StageChoice = { provider: 'bench', model: 'fixed-latency', source: 'plugin' };
const TURN_TIMEOUT_MS = 15_000;

/** The sandbox's web calls with the stand-ins: the dialer and the voice agent in this process, on a throw-away database. */
export class WebCallBench {
  readonly #probes = new Map<string, CallProbe>();
  #db: BenchDatabase | null = null;
  #service: RunningService | null = null;
  #apiKey = newApiKey();
  #agentId = '';

  constructor(private readonly settings: Omit<CallSettings, 'latency'>) {}

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
  }

  async stop(): Promise<void> {
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
    const calls: Promise<void>[] = [];
    for (let i = 0; i < sessions; i++) {
      calls.push(this.#call(latency, level).catch((err: unknown) => void level.errors.push(err instanceof Error ? err.message : String(err))));
      if (sessions > 1) await sleep(Math.min(20, 1_000 / sessions));
    }
    await Promise.all(calls);
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
        vad: (shared) => vadView(
          shared,
          (at, silenceMs) => probe.endOfSpeech.push({ at, silenceMs }),
          () => probe.vadStreams++,
          (at) => (probe.lastVoicedAt = at),
        ),
      };
    };
  }

  /** One web call: created over the API, joined over its socket, talked to, hung up by closing the socket. */
  async #call(latency: Latency, level: WebCallLevel): Promise<void> {
    const service = this.#service;
    if (!service) throw new Error('the bench service is not running');
    const base = `http://127.0.0.1:${service.port}`;
    const res = await fetch(`${base}/voice/studio/web-call`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.#apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ agent_id: this.#agentId }),
    });
    if (res.status !== 201) throw new Error(`POST /voice/studio/web-call answered ${res.status}: ${await res.text()}`);
    const created = (await res.json()) as { session_id: string; url: string };
    const probe: CallProbe = { latency, endOfSpeech: [], lastVoicedAt: 0, vadStreams: 0 };
    this.#probes.set(created.session_id, probe);
    const socket = new URL(created.url);
    const browser = new BenchBrowser(`ws://127.0.0.1:${service.port}${socket.pathname}${socket.search}`);
    try {
      await browser.opened;
      browser.startMicrophone();
      await waitFor(() => browser.audioFrames > 0 && browser.listeningSince(browser.lastAudioAt), 'the greeting to play out', TURN_TIMEOUT_MS);
      for (let t = 0; t < this.settings.turns + 1; t++) {
        const spokeAt = performance.now();
        browser.say(speech);
        try {
          const frameAt = await waitFor(() => browser.replyAt, 'the reply', TURN_TIMEOUT_MS);
          const end = probe.endOfSpeech.find(({ at }) => at > spokeAt);
          if (end === undefined || end.at > frameAt) throw new Error('no end of speech from the VAD before the reply');
          if (t > 0) {
            level.samples.push({ totalMs: frameAt - end.at, vadMs: end.at - probe.lastVoicedAt, vadSilenceMs: end.silenceMs, inboundMs: probe.lastVoicedAt - browser.lastSpeechSentAt });
          }
          if (process.env.BENCH_DEBUG) {
            progress(`turn ${t}: sent→vad ${(probe.lastVoicedAt - browser.lastSpeechSentAt).toFixed(1)} lastSpeech→eos ${(end.at - probe.lastVoicedAt).toFixed(0)} eos→first byte ${(frameAt - end.at).toFixed(1)} vad silence ${end.silenceMs.toFixed(0)}`);
          }
          await waitFor(() => browser.listeningSince(frameAt), 'the reply to play out', TURN_TIMEOUT_MS);
        } catch (err) {
          if (t > 0) level.missed++;
          level.errors.push(err instanceof Error ? err.message : String(err));
          // Let whatever is late settle before the next turn, so it is not taken for that turn's reply.
          await sleep(2_000);
        }
        await sleep(200 + Math.random() * 400);
      }
    } finally {
      browser.stopMicrophone();
      // The caller hangs up: the call ends `caller_hangup`, as when the browser's tab closes.
      browser.ws.close(1000);
      await browser.closed;
      level.oddFrames += browser.oddFrames;
      level.vadStreamsPerSession = Math.max(level.vadStreamsPerSession, probe.vadStreams);
      this.#probes.delete(created.session_id);
    }
  }
}
