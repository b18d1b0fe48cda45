import { createLogger, type RepeatedMessage } from './logger';

const SLOW = 'inference is slower than realtime';
const RULE: RepeatedMessage = { msg: SLOW, windowMs: 30_000, worst: { name: 'delay_ms', read: (f) => (typeof f.delay === 'number' ? f.delay : undefined) } };

/** A logger limiting RULE whose windows close when the spec says so, and whose lines land in memory, parsed. */
function limited() {
  const lines: Array<Record<string, unknown>> = [];
  const windows: Array<{ close: () => void; ms: number }> = [];
  const logger = createLogger({
    name: 'repeats-spec',
    destination: { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) },
    repeats: { messages: [RULE], schedule: (close, ms) => void windows.push({ close, ms }) },
  });
  return { logger, lines, windows };
}

describe('repeated messages', () => {
  test('one line per window, then one line with how many were held back and the worst figure', () => {
    const { logger, lines, windows } = limited();
    for (let i = 1; i <= 150; i++) logger.child({ delay: i === 77 ? 5_000 : i }).warn(SLOW);
    expect(lines).toEqual([expect.objectContaining({ level: 'warn', msg: SLOW, delay: 1 })]);
    expect(windows.map((w) => w.ms)).toEqual([30_000]);

    windows[0]!.close();
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({ level: 'warn', msg: SLOW, suppressed: 149, worst_delay_ms: 5_000 });
  });

  test('the figure may come with the line instead of the logger, and the first line counts towards the worst', () => {
    const { logger, lines, windows } = limited();
    logger.warn({ delay: 900 }, SLOW);
    logger.warn({ delay: 300 }, SLOW);
    windows[0]!.close();
    expect(lines.map((l) => [l.delay, l.suppressed, l.worst_delay_ms])).toEqual([
      [900, undefined, undefined],
      [undefined, 1, 900],
    ]);
  });

  test('every other line passes untouched, warnings included', () => {
    const { logger, lines } = limited();
    for (let i = 0; i < 100; i++) {
      logger.warn(SLOW);
      logger.warn({ i }, 'something else is wrong');
    }
    logger.error('VAD inference is slower than realtime, but another message');
    expect(lines.filter((l) => l.msg === 'something else is wrong')).toHaveLength(100);
    expect(lines.filter((l) => l.msg === SLOW)).toHaveLength(1);
    expect(lines.at(-1)).toMatchObject({ level: 'error' });
  });

  test('after a window the next line passes and opens another; a window with nothing held back ends silently', () => {
    const { logger, lines, windows } = limited();
    logger.warn(SLOW);
    windows[0]!.close();
    expect(lines).toHaveLength(1);
    logger.warn(SLOW);
    logger.warn(SLOW);
    expect(lines).toHaveLength(2);
    expect(windows).toHaveLength(2);
    windows[1]!.close();
    expect(lines.map((l) => l.suppressed)).toEqual([undefined, undefined, 1]);
  });

  test('a line below the logger level is neither written nor counted', () => {
    const { logger, lines, windows } = limited();
    logger.level = 'error';
    for (let i = 0; i < 10; i++) logger.warn(SLOW);
    expect(lines).toEqual([]);
    expect(windows).toEqual([]);
  });
});
