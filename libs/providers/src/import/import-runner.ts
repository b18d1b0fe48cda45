import type { ImportPlan, StepOutputs, StepRecord } from './import-plan';

/** Where the runner writes progress: after every step, before the next one starts. */
export type StepJournal = (records: StepRecord[]) => Promise<void>;

export interface ImportRun {
  records: StepRecord[];
  /** Best-effort steps that failed: the import stands, the customer has a manual step. */
  skipped: Array<{ name: string; error: unknown }>;
}

/** Step `step` failed; `records` are the steps that had run (already journaled), newest last. */
export class ImportStepFailed extends Error {
  override readonly name = 'ImportStepFailed';
  constructor(
    readonly step: string,
    override readonly cause: unknown,
    readonly records: StepRecord[],
  ) {
    super(`Import step ${step} failed: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

const outputsOf = (records: StepRecord[]): StepOutputs => Object.fromEntries(records.map((r) => [r.name, r.output]));

/**
 * Runs the plan's steps in order, journaling after each one so a crash leaves an exact list of what exists.
 * Resumes after `done` (records of an earlier, interrupted run of the same plan). Throws `ImportStepFailed`;
 * undoing is the caller's decision (`undoSteps`).
 */
export async function runImport(plan: ImportPlan, journal: StepJournal, done: StepRecord[] = [], now: () => Date = () => new Date()): Promise<ImportRun> {
  const records = [...done];
  const skipped: ImportRun['skipped'] = [];
  for (const step of plan.steps) {
    if (records.some((r) => r.name === step.name)) continue;
    try {
      const output = (await step.run(outputsOf(records))) ?? {};
      records.push({ name: step.name, output, at: now().toISOString() });
      await journal([...records]);
    } catch (err) {
      if (step.bestEffort) {
        skipped.push({ name: step.name, error: err });
        continue;
      }
      throw new ImportStepFailed(step.name, err, [...records]);
    }
  }
  return { records, skipped };
}

export interface UndoResult {
  /** Steps still in place (newest last): empty when everything was removed. */
  remaining: StepRecord[];
  /** Why undoing stopped, when `remaining` is not empty. */
  failure?: { step: string; error: unknown };
}

/**
 * Undoes recorded steps newest first, journaling after each so a retry carries on where this stopped. Stops at
 * the first failure: later (older) resources may be what the failed one depends on (a trunk under its rule).
 */
export async function undoSteps(plan: ImportPlan, records: StepRecord[], journal: StepJournal): Promise<UndoResult> {
  const remaining = [...records];
  while (remaining.length > 0) {
    const record = remaining[remaining.length - 1]!;
    const step = plan.steps.find((s) => s.name === record.name);
    if (!step) {
      return { remaining, failure: { step: record.name, error: new Error(`no step named ${record.name} in this release's plan; remove it by hand`) } };
    }
    try {
      await step.undo?.(record.output, outputsOf(remaining));
    } catch (error) {
      return { remaining, failure: { step: record.name, error } };
    }
    remaining.pop();
    await journal([...remaining]);
  }
  return { remaining };
}
