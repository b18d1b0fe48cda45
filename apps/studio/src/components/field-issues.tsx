import { ApiError, errorMessage, type FieldIssue } from '../api/api-client';
import { ErrorAlert } from './field';

/**
 * The API's `validation_failed` details for a form: each field asks for its own (`voice.tts.model`,
 * `windows.0.end`…) and shows them next to itself; whatever no field showed is listed above the form's button.
 */
export class FieldIssues {
  private readonly issues: FieldIssue[];
  private readonly shown = new Set<string>();

  constructor(readonly error: unknown) {
    this.issues = error instanceof ApiError ? error.fieldIssues : [];
  }

  /** The messages for `field` and the fields under it, joined; undefined when there are none. */
  for = (field: string): string | undefined => {
    const hit = this.issues.filter((i) => i.field === field || i.field.startsWith(`${field}.`));
    hit.forEach((i) => this.shown.add(i.field));
    return hit.length ? hit.map((i) => (i.field === field ? i.message : `${i.field.slice(field.length + 1)}: ${i.message}`)).join('; ') : undefined;
  };

  /** Issues no field has shown so far: read it after the fields have rendered. */
  rest(): FieldIssue[] {
    return this.issues.filter((i) => !this.shown.has(i.field));
  }

  /** Whether the error needs its own sentence: it is not a validation failure, or some of it no field showed. */
  needsMessage(): boolean {
    return !!this.error && (this.issues.length === 0 || this.rest().length > 0);
  }
}

/** The error of a form's last submit that its fields did not show; render it after the fields. */
export function FormErrors({ issues }: { issues: FieldIssues }) {
  const rest = issues.rest();
  return (
    <>
      <ErrorAlert error={issues.needsMessage() ? errorMessage(issues.error) : null} />
      {rest.length > 0 && (
        <ul className="field-error">
          {rest.map((i) => (
            <li key={i.field}>
              {i.field}: {i.message}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
