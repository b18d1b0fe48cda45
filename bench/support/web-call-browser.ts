/**
 * The browser's end of a sandbox web call, for the voice bench's websocket transport: a real `ws` client on the voice
 * agent's audio socket that sends the microphone as a browser does (a 640-byte, 20 ms frame on an absolute schedule,
 * silence unless there is speech to say) and timestamps what arrives: the agent's state events and the first audio
 * byte of each reply (on the machine's monotonic clock, which the service's probes read too).
 */
import { WEB_CALL_AUDIO, webCallEventSchema, type WebCallState } from '@callplane/contracts';
import { WebSocket, type RawData } from 'ws';
import { WebCallMicrophone } from '../../libs/testing/src/web-call-microphone';
import { monotonicMs } from './web-call-caller-types';

export class BenchBrowser {
  readonly ws: WebSocket;
  readonly opened: Promise<void>;
  readonly closed: Promise<{ code: number; reason: string }>;
  /** The agent's latest state and when it arrived. */
  state: { state: WebCallState; at: number } | null = null;
  /** When the last frame holding speech left the microphone (handed to the socket). */
  lastSpeechSentAt = 0;
  /** Agent audio frames received, and ones that were not exactly one frame (there should be none). */
  audioFrames = 0;
  oddFrames = 0;
  /** When the last agent audio frame arrived. */
  lastAudioAt = 0;
  readonly #microphone = new WebCallMicrophone();
  #mic: NodeJS.Timeout | null = null;
  /** A reply being waited for: audio arriving after `since` is its first byte. */
  #reply: { since: number; at: number | null } | null = null;

  constructor(url: string) {
    this.ws = new WebSocket(url, { perMessageDeflate: false });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
    this.closed = new Promise((resolve) => this.ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    this.ws.on('message', (data: RawData, isBinary) => {
      const at = monotonicMs();
      if (isBinary) {
        this.audioFrames++;
        this.lastAudioAt = at;
        if ((data as Buffer).length !== WEB_CALL_AUDIO.frameBytes) this.oddFrames++;
        if (this.#reply && this.#reply.at === null && at > this.#reply.since) this.#reply.at = at;
        return;
      }
      const event = webCallEventSchema.parse(JSON.parse(String(data)));
      if (event.type === 'state') this.state = { state: event.state, at };
    });
  }

  /** Starts the microphone: a frame every 20 ms on schedule, whether or not there is speech. */
  startMicrophone(): void {
    const started = monotonicMs();
    let sent = 0;
    this.#mic = setInterval(() => {
      while (sent * WEB_CALL_AUDIO.frameMs <= monotonicMs() - started && this.ws.readyState === WebSocket.OPEN) {
        const { frame, speech } = this.#microphone.nextFrame();
        this.ws.send(frame, { binary: true });
        if (speech) this.lastSpeechSentAt = monotonicMs();
        sent++;
      }
    }, 5);
  }

  stopMicrophone(): void {
    if (this.#mic) clearInterval(this.#mic);
    this.#mic = null;
  }

  /** Says `samples` (16 kHz mono) on the microphone, and from now on waits for the agent's reply. */
  say(samples: Int16Array): void {
    this.#reply = { since: monotonicMs(), at: null };
    this.#microphone.say(samples);
  }

  /** When the first audio byte of the reply to the last `say` arrived; undefined until it has. */
  get replyAt(): number | undefined {
    return this.#reply?.at ?? undefined;
  }

  /** Whether the agent is listening again, having changed state after `since` (its reply, or the greeting, played out). */
  listeningSince(since: number): boolean {
    return this.state !== null && this.state.state === 'listening' && this.state.at > since;
  }
}
