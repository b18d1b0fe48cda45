import type { VAD } from '@livekit/agents';
import { setMaxListeners } from 'node:events';
import type { CallPlan } from '../session/agent-config';
import { loadCallVad } from '../session/vad/load-call-vad';
import type { CallEventSink } from '../session/voice-session';
import { answerSandboxInbound, runSandboxCall, type SandboxCallDeps } from './sandbox-call';
import { localVoiceStack, type SandboxVoiceStack } from './sandbox-voice';
import { WebCall, type WebCallLink } from './web-call';

/**
 * The worker's sandbox carrier: places the calls the dialer asks for, answers simulated inbound calls and the browser's
 * web calls, tracks them, and drains them on stop.
 */
export class SandboxMediaPlane {
  readonly #running = new Map<string, Promise<void>>();
  /** Per outbound call: aborted when the dialer asks to hang it up. */
  readonly #hangUps = new Map<string, AbortController>();
  readonly #webCalls = new Map<string, WebCall>();
  readonly #abort = new AbortController();
  readonly #deps: SandboxCallDeps;
  #vad: Promise<VAD> | null = null;

  /** `voice`: what every call hears and speaks with; default the local voice stack (sandbox-voice.ts). */
  constructor(opts: Pick<SandboxCallDeps, 'report' | 'takeCall' | 'logger' | 'settings' | 'turns'> & { sink(tenantId: string): CallEventSink; voice?: SandboxVoiceStack }) {
    // Every ringing call waits on this one signal (a listener each): thousands at once on the load range would
    // trip Node's leak warning at 11, though each listener goes when its call stops ringing.
    setMaxListeners(0, this.#abort.signal);
    this.#deps = { ...opts, voice: opts.voice ?? localVoiceStack, vad: () => this.#loadVad(), signal: this.#abort.signal };
  }

  get activeCalls(): number {
    return this.#running.size;
  }

  /**
   * Starts the call in the background (it lasts minutes; the command's transaction must not). A redelivered
   * command for a call already running here is ignored; one for a call that already ended changes nothing, since
   * the call-state machine ignores reports for finished calls.
   */
  place(metadata: unknown): void {
    if (this.#abort.signal.aborted) throw new Error('the sandbox media plane is draining: the call is left for another worker');
    const sessionId = String((metadata as { session_id?: unknown } | null)?.session_id ?? '');
    if (this.#running.has(sessionId)) return;
    const hangUp = new AbortController();
    const p = runSandboxCall(this.#deps, metadata, hangUp.signal)
      .catch((err: unknown) => this.#deps.logger.error({ session_id: sessionId, err }, 'sandbox call crashed'))
      .finally(() => {
        this.#running.delete(sessionId);
        this.#hangUps.delete(sessionId);
      });
    this.#running.set(sessionId, p);
    this.#hangUps.set(sessionId, hangUp);
  }

  /**
   * The dialer hangs up a call it placed here, or a web call the builder ended; a call not running here (over, or on
   * another worker) is left alone.
   */
  hangUp(sessionId: string): void {
    this.#hangUps.get(sessionId)?.abort();
    this.#webCalls.get(sessionId)?.end();
  }

  /**
   * Runs a web call whose browser has just connected (its token spent), in the background; null when it cannot be
   * taken: the plane is draining, or the call already runs here (a second connection).
   */
  connectWebCall(plan: CallPlan, sessionId: string, link: WebCallLink): WebCall | null {
    if (this.#abort.signal.aborted || this.#running.has(sessionId)) return null;
    const call = new WebCall(this.#deps, plan, sessionId, link);
    const p = call
      .run()
      .catch((err: unknown) => this.#deps.logger.error({ session_id: sessionId, err }, 'web call crashed'))
      .finally(() => {
        this.#running.delete(sessionId);
        this.#webCalls.delete(sessionId);
      });
    this.#running.set(sessionId, p);
    this.#webCalls.set(sessionId, call);
    return call;
  }

  /** Whether a web call is connected here now. */
  hasWebCall(sessionId: string): boolean {
    return this.#webCalls.has(sessionId);
  }

  /** The server is stopping: every web call says a short goodbye and ends (its browser can not outlast the server). */
  async endWebCalls(): Promise<void> {
    const calls = [...this.#webCalls.entries()];
    await Promise.all(calls.map(([id, call]) => Promise.all([call.shutdown(), this.#running.get(id)])));
  }

  /** Answers a simulated inbound call whose session is already open (`call.initiating`), in the background. */
  answerInbound(plan: CallPlan, sessionId: string): void {
    if (this.#abort.signal.aborted) throw new Error('the sandbox media plane is draining: it takes no new calls');
    if (this.#running.has(sessionId)) return;
    const p = answerSandboxInbound(this.#deps, plan, sessionId)
      .catch((err: unknown) => this.#deps.logger.error({ session_id: sessionId, err }, 'sandbox inbound call crashed'))
      .finally(() => this.#running.delete(sessionId));
    this.#running.set(sessionId, p);
  }

  /** Takes no new calls, ends the ones still ringing, and waits for connected calls to finish. */
  async drain(): Promise<void> {
    this.#abort.abort();
    await Promise.allSettled([...this.#running.values()]);
    const vad = this.#vad;
    this.#vad = null;
    if (vad) await vad.then((v) => v.close()).catch(() => undefined);
  }

  #loadVad(): Promise<VAD> {
    // Loaded on the first answered call only.
    this.#vad ??= loadCallVad().catch((err: unknown) => {
      this.#vad = null;
      throw err;
    });
    return this.#vad;
  }
}
