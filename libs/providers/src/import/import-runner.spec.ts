import type { ImportPlan, ImportStep, StepRecord } from './import-plan';
import { ImportStepFailed, runImport, undoSteps } from './import-runner';

/** A world of resources the steps create and remove, so the tests can see what is left. */
function world() {
  const live = new Set<string>();
  const log: string[] = [];
  const step = (name: string, opts: { failRun?: boolean; failUndo?: boolean; bestEffort?: boolean; needs?: string } = {}): ImportStep => ({
    name,
    bestEffort: opts.bestEffort,
    async run(outputs) {
      log.push(`run ${name}`);
      if (opts.needs && !outputs[opts.needs]) throw new Error(`${name} ran before ${opts.needs}`);
      if (opts.failRun) throw new Error(`${name} refused`);
      live.add(name);
      return { id: `${name}-id`, ...(opts.needs ? { parent: outputs[opts.needs]!.id! } : {}) };
    },
    async undo(output) {
      log.push(`undo ${name} ${output.id}`);
      if (opts.failUndo) throw new Error(`${name} undo refused`);
      live.delete(name);
    },
  });
  return { live, log, step };
}

const plan = (steps: ImportStep[]): ImportPlan => ({ steps, inbound: { automatic: true, manualSteps: '' } });

describe('runImport / undoSteps', () => {
  it('runs steps in order, passes earlier outputs on, and journals after every step', async () => {
    const w = world();
    const journal: StepRecord[][] = [];
    const run = await runImport(plan([w.step('a'), w.step('b', { needs: 'a' })]), async (r) => void journal.push(r));
    expect(run.records.map((r) => r.output)).toEqual([{ id: 'a-id' }, { id: 'b-id', parent: 'a-id' }]);
    expect(journal.map((j) => j.map((r) => r.name))).toEqual([['a'], ['a', 'b']]);
    expect(run.skipped).toEqual([]);
  });

  it('a failure at step k reports the k-1 steps that ran, and undoing them leaves nothing behind, newest first', async () => {
    const w = world();
    const p = plan([w.step('a'), w.step('b'), w.step('c', { failRun: true }), w.step('d')]);
    const err = await runImport(p, async () => undefined).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImportStepFailed);
    const failed = err as ImportStepFailed;
    expect(failed.step).toBe('c');
    expect(failed.records.map((r) => r.name)).toEqual(['a', 'b']);
    const journal: string[][] = [];
    const undone = await undoSteps(p, failed.records, async (r) => void journal.push(r.map((x) => x.name)));
    expect(undone).toEqual({ remaining: [] });
    expect(w.live.size).toBe(0);
    expect(w.log).toEqual(['run a', 'run b', 'run c', 'undo b b-id', 'undo a a-id']);
    expect(journal).toEqual([['a'], []]);
  });

  it('an undo that fails stops the teardown and says which step is still in place', async () => {
    const w = world();
    const p = plan([w.step('a'), w.step('b', { failUndo: true }), w.step('c')]);
    const { records } = await runImport(p, async () => undefined);
    const undone = await undoSteps(p, records, async () => undefined);
    expect(undone.remaining.map((r) => r.name)).toEqual(['a', 'b']);
    expect(undone.failure?.step).toBe('b');
    expect([...w.live].sort()).toEqual(['a', 'b']);
  });

  it('best-effort steps that fail are reported as skipped, and the import stands', async () => {
    const w = world();
    const run = await runImport(plan([w.step('a'), w.step('hook', { bestEffort: true, failRun: true })]), async () => undefined);
    expect(run.records.map((r) => r.name)).toEqual(['a']);
    expect(run.skipped.map((s) => s.name)).toEqual(['hook']);
  });

  it('resumes after recorded steps without creating them again', async () => {
    const w = world();
    const p = plan([w.step('a'), w.step('b', { needs: 'a' })]);
    const run = await runImport(p, async () => undefined, [{ name: 'a', output: { id: 'a-id' }, at: '2026-01-01T00:00:00.000Z' }]);
    expect(w.log).toEqual(['run b']);
    expect(run.records.map((r) => r.name)).toEqual(['a', 'b']);
  });

  it('a recorded step this release no longer knows stops the teardown rather than being forgotten', async () => {
    const w = world();
    const undone = await undoSteps(plan([w.step('a')]), [{ name: 'gone', output: { id: 'x' }, at: '2026-01-01T00:00:00.000Z' }], async () => undefined);
    expect(undone.failure?.step).toBe('gone');
    expect(undone.remaining).toHaveLength(1);
  });
});
