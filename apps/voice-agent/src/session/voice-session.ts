import type { CallTranscriptData, CallUsageData, TranscriptTurn } from '@callplane/contracts';
import { llm, voice, type VAD } from '@livekit/agents';
import type { Room } from '@livekit/rtc-node';
import type { Logger } from 'pino';
import type { CallPlan } from './agent-config';
import { CallVad } from './call-vad';
import type { PluginSet } from './plugins';
import { roomIoOptions } from './room-io-options';
import { TurnWatch, type TurnObserver } from './turn-metrics';
import { TtsCharacterCounter, usageData } from './usage-report';
import { guardVadStreamClose } from './vad-close-guard';
import { WindowedAudioInput } from './windowed-audio-input';

/** Where a call's `call.transcript` and `call.usage` event data go (the outbox writer, later; a recorder in tests). */
export interface CallEventSink {
  transcript(data: CallTranscriptData): void | Promise<void>;
  usage(data: CallUsageData): void | Promise<void>;
}

/** Who follows a call live (a web call's browser): the agent's state, and each line as it is heard or said. */
export interface CallObserver {
  agentState(state: voice.AgentState): void;
  /** `final: false`: the recogniser's interim text for the caller's line in progress. */
  transcript(line: { role: 'agent' | 'caller'; text: string; final: boolean }): void;
}

export type CallEndReason = 'agent_hangup' | 'max_duration' | 'caller_hangup' | 'worker_shutdown' | 'error';

export interface CallOutcome {
  endReason: CallEndReason;
  turns: TranscriptTurn[];
  usage: CallUsageData;
}

/**
 * Where the call's audio comes from and goes to: a LiveKit room, linked to the SIP participant (production), or
 * replaced input and output (the sandbox carrier, tests, the benchmark). The loop is the same either way.
 */
export type CallMedia =
  | { kind: 'room'; room: Room; participantIdentity: string }
  | { kind: 'replaced'; input: voice.AudioInput; output: voice.AudioOutput };

export interface VoiceSessionDeps {
  plan: CallPlan;
  /** The plan's session id, or for inbound calls the one read from the SIP participant. */
  sessionId: string;
  plugins: Pick<PluginSet, 'stt' | 'llm' | 'tts'>;
  vad: VAD;
  media: CallMedia;
  sink: CallEventSink;
  logger: Logger;
  /** Spoken at `max_duration` before hanging up. */
  closingLine?: string;
  /** Cumulative usage is reported this often while the call runs, and once at the end. */
  usageIntervalMs?: number;
  /** Where the call's recording will be (LiveKit Egress), reported with the usage. */
  recordingUrl?: string;
  /** Where each caller turn's answer latency, or its going unanswered, is reported (the turn metrics). */
  turns?: TurnObserver;
  /** Told the agent's state and the transcript live, as they happen (a web call's browser). */
  observer?: CallObserver;
}

const DEFAULT_CLOSING_LINE = 'We have reached the time limit for this call. Thank you, goodbye.';
const END_CALL_DESCRIPTION =
  'End the call and hang up. Call it only when the conversation is clearly over (the caller said goodbye or has nothing more to ask), after saying goodbye.';

/**
 * One call's media loop: an AgentSession with the chosen STT/LLM/TTS and the VAD, greeting first, an
 * `end_call` tool, a hard stop at `max_duration` with a closing line, and the transcript and usage reported
 * through the sink. The states are few: started → (agent_hangup | max_duration | caller_hangup | error) → ended.
 * Removing the SIP participant / deleting the room on end is the worker's job (it owns the room).
 */
export class VoiceSession {
  readonly ended: Promise<CallOutcome>;
  readonly #deps: VoiceSessionDeps;
  readonly #log: Logger;
  readonly #session: voice.AgentSession;
  readonly #turns: TranscriptTurn[] = [];
  #resolveEnded!: (o: CallOutcome) => void;
  #endReason: CallEndReason | null = null;
  #usageSeq = 0;
  #maxTimer: NodeJS.Timeout | null = null;
  #usageTimer: NodeJS.Timeout | null = null;
  #sinkWrites: Promise<unknown> = Promise.resolve();
  readonly #ttsCounter: TtsCharacterCounter;
  readonly #turnWatch: TurnWatch | null;

  constructor(deps: VoiceSessionDeps) {
    this.#deps = deps;
    this.#log = deps.logger.child({ session_id: deps.sessionId, tenant_id: deps.plan.tenantId, agent_id: deps.plan.agent.id });
    this.ended = new Promise((resolve) => (this.#resolveEnded = resolve));
    this.#turnWatch = deps.turns ? new TurnWatch(deps.turns) : null;
    // One voice-activity pass per call: a non-streaming STT cuts its utterances at the session's VAD events.
    const vad = new CallVad(deps.vad);
    this.#session = new voice.AgentSession({
      stt: vad.sttFor(deps.plugins.stt),
      llm: deps.plugins.llm,
      tts: deps.plugins.tts,
      vad: guardVadStreamClose(vad.vad),
      turnHandling: {
        // VAD endpointing and VAD barge-in: the adaptive modes call LiveKit Cloud inference.
        turnDetection: 'vad',
        interruption: { mode: 'vad' },
      },
      // Phone audio reaches us after the carrier's echo cancellation; no warm-up window to mute the caller.
      aecWarmupDuration: null,
      userAwayTimeout: null,
    });
    if (deps.media.kind === 'replaced') {
      // As the room's track is read (room-io-options.ts): in frames of one VAD window, whatever the far end sends.
      this.#session.input.audio = new WindowedAudioInput(deps.media.input);
      this.#session.output.audio = deps.media.output;
    }
    this.#session.on(voice.AgentSessionEventTypes.ConversationItemAdded, (ev) => this.#onItem(ev.item));
    this.#ttsCounter = new TtsCharacterCounter(deps.plugins.tts.capabilities.streaming);
    this.#session.on(voice.AgentSessionEventTypes.MetricsCollected, (ev) => {
      if (ev.metrics.type === 'tts_metrics') this.#ttsCounter.add(ev.metrics);
    });
    this.#session.on(voice.AgentSessionEventTypes.Close, (ev) => void this.#onClose(ev));
    const { observer } = deps;
    if (observer) {
      this.#session.on(voice.AgentSessionEventTypes.AgentStateChanged, (ev) => observer.agentState(ev.newState));
      // Final lines come with the conversation item (#onItem), as they are stored; interim ones only from here.
      this.#session.on(voice.AgentSessionEventTypes.UserInputTranscribed, (ev) => {
        const text = ev.transcript.trim();
        if (!ev.isFinal && text) observer.transcript({ role: 'caller', text, final: false });
      });
    }
  }

  get sessionId(): string {
    return this.#deps.sessionId;
  }

  /** Starts the loop and speaks the greeting. Call once the callee is connected (the SIP participant is active). */
  async start(): Promise<void> {
    const { plan } = this.#deps;
    const agent = new voice.Agent({
      instructions: plan.instructions,
      tools: {
        end_call: llm.tool({
          description: END_CALL_DESCRIPTION,
          execute: async (_args, { ctx }) => {
            this.#endReason ??= 'agent_hangup';
            // Hang up once the goodbye that came with the tool call has been heard. Returning nothing asks for no reply.
            ctx.speechHandle.addDoneCallback(() => this.#session.shutdown({ drain: true, reason: 'agent_hangup' }));
            return undefined;
          },
        }),
      },
    });
    const { media } = this.#deps;
    await this.#session.start(
      media.kind === 'room'
        ? { agent, room: media.room, record: false, ...roomIoOptions(plan, media.participantIdentity) }
        : { agent, record: false },
    );
    this.#maxTimer = setTimeout(() => void this.#maxDurationReached(), plan.maxDurationSeconds * 1000);
    const every = this.#deps.usageIntervalMs ?? 30_000;
    this.#usageTimer = setInterval(() => this.#reportUsage(), every);
    this.#session.say(plan.greeting, { allowInterruptions: true });
    this.#log.info({ max_duration_seconds: plan.maxDurationSeconds }, 'call session started, greeting');
  }

  /** The caller hung up (the SIP participant left): stop at once, nothing more can be heard. */
  callerHungUp(): void {
    this.#endReason ??= 'caller_hangup';
    this.#session.shutdown({ drain: false, reason: 'caller_hangup' });
  }

  /**
   * The worker is going away with the call still up (its drain ran out of grace): a short goodbye if one can be
   * said in `sayWithinMs`, then the session ends. The worker hangs up the SIP leg after.
   */
  stopForShutdown(line: string, sayWithinMs: number): Promise<void> {
    return this.#closeWith('worker_shutdown', line, sayWithinMs);
  }

  #maxDurationReached(): Promise<void> {
    return this.#closeWith('max_duration', this.#deps.closingLine ?? DEFAULT_CLOSING_LINE);
  }

  /** Ends the call on our side: whatever is being said is cut, `line` is said (within `sayWithinMs` if given), then hang-up. */
  async #closeWith(reason: 'max_duration' | 'worker_shutdown', line: string, sayWithinMs?: number): Promise<void> {
    if (this.#endReason) return;
    this.#endReason = reason;
    this.#log.info({ end_reason: reason }, 'closing line, then hang-up');
    try {
      this.#session.interrupt({ force: true });
      const playout = this.#session.say(line, { allowInterruptions: false }).waitForPlayout();
      await (sayWithinMs === undefined ? playout : Promise.race([playout, new Promise((resolve) => setTimeout(resolve, sayWithinMs).unref())]));
    } catch (err) {
      this.#log.warn({ err }, 'could not speak the closing line');
    }
    this.#session.shutdown({ drain: false, reason });
  }

  #onItem(item: llm.ChatMessage | llm.AgentHandoffItem): void {
    if (item.type !== 'message' || (item.role !== 'user' && item.role !== 'assistant')) return;
    const text = (item.textContent ?? '').trim();
    if (!text) return;
    // The session adds a caller's message when the turn ends, and the agent's once it has been played out (or cut).
    if (item.role === 'user') this.#turnWatch?.callerTurn();
    else this.#turnWatch?.agentMessage(item.metrics);
    const turn: TranscriptTurn = { seq: this.#turns.length, role: item.role === 'user' ? 'caller' : 'agent', text, at: new Date(item.createdAt).toISOString() };
    this.#turns.push(turn);
    // Shown live to whoever follows the call (the builder's own test), whether or not the agent keeps transcripts.
    this.#deps.observer?.transcript({ role: turn.role, text, final: true });
    if (this.#deps.plan.voice.transcription === false) return;
    this.#write(() => this.#deps.sink.transcript({ session_id: this.sessionId, turns: [turn] }));
  }

  #reportUsage(): CallUsageData {
    const data = usageData(this.sessionId, ++this.#usageSeq, this.#session.usage, this.#ttsCounter);
    if (this.#deps.recordingUrl) data.recording_url = this.#deps.recordingUrl;
    this.#write(() => this.#deps.sink.usage(data));
    return data;
  }

  // In order, one at a time; a failing sink is logged, never fatal to the call (the outbox retries, not us).
  #write(fn: () => void | Promise<void>): void {
    this.#sinkWrites = this.#sinkWrites.then(fn).catch((err: unknown) => this.#log.error({ err }, 'call event sink failed'));
  }

  async #onClose(ev: voice.CloseEvent): Promise<void> {
    if (this.#maxTimer) clearTimeout(this.#maxTimer);
    if (this.#usageTimer) clearInterval(this.#usageTimer);
    const endReason: CallEndReason = this.#endReason ?? (ev.error ? 'error' : 'caller_hangup');
    this.#turnWatch?.ended(endReason === 'error');
    const usage = this.#reportUsage();
    await this.#sinkWrites;
    this.#log.info({ end_reason: endReason, turns: this.#turns.length }, 'call session ended');
    this.#resolveEnded({ endReason, turns: [...this.#turns], usage });
  }
}
