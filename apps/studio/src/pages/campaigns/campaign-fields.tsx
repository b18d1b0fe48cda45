import type { RetryableOutcome } from '@callplane/contracts';
import { useId } from 'react';
import { useAgents, usePhoneNumbers } from '../../api/queries';
import { Checkbox, SelectField, TextField } from '../../components/field';
import type { FieldIssues } from '../../components/field-issues';
import { TimeZoneField } from '../../components/time-zone-field';
import { WeeklyWindows } from '../../components/weekly-windows';
import { OUTCOME_LABELS } from './campaign-labels';
import type { CampaignDraft } from './campaign-draft';

/** Every field of a campaign's create body, each with the API's validation message for it. */
export function CampaignFields({ d, set, issues }: { d: CampaignDraft; set: (patch: Partial<CampaignDraft>) => void; issues: FieldIssues }) {
  const err = issues.for;
  const agents = useAgents();
  const numbers = usePhoneNumbers();
  const outbound = numbers.data?.data.filter((n) => n.outbound.enabled) ?? [];
  const retry = (patch: Partial<CampaignDraft['retry']>) => set({ retry: { ...d.retry, ...patch } });
  const fromError = err('from_numbers');
  const fromErrorId = useId();
  const retryOnError = err('retry.on');
  return (
    <>
      <fieldset className="form-section">
        <legend>Campaign</legend>
        <TextField label="Name" value={d.name} onChange={(e) => set({ name: e.target.value })} error={err('name')} required />
        <SelectField
          label="Agent"
          value={d.agent_id}
          onChange={(e) => set({ agent_id: e.target.value })}
          error={err('agent_id')}
          options={[{ value: '', label: agents.data ? 'Choose an agent' : 'Loading agents…' }, ...(agents.data?.data.map((a) => ({ value: a.id, label: a.name })) ?? [])]}
        />
        <fieldset className="choices" aria-describedby={fromError ? fromErrorId : undefined}>
          <legend>From numbers</legend>
          {numbers.data && outbound.length === 0 && <p className="muted small">None of your numbers can place calls yet: import one with outbound calling.</p>}
          {outbound.map((n) => (
            <Checkbox key={n.id} label={n.number} checked={d.from_numbers.includes(n.number)} onChange={(e) => set({ from_numbers: e.target.checked ? [...d.from_numbers, n.number] : d.from_numbers.filter((x) => x !== n.number) })} />
          ))}
          <span className="hint">Calls rotate among the numbers picked.</span>
          {fromError && (
            <span id={fromErrorId} className="field-error">
              {fromError}
            </span>
          )}
        </fieldset>
      </fieldset>
      <fieldset className="form-section">
        <legend>Calling windows</legend>
        <TimeZoneField value={d.timezone} onChange={(timezone) => set({ timezone })} error={err('timezone')} hint="The windows' time zone, an IANA name such as America/New_York." />
        <WeeklyWindows windows={d.windows} onChange={(windows) => set({ windows })} label="Calling window" labels={{ start: 'From', end: 'Until', add: 'Add window' }} added={{ days: ['sat'], start: '10:00', end: '14:00' }} field="windows" issues={issues} />
      </fieldset>
      <fieldset className="form-section">
        <legend>Recipient hours</legend>
        <Checkbox label="Call recipients only within their own hours" checked={!!d.recipient_hours} onChange={(e) => set({ recipient_hours: e.target.checked ? { start: '08:00', end: '21:00' } : null })} />
        {d.recipient_hours && (
          <div className="form-row">
            <TextField label="Not before" type="time" value={d.recipient_hours.start} onChange={(e) => set({ recipient_hours: { ...d.recipient_hours!, start: e.target.value } })} error={err('recipient_hours.start')} />
            <TextField label="Not after" type="time" value={d.recipient_hours.end} onChange={(e) => set({ recipient_hours: { ...d.recipient_hours!, end: e.target.value } })} error={err('recipient_hours.end')} hint="In the contact's time zone, else the one its number's region fixes, else the campaign's." />
          </div>
        )}
      </fieldset>
      <fieldset className="form-section grid-3">
        <legend>Pace</legend>
        <TextField label="Concurrency" type="number" inputMode="numeric" value={d.concurrency} onChange={(e) => set({ concurrency: e.target.value })} error={err('concurrency')} hint="Calls in progress at once, 1 to 1000." />
        <TextField label="Max calls per second" type="number" inputMode="decimal" step="any" value={d.max_calls_per_second} onChange={(e) => set({ max_calls_per_second: e.target.value })} error={err('max_calls_per_second')} hint="0.01 to 100; empty for no limit." />
      </fieldset>
      <fieldset className="form-section">
        <legend>Retries</legend>
        <div className="form-row">
          <TextField label="Max attempts" type="number" inputMode="numeric" value={d.retry.max_attempts} onChange={(e) => retry({ max_attempts: e.target.value })} error={err('retry.max_attempts')} hint="Per contact, the first included: 1 to 10." />
          <TextField label="Backoff (seconds)" type="number" inputMode="numeric" value={d.retry.backoff_seconds} onChange={(e) => retry({ backoff_seconds: e.target.value })} error={err('retry.backoff_seconds')} hint="Wait between attempts." />
        </div>
        <fieldset className="choices">
          <legend>Retry on</legend>
          {(Object.keys(OUTCOME_LABELS) as RetryableOutcome[]).map((o) => (
            <Checkbox key={o} label={OUTCOME_LABELS[o]} checked={d.retry.on.includes(o)} onChange={(e) => retry({ on: e.target.checked ? [...d.retry.on, o] : d.retry.on.filter((x) => x !== o) })} />
          ))}
          {retryOnError && <span className="field-error">{retryOnError}</span>}
        </fieldset>
      </fieldset>
      <fieldset className="form-section">
        <legend>Schedule</legend>
        <div className="form-row">
          <TextField label="Start at" type="datetime-local" value={d.start_at} onChange={(e) => set({ start_at: e.target.value })} error={err('start_at')} hint="Your local time; empty: as soon as it is launched." />
          <TextField label="End at" type="datetime-local" value={d.end_at} onChange={(e) => set({ end_at: e.target.value })} error={err('end_at')} hint="Contacts not done by then are canceled." />
        </div>
        <TextField label="Webhook URL" type="url" placeholder="https://example.com/callplane" value={d.webhook_url} onChange={(e) => set({ webhook_url: e.target.value })} error={err('webhook_url')} hint="Gets a signed POST when the campaign completes." />
      </fieldset>
    </>
  );
}
