/** The voice bench's arithmetic and tables: overhead per turn, percentiles, one table per model. */
import { ENDPOINTING_MIN_DELAY_MS, type Latency, type SttMode, type TurnSample } from './voice-call';
import type { ProcessLevel } from './voice-process-model';
import type { WebCallLevel } from './voice-websocket';

/** One level of the in-process model: every call in the bench's own process. */
export interface PhaseResult {
  label: string;
  sessions: number;
  samples: TurnSample[];
  missed: number;
  latency: Latency;
  rssPerSessionMb?: number;
  heapPerSessionMb?: number;
  loopDelayP99Ms: number;
  cpuShare: number;
  /** Silero streams opened per session (the largest count of any session). */
  vadStreamsPerSession: number;
  firstError?: string;
  /** Each distinct error (a missed turn's cause, or a call that broke) and how often it happened. */
  errorCounts: Map<string, number>;
}

/**
 * The part of a turn's end of speech → first reply frame that is configuration, not overhead (bench/README.md).
 * The final transcript is due: batch, `stt` after the VAD's end of speech (the adapter sends the utterance its VAD
 * cut); streaming, `stt` after the last speech frame, which is `vadMs` before end of speech. Preemptive generation
 * (on by default; VoiceSession keeps it) starts the LLM on the final transcript. Endpointing commits the turn at
 * minDelay after the last speaking time, which it takes as end of speech minus the silence the VAD reports with it;
 * the TTS starts once the turn is committed and the first token is there. So the configured wait is
 * max(0, due + LLM, minDelay − silence) + TTS, split into stand-ins = max(0, due + LLM) + TTS and hold = the rest.
 */
function configuredWait(s: TurnSample, l: Latency, sttMode: SttMode): { standIns: number; hold: number } {
  const transcriptDue = sttMode === 'batch' ? l.stt : l.stt - s.vadMs;
  const firstToken = Math.max(0, transcriptDue + l.llm);
  return { standIns: firstToken + l.tts, hold: Math.max(0, ENDPOINTING_MIN_DELAY_MS - s.vadSilenceMs - firstToken) };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

const sort = (xs: number[]) => xs.sort((a, b) => a - b);
export const median = (xs: number[]) => percentile(sort([...xs]), 50);
export const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

export const num = (v: number | undefined, digits: number) => (v !== undefined && Number.isFinite(v) ? v.toFixed(digits) : '—');

export function overhead(samples: TurnSample[], latency: Latency, sttMode: SttMode) {
  const waits = samples.map((s) => configuredWait(s, latency, sttMode));
  const sorted = sort(samples.map((s, i) => s.totalMs - waits[i]!.standIns - waits[i]!.hold));
  return {
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? Number.NaN,
    totalP50: median(samples.map((s) => s.totalMs)),
    vadP50: median(samples.map((s) => s.vadMs)),
    standInsP50: median(waits.map((w) => w.standIns)),
    holdP50: median(waits.map((w) => w.hold)),
  };
}

function table(labels: string[], cols: Array<[string, number]>, rows: string[][]): string {
  const width = Math.max(...labels.map((l) => l.length)) + 2;
  const head = ''.padEnd(width) + cols.map(([h, w]) => h.padStart(w)).join('');
  const lines = rows.map((cells, r) => labels[r]!.padEnd(width) + cells.map((c, i) => c.padStart(cols[i]![1])).join(''));
  return [head, ...lines].join('\n');
}

export function formatInProcessTable(results: PhaseResult[], sttMode: SttMode): string {
  const cols: Array<[string, number]> = [
    ['sessions', 9], ['turns', 7], ['missed', 7], ['e2e p50', 9], ['− stand-ins p50', 16], ['− hold p50', 12], ['overhead p50', 13], ['p99', 7], ['max', 7], ['rss MB/sess', 12], ['heap MB/sess', 13], ['loop p99', 9], ['cpu', 6],
  ];
  const rows = results.map((r) => {
    const o = overhead(r.samples, r.latency, sttMode);
    return [
      String(r.sessions), String(r.samples.length), String(r.missed), num(o.totalP50, 1), num(o.standInsP50, 1), num(o.holdP50, 1), num(o.p50, 1), num(o.p99, 1), num(o.max, 1),
      num(r.rssPerSessionMb, 2), num(r.heapPerSessionMb, 2), num(r.loopDelayP99Ms, 1), `${Math.round(r.cpuShare * 100)}%`,
    ];
  });
  return table(results.map((r) => r.label), cols, rows);
}

export const processSamples = (l: ProcessLevel) => l.results.flatMap((r) => r.samples);

/** The level's memory per call: every process's PSS (shared pages split between the processes sharing them) ÷ its calls; null where /proc does not tell PSS. */
export function pssPerCallMb(l: ProcessLevel): number | null {
  const pss = l.warm.map((m) => m.pssMb);
  return pss.length > 0 && pss.every((p) => p !== null) ? sum(pss as number[]) / l.sessions : null;
}

/** A call's CPU, share of one core: the median process's CPU over its measured turns ÷ the calls it ran. */
export const cpuSharePerCall = (l: ProcessLevel) => median(l.results.map((r) => r.cpuMs / r.wallMs / r.calls));

export function formatProcessTable(levels: ProcessLevel[], latency: Latency, sttMode: SttMode): string {
  const cols: Array<[string, number]> = [
    ['sessions', 9], ['turns', 7], ['missed', 7], ['e2e p50', 9], ['overhead p50', 13], ['p99', 7], ['max', 7],
    ['idle rss', 9], ['rss/proc', 9], ['peak', 7], ['heap', 7], ['Σ rss GB', 9], ['Σ pss GB', 9], ['pss/call', 9], ['machine +GB', 12], ['loop p99', 9], ['cpu/call', 9], ['machine cpu', 12],
  ];
  const gb = (xs: number[]) => sum(xs) / 1024;
  const rows = levels.map((l) => {
    if (l.skipped) return [String(l.sessions), 'not run', ...cols.slice(2).map(() => '')];
    const o = overhead(processSamples(l), latency, sttMode);
    const pss = l.warm.map((m) => m.pssMb);
    return [
      String(l.sessions), String(processSamples(l).length), String(l.missed), num(o.totalP50, 1), num(o.p50, 1), num(o.p99, 1), num(o.max, 1),
      num(median(l.idle.map((m) => m.rssMb)), 0), num(median(l.warm.map((m) => m.rssMb)), 0), num(Math.max(...l.results.map((r) => r.peakRssMb)), 0), num(median(l.warm.map((m) => m.heapMb)), 1),
      num(gb(l.warm.map((m) => m.rssMb)), 2), pss.every((p) => p !== null) ? num(gb(pss as number[]), 2) : '—', pssPerCallMb(l) === null ? '—' : num(pssPerCallMb(l)!, 0),
      num((l.machineUsedMb.warm - l.machineUsedMb.before) / 1024, 2),
      num(Math.max(...l.results.map((r) => r.loopDelayP99Ms)), 1), `${num(cpuSharePerCall(l) * 100, 1)}%`, `${Math.round(l.machineCpuShare * 100)}%`,
    ];
  });
  return table(levels.map((l) => (l.callsPerProcess > 1 ? `${l.callsPerProcess} calls per process` : 'process per call')), cols, rows);
}

/** The websocket transport's table: the in-process columns for the turns, and the caller's audio on its way in. */
export function formatWebSocketTable(levels: WebCallLevel[], sttMode: SttMode): string {
  const cols: Array<[string, number]> = [
    ['calls', 6], ['turns', 7], ['missed', 7], ['e2e p50', 9], ['− stand-ins p50', 16], ['− hold p50', 12], ['overhead p50', 13], ['p99', 7], ['max', 7], ['in p50', 8], ['in p99', 8], ['wait p50', 10], ['loop p99', 9], ['cpu', 6],
  ];
  const rows = levels.map((l) => {
    const o = overhead(l.samples, l.latency, sttMode);
    const inbound = sort(l.samples.map((s) => s.inboundMs));
    return [
      String(l.sessions), String(l.samples.length), String(l.missed), num(o.totalP50, 1), num(o.standInsP50, 1), num(o.holdP50, 1), num(o.p50, 1), num(o.p99, 1), num(o.max, 1),
      num(percentile(inbound, 50), 1), num(percentile(inbound, 99), 1), num(median(l.samples.map((s) => s.callerWaitMs)), 1), num(l.loopDelayP99Ms, 1), `${Math.round(l.cpuShare * 100)}%`,
    ];
  });
  return table(levels.map((l) => l.label), cols, rows);
}
