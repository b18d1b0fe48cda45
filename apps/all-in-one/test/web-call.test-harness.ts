import { newId, WEB_CALL_AUDIO, webCallEventSchema, type WebCallEvent } from '@callplane/contracts';
import { hashApiKey, newApiKey, SecretBox } from '@callplane/service-kit';
import { apiClient, bootTestService, pollUntil, uniqueSuffix, WebCallMicrophone, type TestService } from '@callplane/testing';
import { initializeLogger } from '@livekit/agents';
import { randomBytes } from 'node:crypto';
import { WebSocket } from 'ws';
/* eslint-disable @nx/enforce-module-boundaries -- a web call crosses the dialer, the voice agent and analytics, composed as the all-in-one does */
import { createAnalyticsModule } from '../../analytics/src/app';
import { createDialerModule, dialerSettingsFrom } from '../../dialer/src/app';
import { createVoiceAgentModule } from '../../voice-agent/src/app';
import { closeEspeak } from '../../voice-agent/src/local/espeak-tts';
import type { SandboxSettings } from '../../voice-agent/src/sandbox/sandbox-call';
/* eslint-enable @nx/enforce-module-boundaries */

/** Where the dialer says browsers reach the platform: the socket URL it hands out is built on it. */
export const PUBLIC_BASE_URL = 'https://voice.example.com';
export const PROMPT = ['You are Ava from Acme.', 'INTENT cost | price => It is ten dollars a month.', 'INTENT goodbye | bye => Thanks, goodbye! [end_call]', 'FALLBACK => Sorry, could you say that again?'].join('\n');
/** The lines the local recogniser's grammar holds (the sandbox's caller script). */
export const CALLER_SCRIPT = ['How much does it cost?', 'Great, goodbye.'];
export const LOCAL_VOICE = { tts: { provider: 'local', model: 'espeak', voice: 'default' }, stt: { provider: 'local', model: 'pocketsphinx', language: 'en' }, recording: false, transcription: true };

/**
 * The dialer, the voice agent (sandbox: no LiveKit) and analytics in one service on real PostgreSQL and the in-process
 * bus, as the all-in-one composes them, with a tenant and a user. Web calls are created over the API and joined with
 * a real `ws` client on the service's own port.
 */
export function useWebCallService(sandbox: Partial<SandboxSettings> = {}) {
  let svc: TestService | undefined;
  const service = () => {
    if (!svc) throw new Error('the service is not booted yet: use it inside a test');
    return svc;
  };
  const api = apiClient(service);
  const user = { tenantId: newId('tenant'), userId: newId('user'), apiKey: newApiKey() };

  beforeAll(async () => {
    initializeLogger({ pretty: false, level: process.env.AGENTS_LOG ?? 'silent' });
    svc = await bootTestService({
      name: 'web-call',
      modules: ({ platform, routerDeps, registry }) => [
        createDialerModule({
          platform,
          routerDeps,
          secrets: new SecretBox(randomBytes(32)),
          publicBaseUrl: PUBLIC_BASE_URL,
          settings: dialerSettingsFrom({ TEST_CALL_USER_DAILY_LIMIT: 5, TEST_CALL_DESTINATION_DAILY_LIMIT: 3, TEST_CALL_MAX_SECONDS: 120, TEST_CALL_DISPATCH_TIMEOUT_SECONDS: 90, DIAL_RINGING_TIMEOUT_SECONDS: 30, WEBHOOK_ALLOW_PRIVATE_TARGETS: true }),
        }),
        createVoiceAgentModule({ platform, routerDeps, registry, sandbox: { callerScript: CALLER_SCRIPT, ...sandbox } }),
        createAnalyticsModule({ platform, routerDeps, registry }),
      ],
    });
    const prisma = svc.prisma;
    await prisma.tenant.create({ data: { id: user.tenantId, name: `Web calls ${uniqueSuffix()}` } });
    await prisma.user.create({ data: { id: user.userId, tenantId: user.tenantId, email: `u-${uniqueSuffix()}@example.com`, apiKeyHash: hashApiKey(user.apiKey), apiKeyHint: user.apiKey.slice(-4) } });
  });
  afterAll(async () => {
    await svc?.stop();
    await closeEspeak();
  });

  return {
    service,
    api,
    user,
    /** An agent of the user's tenant, stored as provisioning stores it. */
    async newAgent(voice: { greeting: string; max_duration?: number } & Record<string, unknown>) {
      const id = newId('agent');
      await service().prisma.agent.create({ data: { id, tenantId: user.tenantId, name: 'Ava', systemPrompt: PROMPT, voice: { ...LOCAL_VOICE, max_duration: 120, ...voice } } });
      return id;
    },
    /** `POST /voice/studio/web-call`, expecting 201: the session and the socket URL, rewritten to this service's port. */
    async createWebCall(agentId: string) {
      const res = await api.call('POST', '/voice/studio/web-call', { token: user.apiKey, json: { agent_id: agentId } });
      expect(res.status).toBe(201);
      const body = res.body as { session_id: string; transport: string; url: string };
      const url = new URL(body.url);
      return { ...body, socketUrl: `${service().url.replace(/^http/, 'ws')}${url.pathname}${url.search}`, token: url.searchParams.get('token')! };
    },
    endWebCall: (sessionId: string) => api.call('POST', `/voice/studio/web-call/${sessionId}/end`, { token: user.apiKey }),
    session: (id: string) => service().prisma.callSession.findUniqueOrThrow({ where: { id } }),
    ended: (id: string, timeoutMs = 20_000) =>
      pollUntil(async () => {
        const s = await service().prisma.callSession.findUniqueOrThrow({ where: { id } });
        return s.endedAt ? s : null;
      }, { timeoutMs, description: `session ${id} ended` }),
  };
}

/**
 * A browser's side of a sandbox web call with a real `ws` client: what the server sent (events, and how much agent
 * audio, how loud), and a microphone that sends a 640-byte frame every 20 ms on an absolute schedule, silence unless
 * it has speech to say.
 */
export class WebCallClient {
  readonly ws: WebSocket;
  readonly events: WebCallEvent[] = [];
  readonly texts: string[] = [];
  audioFrames = 0;
  /** Agent frames that were not exactly 640 bytes (there should be none). */
  oddFrames = 0;
  loudest = 0;
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly opened: Promise<void>;
  readonly #microphone = new WebCallMicrophone();
  #mic: NodeJS.Timeout | null = null;

  constructor(url: string) {
    this.ws = new WebSocket(url);
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
    this.closed = new Promise((resolve) => this.ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    this.ws.on('message', (data: Buffer, isBinary) => {
      if (!isBinary) {
        this.texts.push(data.toString());
        this.events.push(webCallEventSchema.parse(JSON.parse(data.toString())));
        return;
      }
      this.audioFrames++;
      if (data.length !== WEB_CALL_AUDIO.frameBytes) this.oddFrames++;
      for (let i = 0; i + 1 < data.length; i += 2) this.loudest = Math.max(this.loudest, Math.abs(data.readInt16LE(i)));
    });
  }

  /** Starts the microphone: a frame every 20 ms, on schedule, whether or not there is speech. */
  startMicrophone(): void {
    const started = Date.now();
    let sent = 0;
    this.#mic = setInterval(() => {
      while (sent * WEB_CALL_AUDIO.frameMs <= Date.now() - started && this.ws.readyState === WebSocket.OPEN) {
        this.ws.send(this.#microphone.nextFrame().frame, { binary: true });
        sent++;
      }
    }, 10);
  }

  /** Queues speech (16 kHz mono samples) on the microphone. */
  say(samples: Int16Array): void {
    this.#microphone.say(samples);
  }

  stopMicrophone(): void {
    if (this.#mic) clearInterval(this.#mic);
    this.#mic = null;
  }

  eventsOf<T extends WebCallEvent['type']>(type: T): Array<Extract<WebCallEvent, { type: T }>> {
    return this.events.filter((e): e is Extract<WebCallEvent, { type: T }> => e.type === type);
  }

  /** Waits for an event the predicate picks. */
  waitFor(what: string, pick: (e: WebCallEvent) => boolean, timeoutMs = 20_000): Promise<WebCallEvent> {
    return pollUntil(() => this.events.find(pick), { timeoutMs, description: what });
  }
}

/** Connects a client and waits for the socket to open (every refusal comes as a close after the handshake). */
export async function connect(url: string): Promise<WebCallClient> {
  const client = new WebCallClient(url);
  await client.opened;
  return client;
}
