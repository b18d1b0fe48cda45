import type { WEEKDAYS } from '@callplane/contracts';
import { Checkbox, TextField } from './field';
import type { FieldIssues } from './field-issues';

type Weekday = (typeof WEEKDAYS)[number];
export interface WeeklyWindow {
  days: Weekday[];
  start: string;
  end: string;
}

const DAY_LABELS: Record<Weekday, string> = { mon: 'Mon', tue: 'Tue', wed: 'Wed', thu: 'Thu', fri: 'Fri', sat: 'Sat', sun: 'Sun' };

/**
 * Weekly time windows (an agent's open hours, a campaign's calling windows): days, a start and an end each, one
 * group per window named `{label} {n}`. `field` is the list's path in the API's validation details.
 */
export function WeeklyWindows(props: {
  windows: WeeklyWindow[];
  onChange: (windows: WeeklyWindow[]) => void;
  label: string;
  labels: { start: string; end: string; add: string };
  added: WeeklyWindow;
  field: string;
  issues: FieldIssues;
}) {
  const { windows, onChange, labels, issues } = props;
  const set = (i: number, w: Partial<WeeklyWindow>) => onChange(windows.map((x, j) => (j === i ? { ...x, ...w } : x)));
  const joined = (...parts: Array<string | undefined>) => parts.filter(Boolean).join('; ') || undefined;
  return (
    <>
      {windows.map((w, i) => (
        <div className="window-row" key={i} role="group" aria-label={`${props.label} ${i + 1}`}>
          <div className="days">
            {(Object.keys(DAY_LABELS) as Weekday[]).map((d) => (
              <Checkbox key={d} label={DAY_LABELS[d]} checked={w.days.includes(d)} onChange={(e) => set(i, { days: e.target.checked ? [...w.days, d] : w.days.filter((x) => x !== d) })} />
            ))}
          </div>
          <TextField label={labels.start} type="time" value={w.start} onChange={(e) => set(i, { start: e.target.value })} error={joined(issues.for(`${props.field}.${i}.start`), issues.for(`${props.field}.${i}.days`))} />
          <TextField label={labels.end} type="time" value={w.end} onChange={(e) => set(i, { end: e.target.value })} error={issues.for(`${props.field}.${i}.end`)} />
          <button type="button" className="button small ghost" onClick={() => onChange(windows.filter((_, j) => j !== i))} disabled={windows.length === 1}>
            Remove
          </button>
        </div>
      ))}
      <button type="button" className="button small" onClick={() => onChange([...windows, props.added])}>
        {labels.add}
      </button>
    </>
  );
}
