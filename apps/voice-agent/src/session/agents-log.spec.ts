import { createLogger } from '@callplane/service-kit';
import { initializeLogger, log } from '@livekit/agents';
import { routeAgentsLogs, SLOW_VAD_WARNING } from './agents-log';

/** Lines as written, and the repeated-warning windows waiting to close. */
const lines: string[] = [];
const windows: Array<() => void> = [];
const records = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);

/** What every line of ours looks like (createLogger): the level's label, ISO time, the service. */
function ourFormat(record: Record<string, unknown>) {
  return {
    level: ['trace', 'debug', 'info', 'warn', 'error', 'fatal'].includes(record.level as string),
    time: typeof record.time === 'string' && new Date(record.time).toISOString() === record.time,
    service: record.service,
    name: record.name,
    hostname: record.hostname,
  };
}
const OURS = { level: true, time: true, service: 'voice-agent', name: 'voice-agent', hostname: undefined };

describe('LiveKit Agents logs through our logger', () => {
  beforeAll(() => {
    // As the service starts it: the framework's logger at AGENTS_LOG, then routed.
    initializeLogger({ pretty: false, level: 'debug' });
    routeAgentsLogs({ service: 'voice-agent', destination: { write: (s: string) => void lines.push(s) }, schedule: (close) => void windows.push(close) });
  });
  beforeEach(() => {
    lines.length = 0;
    windows.length = 0;
  });

  test("the framework's lines are JSON in our format: level label, ISO time, the service, no hostname", () => {
    const ownLines: string[] = [];
    createLogger({ name: 'voice-agent', destination: { write: (s: string) => void ownLines.push(s) } }).info('ours');
    // The calls the framework makes: its logger, its children, an error under `error`.
    log().debug('debug line');
    log().child({ jobID: 'AJ_1' }).info({ agentName: 'voice-agent' }, 'received job request');
    log().child({ pid: 42 }).error({ error: new Error('boom') }, 'error in job');

    expect(records().map(ourFormat)).toEqual([OURS, OURS, OURS]);
    expect(ourFormat(JSON.parse(ownLines[0]!) as Record<string, unknown>)).toEqual(OURS);
    expect(records()).toEqual([
      expect.objectContaining({ level: 'debug', component: 'livekit-agents', msg: 'debug line' }),
      expect.objectContaining({ level: 'info', jobID: 'AJ_1', agentName: 'voice-agent', msg: 'received job request' }),
      expect.objectContaining({ level: 'error', pid: 42, error: expect.objectContaining({ type: 'Error', message: 'boom', stack: expect.stringContaining('boom') }) }),
    ]);
  });

  test('the framework initialising its logger again (as in each job process it forks) keeps ours, at the level it asks for', () => {
    initializeLogger({ pretty: false, level: 'warn' });
    log().info('below the level');
    log().warn('job process orphaned, shutting down.');
    expect(records()).toEqual([expect.objectContaining({ level: 'warn', service: 'voice-agent', msg: 'job process orphaned, shutting down.' })]);
    initializeLogger({ pretty: false, level: 'debug' });
    log().debug('back to debug');
    expect(records()).toHaveLength(2);
  });

  test('a routed process routes once: a second call (the job entry after the preload) changes nothing', () => {
    const again = routeAgentsLogs({ service: 'other', destination: { write: () => undefined } });
    again.info('still ours');
    expect(records()).toEqual([expect.objectContaining({ service: 'voice-agent', msg: 'still ours' })]);
  });

  test('"VAD inference is slower than realtime", 120 times in a call: one line, then one with the count and the worst delay', () => {
    for (let i = 1; i <= 60; i++) log().child({ delay: 30 + i }).warn(SLOW_VAD_WARNING.msg); // Silero
    for (let i = 1; i <= 60; i++) log().warn({ extraInferenceTimeMs: i === 7 ? 2_500 : 10 }, SLOW_VAD_WARNING.msg); // the framework's own VAD
    log().warn('another warning');
    expect(records().map((r) => r.msg)).toEqual([SLOW_VAD_WARNING.msg, 'another warning']);
    expect(windows).toHaveLength(1);

    windows[0]!();
    expect(records()).toHaveLength(3);
    expect(records()[2]).toMatchObject({ level: 'warn', service: 'voice-agent', component: 'livekit-agents', msg: SLOW_VAD_WARNING.msg, suppressed: 119, worst_delay_ms: 2_500 });
  });
});
