import type { LogFn, Logger } from 'pino';

/**
 * A message some library logs over and over (a media library's per-frame warning): one line per window says as much,
 * and the lines held back in between are counted and reported in one line when the window closes.
 */
export interface RepeatedMessage {
  /** The exact message (`msg`) to limit; every other line passes untouched. */
  msg: string;
  windowMs: number;
  /** A figure the lines carry (a delay) whose largest value over the window (the first line's included) the summary reports, as `worst_<name>`. */
  worst?: { name: string; read(fields: Record<string, unknown>): number | undefined };
}

/** Runs `fn` once after `ms`; by default a timer that keeps no process alive. Specs pass their own. */
export type Schedule = (fn: () => void, ms: number) => void;

const unrefTimer: Schedule = (fn, ms) => void setTimeout(fn, ms).unref();

interface Window {
  /** The logger of the line that opened the window: the summary goes out through it, with its bindings. */
  opener: Logger;
  method: LogFn;
  held: number;
  worst: number | undefined;
}

/**
 * A pino `logMethod` hook that lets the first line of each listed message through, holds back the rest for the
 * window, and then writes one line with the same message and level saying how many were held back
 * (`suppressed`) and the worst figure of the window. A window in which nothing was held back ends silently; the next
 * line after a window opens a new one.
 */
export function repeatLimiter(messages: readonly RepeatedMessage[], schedule: Schedule = unrefTimer) {
  const rules = new Map(messages.map((m) => [m.msg, m]));
  const open = new Map<string, Window>();
  return function logMethod(this: Logger, args: Parameters<LogFn>, method: LogFn): void {
    const [first, second] = args as unknown[];
    const msg = typeof first === 'string' ? first : second;
    const rule = typeof msg === 'string' ? rules.get(msg) : undefined;
    if (!rule) return method.apply(this, args);
    const figure = rule.worst?.read({ ...this.bindings(), ...(typeof first === 'object' && first !== null ? first : {}) });
    const window = open.get(rule.msg);
    if (window) {
      window.held++;
      if (figure !== undefined && (window.worst === undefined || figure > window.worst)) window.worst = figure;
      return;
    }
    method.apply(this, args);
    const opened: Window = { opener: this, method, held: 0, worst: figure };
    open.set(rule.msg, opened);
    schedule(() => {
      open.delete(rule.msg);
      if (opened.held === 0) return;
      const summary = { suppressed: opened.held, ...(rule.worst && opened.worst !== undefined ? { [`worst_${rule.worst.name}`]: opened.worst } : {}) };
      opened.method.apply(opened.opener, [summary, rule.msg]);
    }, rule.windowMs);
  };
}
