import { AsyncIterableQueue, stt, VAD, VADEventType, type VADEvent, type VADStream } from '@livekit/agents';

type SpeechListener = (ev: VADEvent) => void;

/**
 * One call's view of the worker's VAD, so that a call runs one voice-activity pass, never two. AgentSession runs
 * a VAD stream for turn detection and barge-in; given a non-streaming STT (pocketsphinx, the scripted recogniser,
 * OpenAI's without `useRealtime`), @livekit/agents 1.8.1 wraps it in `stt.StreamAdapter`, which opens a second stream
 * on the same VAD (voice/agent.js `sttNode`) and runs Silero again over the same audio, only to cut the same utterances.
 * `sttFor` wraps such an STT in that same adapter beforehand (the session then sees a streaming STT and adds none),
 * fed by a stream that follows the session's own: the session's start and end of speech, each utterance's audio
 * with it, and no second model run.
 */
export class CallVad {
  /** The VAD to give the session: the worker's, with its streams' speech events handed on to the STT. */
  readonly vad: VAD;
  readonly #listeners = new Set<SpeechListener>();

  constructor(shared: VAD) {
    this.vad = tappedVad(shared, (ev) => this.#listeners.forEach((listener) => listener(ev)));
  }

  /** A streaming STT as it is; a non-streaming one behind `stt.StreamAdapter`, cutting utterances at the session's VAD events. */
  sttFor(recogniser: stt.STT): stt.STT {
    if (recogniser.capabilities.streaming) return recogniser;
    return new stt.StreamAdapter(recogniser, new FollowingVad(this.vad.label, (listener) => this.#follow(listener)));
  }

  #follow(listener: SpeechListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

/**
 * `shared` as seen by one call: every stream it opens hands its start and end of speech to `onSpeech` as the session
 * reads them. A Proxy rather than a subclass or a copy: Silero keeps its model session in private fields, and
 * VoiceSession's close guard patches `stream` on the object it is given, which must not be the worker's.
 */
function tappedVad(shared: VAD, onSpeech: SpeechListener): VAD {
  const own: Record<PropertyKey, unknown> = {
    stream: (): VADStream => {
      const stream = shared.stream();
      const next = stream.next.bind(stream);
      stream.next = async (): Promise<IteratorResult<VADEvent>> => {
        const read = await next();
        if (!read.done && (read.value.type === VADEventType.START_OF_SPEECH || read.value.type === VADEventType.END_OF_SPEECH)) onSpeech(read.value);
        return read;
      };
      return stream;
    },
  };
  return new Proxy(shared, {
    get(target, prop) {
      if (prop in own) return own[prop];
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
    set(_target, prop, value) {
      own[prop] = value;
      return true;
    },
  });
}

/** The VAD `stt.StreamAdapter` is given: each stream it opens follows the session's instead of running a model. */
class FollowingVad extends VAD {
  readonly label: string;
  readonly #follow: (listener: SpeechListener) => () => void;

  constructor(label: string, follow: (listener: SpeechListener) => () => void) {
    super({ updateInterval: 32 });
    this.label = `${label} (followed)`;
    this.#follow = follow;
  }

  stream(): VADStream {
    // StreamAdapterWrapper uses pushFrame, flush, endInput, close and the iterator; nothing else of a VADStream.
    return new FollowingStream(this.#follow) as unknown as VADStream;
  }
}

class FollowingStream implements AsyncIterableIterator<VADEvent> {
  readonly #events = new AsyncIterableQueue<VADEvent>();
  readonly #unfollow: () => void;

  constructor(follow: (listener: SpeechListener) => () => void) {
    this.#unfollow = follow((ev) => {
      if (!this.#events.closed) this.#events.put(ev);
    });
  }

  /** The session's own stream already has this audio. */
  pushFrame(): void {}

  /**
   * A segment boundary for the STT alone: the session's stream is not this stream's to reset. (AgentSession 1.8.1
   * never flushes the STT; it flushes its own VAD stream itself when it needs to.)
   */
  flush(): void {}

  /** The audio ended: no further utterance will come (an utterance being recognised still is). */
  endInput(): void {
    this.close();
  }

  close(): void {
    this.#unfollow();
    if (!this.#events.closed) this.#events.close();
  }

  next(): Promise<IteratorResult<VADEvent>> {
    return this.#events.next();
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<VADEvent> {
    return this;
  }
}
