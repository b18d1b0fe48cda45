import { startWorkerLoop, type WorkerLoop } from './worker-loop';

/** Every round a held tick started, so each test's loop can be stopped whatever the test left running. */
const held: Array<() => void> = [];

/** A tick whose rounds the test ends by hand: each call is one round, settled by `finish`. */
function heldTick() {
  const rounds: Array<{ finish(): void }> = [];
  const tick = jest.fn(
    () =>
      new Promise<void>((resolve) => {
        rounds.push({ finish: resolve });
        held.push(resolve);
      }),
  );
  return { tick, rounds };
}

describe('startWorkerLoop', () => {
  const logger = { error: jest.fn() };
  let loop: WorkerLoop | undefined;

  beforeEach(() => {
    jest.useFakeTimers();
    logger.error.mockReset();
  });
  afterEach(async () => {
    const stopping = loop?.stop();
    for (const finish of held.splice(0)) finish();
    await stopping;
    loop = undefined;
    jest.useRealTimers();
  });

  it('runs the first round after firstDelayMs, then intervalMs after each round settles, never two at once', async () => {
    const { tick, rounds } = heldTick();
    loop = startWorkerLoop({ name: 'spec', tick, intervalMs: 100, firstDelayMs: 0, logger });
    await jest.advanceTimersByTimeAsync(0);
    expect(tick).toHaveBeenCalledTimes(1);

    // A round that outlasts many intervals holds the next one back.
    await jest.advanceTimersByTimeAsync(10_000);
    expect(tick).toHaveBeenCalledTimes(1);

    rounds[0]!.finish();
    await jest.advanceTimersByTimeAsync(99);
    expect(tick).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(tick).toHaveBeenCalledTimes(2);
  });

  it('waits one interval before the first round when no first delay is given', async () => {
    const { tick } = heldTick();
    loop = startWorkerLoop({ name: 'spec', tick, intervalMs: 1_000, logger });
    await jest.advanceTimersByTimeAsync(999);
    expect(tick).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(1);
    expect(tick).toHaveBeenCalledTimes(1);
  });

  it('stop() waits for the round in flight, which sees `stopping`, and no round runs after it', async () => {
    const { tick, rounds } = heldTick();
    loop = startWorkerLoop({ name: 'spec', tick, intervalMs: 100, firstDelayMs: 0, logger });
    await jest.advanceTimersByTimeAsync(0);
    expect(loop.stopping).toBe(false);

    let stopped = false;
    const stopping = loop.stop().then(() => (stopped = true));
    await jest.advanceTimersByTimeAsync(0);
    expect(loop.stopping).toBe(true);
    expect(stopped).toBe(false);

    rounds[0]!.finish();
    await stopping;
    expect(stopped).toBe(true);
    await jest.advanceTimersByTimeAsync(10_000);
    expect(tick).toHaveBeenCalledTimes(1);
  });

  it('stop() before the first round runs none', async () => {
    const { tick } = heldTick();
    loop = startWorkerLoop({ name: 'spec', tick, intervalMs: 100, logger });
    await loop.stop();
    await jest.advanceTimersByTimeAsync(10_000);
    expect(tick).not.toHaveBeenCalled();
  });

  it('logs a failed round, thrown or rejected, and runs the next one on time', async () => {
    const boom = new Error('the database went away');
    let calls = 0;
    const tick = jest.fn(async () => {
      calls++;
      if (calls === 1) throw boom;
    });
    loop = startWorkerLoop({ name: 'spec worker', tick, intervalMs: 100, firstDelayMs: 0, logger });
    await jest.advanceTimersByTimeAsync(0);
    expect(logger.error).toHaveBeenCalledWith({ err: boom }, 'spec worker round failed');

    await jest.advanceTimersByTimeAsync(100);
    expect(tick).toHaveBeenCalledTimes(2);
    expect(logger.error).toHaveBeenCalledTimes(1);
  });

  it('carries on after a tick that throws before returning a promise', async () => {
    const tick = jest.fn((): Promise<void> => {
      throw new Error('synchronous');
    });
    loop = startWorkerLoop({ name: 'spec', tick, intervalMs: 100, firstDelayMs: 0, logger });
    await jest.advanceTimersByTimeAsync(100);
    expect(tick).toHaveBeenCalledTimes(2);
    expect(logger.error).toHaveBeenCalledTimes(2);
  });

  it('logFailure replaces the default line, and a throwing one does not end the loop', async () => {
    const seen: unknown[] = [];
    const tick = jest.fn(async () => {
      throw new Error('round');
    });
    const logFailure = (err: unknown) => {
      seen.push(err);
      throw new Error('the logger itself failed');
    };
    loop = startWorkerLoop({ name: 'spec', tick, intervalMs: 100, firstDelayMs: 0, logger, logFailure });
    await jest.advanceTimersByTimeAsync(100);
    expect(tick).toHaveBeenCalledTimes(2);
    expect(seen).toHaveLength(2);
    expect(logger.error).not.toHaveBeenCalled();
  });
});
