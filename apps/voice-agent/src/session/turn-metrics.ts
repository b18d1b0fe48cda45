import { Counter, Histogram, Registry } from 'prom-client';

/** Where a call's turn timings go: the process's metrics, or (in a LiveKit job process) the worker that serves them. */
export interface TurnObserver {
  /** The agent's first audio for a caller's turn began `latencySeconds` after the caller stopped speaking. */
  answered(latencySeconds: number): void;
  /** A caller's turn got no agent audio before the caller's next turn, or before the call ended on an error. */
  missed(): void;
}

/** What LiveKit's AgentSession records on an agent message (`ChatMessage.metrics`), as far as turns need it. */
export interface AgentSpeechMetrics {
  /** When the message's first audio was played out; absent when none was. */
  startedSpeakingAt?: number;
  /** From the end of the caller's speech to that first audio, in seconds; absent when no caller turn preceded it. */
  e2eLatency?: number;
}

/**
 * Follows one call's turns in the order the session adds them. A caller's turn waits for agent audio: the agent message
 * that brings it answers the turn (its latency observed), and a caller's turn that finds the previous one still
 * waiting makes that one missed. At the end, a turn left waiting counts as missed only when the session failed: a
 * caller who hangs up, or a call that reaches its time limit, leaves no turn the agent failed to answer.
 */
export class TurnWatch {
  #waiting = false;

  constructor(private readonly observer: TurnObserver) {}

  callerTurn(): void {
    if (this.#waiting) this.observer.missed();
    this.#waiting = true;
  }

  agentMessage(metrics: AgentSpeechMetrics | undefined): void {
    // Text that was never heard (cut before its first frame) answers nothing.
    if (metrics?.startedSpeakingAt === undefined) return;
    if (this.#waiting && metrics.e2eLatency !== undefined && Number.isFinite(metrics.e2eLatency)) this.observer.answered(Math.max(0, metrics.e2eLatency));
    this.#waiting = false;
  }

  ended(failed: boolean): void {
    if (this.#waiting && failed) this.observer.missed();
    this.#waiting = false;
  }
}

/** The turn metrics on the process's registry (served at `/metrics`), as a TurnObserver; a private registry when none is given. */
export function turnMetrics(registry: Registry = new Registry()): TurnObserver {
  const latencyName = 'voice_agent_turn_latency_seconds';
  const missedName = 'voice_agent_missed_turns_total';
  const latency =
    (registry.getSingleMetric(latencyName) as Histogram | undefined) ??
    new Histogram({
      name: latencyName,
      help: "From the end of the caller's speech to the agent's first audio in reply",
      buckets: [0.25, 0.5, 0.75, 1, 1.25, 1.5, 2, 2.5, 3, 4, 6, 10],
      registers: [registry],
    });
  const missed =
    (registry.getSingleMetric(missedName) as Counter | undefined) ??
    new Counter({ name: missedName, help: 'Caller turns the agent never answered with audio', registers: [registry] });
  return { answered: (seconds) => latency.observe(seconds), missed: () => missed.inc() };
}
