import { CallLoad, type CallLoadSettings } from './call-load';

const SETTINGS: CallLoadSettings = { cores: 2, cpuPerCall: 0.1, settleMs: 10_000, smoothing: 0.2, reservationMs: 30_000 };
const STEP_MS = 2_500;

/** Drives a CallLoad as the framework does, every 2.5 s, with the CPU its processes would have used. */
class Worker {
  readonly load: CallLoad;
  at = 0;
  cpuSeconds = 0;

  constructor(settings: Partial<CallLoadSettings> = {}) {
    this.load = new CallLoad({ ...SETTINGS, ...settings });
  }

  /** One interval during which the processes used `cores`; then a sample with `calls` running. */
  step(cores: number, calls: readonly string[], times = 1): this {
    for (let i = 0; i < times; i++) {
      this.at += STEP_MS;
      this.cpuSeconds += (cores * STEP_MS) / 1000;
      this.load.sample({ at: this.at, cpuSeconds: this.cpuSeconds, calls });
    }
    return this;
  }

  get figures() {
    return this.load.figures(this.at);
  }
}

describe('CallLoad', () => {
  it('counts an accepted call at the CPU of one call at once, before it runs or costs anything', () => {
    const w = new Worker().step(0, [], 3);
    expect(w.figures.load).toBe(0);

    w.load.accepted('a', w.at);
    expect(w.figures).toMatchObject({ load: 0.05, callsInHand: 1 });
    w.load.accepted('b', w.at);
    expect(w.figures.load).toBeCloseTo(0.1);

    // `a` runs and costs nothing yet; `b` is still on its way: both count, once each.
    w.step(0, ['a']);
    expect(w.figures).toMatchObject({ callsInHand: 2 });
    expect(w.figures.load).toBeCloseTo(0.1);
    w.step(0, ['a', 'b']);
    expect(w.figures.callsInHand).toBe(2);
  });

  it('learns what a settled call costs and converges on it', () => {
    const w = new Worker().step(0, [], 4);
    // Two calls of 0.3 cores each, from their start.
    w.step(0.6, ['a', 'b'], 40);
    expect(w.figures.cpuPerCall).toBeCloseTo(0.3, 3);
    expect(w.figures.load).toBeCloseTo(0.3, 3);
  });

  it('learns nothing from a call still starting (greeting, STT and TTS not yet up)', () => {
    const w = new Worker().step(0, [], 4);
    // Within settleMs of its start a call's cost says nothing of its cost later.
    w.step(0.01, ['a'], 4);
    expect(w.figures.cpuPerCall).toBe(0.1);
    w.step(0.01, ['a'], 40);
    expect(w.figures.cpuPerCall).toBeCloseTo(0.01, 3);
  });

  it("charges the worker's own CPU, measured with no call, to no call", () => {
    const w = new Worker().step(0.2, [], 40);
    expect(w.figures.baseCpu).toBeCloseTo(0.2, 3);
    expect(w.figures.load).toBeCloseTo(0.1, 3);

    w.step(0.2 + 3 * 0.15, ['a', 'b', 'c'], 40);
    expect(w.figures.cpuPerCall).toBeCloseTo(0.15, 3);
    expect(w.figures.load).toBeCloseTo((0.2 + 3 * 0.15) / 2, 3);
  });

  it('puts the CPU of calls that start or end during an interval on the settled ones (never under-counts)', () => {
    const w = new Worker().step(0, [], 4).step(0.2, ['a', 'b'], 40);
    expect(w.figures.cpuPerCall).toBeCloseTo(0.1, 3);
    // `c` arrives and costs 0.1 too: until it settles, `a` and `b` are charged with it.
    w.step(0.3, ['a', 'b', 'c'], 2);
    expect(w.figures.cpuPerCall).toBeGreaterThan(0.1);
    w.step(0.3, ['a', 'b', 'c'], 60);
    expect(w.figures.cpuPerCall).toBeCloseTo(0.1, 3);
  });

  it('reports the CPU measured when it is above what the calls in hand should cost', () => {
    const w = new Worker().step(0, [], 4).step(0.2, ['a', 'b'], 40);
    // Something costs more than the calls are known to: the measure wins the moment it is taken.
    w.step(1.5, ['a', 'b']);
    expect(w.figures.measuredCpu).toBeCloseTo(1.5, 6);
    expect(w.figures.load).toBeCloseTo(0.75, 6);
    // What the calls in hand should cost stays apart (the worker refuses offers on that alone).
    expect(w.figures.callsLoad).toBeLessThan(0.5);
  });

  it('keeps the load within 0 and 1', () => {
    const w = new Worker({ cores: 1, cpuPerCall: 0.3 }).step(0, [], 2);
    for (const id of ['a', 'b', 'c', 'd']) w.load.accepted(id, w.at);
    expect(w.figures.load).toBe(1);
    w.step(4, ['a', 'b', 'c', 'd']);
    expect(w.figures.load).toBe(1);
  });

  it('drops an accepted offer that never became a running job, and a call once it ends', () => {
    const w = new Worker().step(0, [], 2);
    w.load.accepted('a', w.at);
    w.load.accepted('b', w.at);
    w.step(0, ['b'], 11);
    // 27.5 s later `a` still counts; at 30 s it no longer does. `b` runs on.
    expect(w.figures.callsInHand).toBe(2);
    w.step(0, ['b']);
    expect(w.figures.callsInHand).toBe(1);
    w.step(0, []);
    expect(w.figures).toMatchObject({ callsInHand: 0, load: 0 });
  });

  it('without a CPU measure (no /proc) reports the calls in hand at the starting guess', () => {
    const load = new CallLoad(SETTINGS);
    for (let at = 0; at < 100_000; at += STEP_MS) load.sample({ at, cpuSeconds: null, calls: ['a', 'b', 'c'] });
    expect(load.figures(100_000)).toMatchObject({ measuredCpu: null, cpuPerCall: 0.1, callsInHand: 3 });
    expect(load.load(100_000)).toBeCloseTo(0.15);
  });

  it('refuses settings it cannot divide by', () => {
    expect(() => new CallLoad({ ...SETTINGS, cores: 0 })).toThrow(/cores/);
    expect(() => new CallLoad({ ...SETTINGS, cpuPerCall: 0 })).toThrow(/cpuPerCall/);
    expect(() => new CallLoad({ ...SETTINGS, smoothing: 0 })).toThrow(/smoothing/);
  });
});
