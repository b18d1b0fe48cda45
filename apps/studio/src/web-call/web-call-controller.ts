import { connectLiveKit } from './livekit-transport';
import { levelMeter, openMicrophone, releaseMicrophone } from './microphone';
import { applyTranscript, type TranscriptLine, type TranscriptUpdate } from './transcript';
import type { AgentState } from './server-events';
import type { CallListener, CallMedia, CallTransport, WebCallCreated } from './transport';
import { connectWebSocket } from './websocket-transport';
import type { PlaybackStats } from './worklet-names';

/** Where the call is: asking for the microphone, setting the call up, in it, over (with a reason), or not possible. */
export type WebCallPhase = 'microphone' | 'starting' | 'live' | 'ended' | 'failed';

export interface WebCallSnapshot {
  phase: WebCallPhase;
  agentState: AgentState | null;
  lines: readonly TranscriptLine[];
  /** The microphone's level, 0 … 1, while it is open. */
  level: number;
  micOpen: boolean;
  sessionId: string | null;
  /** Why the call ended (API.md's end reasons, or the transport's; ended-reasons.ts words them). */
  endedReason: string | null;
  /** What went wrong, in words to show: the API's message, the microphone's refusal, a failed join. */
  error: string | null;
  ending: boolean;
  /** What the speakers played of the agent so far (the PCM transport measures it). */
  played: PlaybackStats | null;
}

/** The platform's web call API (API.md "Web calls"), as the panel calls it. */
export interface WebCallApi {
  create(agentId: string): Promise<WebCallCreated>;
  end(sessionId: string): Promise<void>;
  /** The message to show for a failed call. */
  message(err: unknown): string;
}

/** After the server's `ended`, how long the agent's last words (still in the playback buffer) may play on. */
const DRAIN_MS = 750;
const METER_INTERVAL_MS = 50;

const INITIAL: WebCallSnapshot = { phase: 'microphone', agentState: null, lines: [], level: 0, micOpen: false, sessionId: null, endedReason: null, error: null, ending: false, played: null };

/**
 * One web call from the panel, start to end, outside React (which reads it through `subscribe`/`snapshot`): asks for
 * the microphone, creates the call, joins it by the transport the API answered with, follows it, and lets go of
 * everything when it ends — the microphone at once, the speakers once the agent's last words have played. Single
 * use: calling again is a new controller.
 */
export class WebCallController {
  #snap: WebCallSnapshot = INITIAL;
  readonly #listeners = new Set<() => void>();
  readonly #agentId: string;
  readonly #api: WebCallApi;
  #context: AudioContext | null = null;
  #microphone: MediaStream | null = null;
  #meter: { read(): number; stop(): void } | null = null;
  #meterTimer: ReturnType<typeof setInterval> | undefined;
  #transport: CallTransport | null = null;
  #disposed = false;
  #lineKey = 0;

  constructor(agentId: string, api: WebCallApi) {
    this.#agentId = agentId;
    this.#api = api;
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  readonly snapshot = (): WebCallSnapshot => this.#snap;

  /** Starts at once: the AudioContext is made here, while the click that opened the panel still counts. */
  start(): void {
    this.#context = new AudioContext();
    this.#run().catch((err: unknown) => this.#fail(this.#api.message(err)));
  }

  /** `End Call`: the microphone stops, the API ends the call, the transport is closed. */
  async end(): Promise<void> {
    const sessionId = this.#snap.sessionId;
    if (this.#snap.phase !== 'live' || this.#snap.ending || !sessionId) return;
    this.#set({ ending: true });
    this.#transport?.stopSending();
    this.#releaseMicrophone();
    try {
      await this.#api.end(sessionId);
    } catch (err) {
      this.#set({ error: this.#api.message(err) });
    }
    this.#finish('ended_by_user', 0);
  }

  /** The panel went away: whatever is still up is ended and released. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    const { phase, sessionId } = this.#snap;
    if (sessionId && (phase === 'starting' || phase === 'live')) this.#api.end(sessionId).catch(() => undefined);
    this.#releaseMicrophone();
    this.#releaseAudio();
    this.#listeners.clear();
  }

  async #run(): Promise<void> {
    const context = this.#context!;
    let microphone: MediaStream;
    try {
      microphone = await openMicrophone();
    } catch (err) {
      return this.#fail(err instanceof Error ? err.message : String(err));
    }
    if (this.#disposed) return releaseMicrophone(microphone);
    this.#microphone = microphone;
    const source = context.createMediaStreamSource(microphone);
    this.#meter = levelMeter(context, source);
    this.#meterTimer = setInterval(() => this.#set({ level: Math.round((this.#meter?.read() ?? 0) * 100) / 100 }), METER_INTERVAL_MS);
    this.#set({ phase: 'starting', micOpen: true });
    // Not awaited: a context the browser holds back (no click on the page yet) would never resolve it.
    void context.resume();

    const created = await this.#api.create(this.#agentId);
    this.#set({ sessionId: created.session_id });
    if (this.#disposed) return void this.#api.end(created.session_id).catch(() => undefined);
    const media: CallMedia = { context, microphone, source };
    let transport: CallTransport;
    try {
      transport =
        created.transport === 'livekit'
          ? await connectLiveKit({ serverUrl: created.server_url, token: created.participant_token }, media, this.#callListener())
          : await connectWebSocket(created.url, media, this.#callListener());
    } catch (err) {
      this.#api.end(created.session_id).catch(() => undefined);
      return this.#fail(`The call could not be joined: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (this.#disposed) return transport.close();
    this.#transport = transport;
    if (this.#snap.phase === 'starting') this.#set({ phase: 'live' });
    else if (this.#snap.phase !== 'live') transport.close();
  }

  #callListener(): CallListener {
    const live = () => !this.#disposed && (this.#snap.phase === 'starting' || this.#snap.phase === 'live');
    return {
      state: (agentState) => live() && this.#set({ agentState }),
      transcript: (update: TranscriptUpdate) => live() && this.#set({ lines: applyTranscript(this.#snap.lines, update, () => ++this.#lineKey) }),
      ended: (reason) => live() && this.#finish(reason, DRAIN_MS),
      played: (played) => !this.#disposed && this.#set({ played }),
    };
  }

  #finish(reason: string, drainMs: number): void {
    if (this.#snap.phase === 'ended' || this.#snap.phase === 'failed') return;
    this.#set({ phase: 'ended', endedReason: reason, ending: false });
    this.#releaseMicrophone();
    if (drainMs > 0) setTimeout(() => this.#releaseAudio(), drainMs);
    else this.#releaseAudio();
  }

  #fail(error: string): void {
    if (this.#disposed) return;
    this.#set({ phase: 'failed', error });
    this.#releaseMicrophone();
    this.#releaseAudio();
  }

  #releaseMicrophone(): void {
    clearInterval(this.#meterTimer);
    this.#meter?.stop();
    this.#meter = null;
    releaseMicrophone(this.#microphone);
    this.#microphone = null;
    if (this.#snap.micOpen || this.#snap.level) this.#set({ micOpen: false, level: 0 });
  }

  #releaseAudio(): void {
    this.#transport?.close();
    this.#transport = null;
    if (this.#context && this.#context.state !== 'closed') void this.#context.close();
    this.#context = null;
  }

  #set(patch: Partial<WebCallSnapshot>): void {
    if (this.#disposed) return;
    const changed = (Object.keys(patch) as Array<keyof WebCallSnapshot>).some((k) => patch[k] !== this.#snap[k]);
    if (!changed) return;
    this.#snap = { ...this.#snap, ...patch };
    for (const l of this.#listeners) l();
  }
}
