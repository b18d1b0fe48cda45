import type { AgentCreate, AgentDto, STT_PROVIDERS, TTS_PROVIDERS, WEEKDAYS } from '@callplane/contracts';
import { useState, type FormEvent } from 'react';
import { ApiError, errorMessage } from '../../api/api-client';
import { Checkbox, ErrorAlert, SelectField, TextArea, TextField } from '../../components/field';

type Weekday = (typeof WEEKDAYS)[number];
type OpenWindow = NonNullable<AgentCreate['after_hours']>['open'][number];

/** Labels for the contract's vendor lists; `Record` over its union keeps the two in step when a vendor is added. */
const TTS_LABELS: Record<(typeof TTS_PROVIDERS)[number], string> = { cartesia: 'Cartesia', elevenlabs: 'ElevenLabs', deepgram: 'Deepgram', openai: 'OpenAI', local: 'Local (offline)' };
const STT_LABELS: Record<(typeof STT_PROVIDERS)[number], string> = { deepgram: 'Deepgram', openai: 'OpenAI', local: 'Local (offline)' };
const DAY_LABELS: Record<Weekday, string> = { mon: 'Mon', tue: 'Tue', wed: 'Wed', thu: 'Thu', fri: 'Fri', sat: 'Sat', sun: 'Sun' };

/** A new agent's starting values: what API.md's example shows. */
export const NEW_AGENT: AgentCreate = {
  name: '',
  system_prompt: '',
  voice: {
    greeting: 'Hi, thanks for calling. How can I help you today?',
    tts: { provider: 'cartesia', model: 'sonic-2', voice: 'maya' },
    stt: { provider: 'deepgram', model: 'nova-2', language: 'en' },
    max_duration: 600,
    recording: false,
    transcription: true,
  },
  after_hours: null,
  status_webhook_url: null,
};

export const agentBody = (a: AgentDto): AgentCreate => ({
  name: a.name,
  system_prompt: a.system_prompt,
  voice: a.voice,
  after_hours: a.after_hours,
  status_webhook_url: a.status_webhook_url,
});

const DEFAULT_HOURS = { timezone: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC', open: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'] as Weekday[], start: '09:00', end: '18:00' }], message: "We're closed. Please call back during business hours." };

/**
 * Every field of an agent. The API validates; its `validation_failed` details are shown next to the field they
 * name (`voice.tts.model`, `after_hours.open.0.end`…), and anything not shown by a field above the button.
 */
export function AgentForm({ initial, onSave, saving, error }: { initial: AgentCreate; onSave: (body: AgentCreate) => void; saving: boolean; error: unknown }) {
  const [a, setA] = useState<AgentCreate>(initial);
  const issues = error instanceof ApiError ? error.fieldIssues : [];
  const shown = new Set<string>();
  const err = (field: string) => {
    const hit = issues.filter((i) => i.field === field || i.field.startsWith(`${field}.`));
    hit.forEach((i) => shown.add(i.field));
    return hit.length ? hit.map((i) => (i.field === field ? i.message : `${i.field.slice(field.length + 1)}: ${i.message}`)).join('; ') : undefined;
  };
  const voice = (patch: Partial<AgentCreate['voice']>) => setA({ ...a, voice: { ...a.voice, ...patch } });
  const hours = a.after_hours ?? null;
  const setHours = (patch: Partial<NonNullable<AgentCreate['after_hours']>>) => setA({ ...a, after_hours: { ...(hours ?? DEFAULT_HOURS), ...patch } });
  const setWindow = (i: number, w: Partial<OpenWindow>) => setHours({ open: (hours?.open ?? []).map((x, j) => (j === i ? { ...x, ...w } : x)) });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onSave({ ...a, status_webhook_url: a.status_webhook_url?.trim() ? a.status_webhook_url.trim() : null });
  };

  const fields = (
    <>
      <fieldset className="form-section">
        <legend>Agent</legend>
        <TextField label="Name" value={a.name} onChange={(e) => setA({ ...a, name: e.target.value })} error={err('name')} required />
        <TextArea label="System prompt" rows={8} value={a.system_prompt} onChange={(e) => setA({ ...a, system_prompt: e.target.value })} error={err('system_prompt')} hint="Context values of a call are available as {{customer_name}} and so on." />
        <TextArea label="Greeting" rows={2} value={a.voice.greeting} onChange={(e) => voice({ greeting: e.target.value })} error={err('voice.greeting')} />
      </fieldset>
      <fieldset className="form-section grid-3">
        <legend>Text to speech</legend>
        <SelectField label="TTS provider" value={a.voice.tts.provider} onChange={(e) => voice({ tts: { ...a.voice.tts, provider: e.target.value as AgentCreate['voice']['tts']['provider'] } })} options={Object.entries(TTS_LABELS).map(([value, label]) => ({ value, label }))} error={err('voice.tts.provider')} />
        <TextField label="TTS model" value={a.voice.tts.model} onChange={(e) => voice({ tts: { ...a.voice.tts, model: e.target.value } })} error={err('voice.tts.model')} />
        <TextField label="Voice" value={a.voice.tts.voice} onChange={(e) => voice({ tts: { ...a.voice.tts, voice: e.target.value } })} error={err('voice.tts.voice')} />
      </fieldset>
      <fieldset className="form-section grid-3">
        <legend>Speech to text</legend>
        <SelectField label="STT provider" value={a.voice.stt.provider} onChange={(e) => voice({ stt: { ...a.voice.stt, provider: e.target.value as AgentCreate['voice']['stt']['provider'] } })} options={Object.entries(STT_LABELS).map(([value, label]) => ({ value, label }))} error={err('voice.stt.provider')} />
        <TextField label="STT model" value={a.voice.stt.model} onChange={(e) => voice({ stt: { ...a.voice.stt, model: e.target.value } })} error={err('voice.stt.model')} />
        <TextField label="Language" value={a.voice.stt.language} onChange={(e) => voice({ stt: { ...a.voice.stt, language: e.target.value } })} error={err('voice.stt.language')} />
      </fieldset>
      <fieldset className="form-section">
        <legend>Calls</legend>
        <TextField label="Max duration (seconds)" type="number" inputMode="numeric" value={String(a.voice.max_duration)} onChange={(e) => voice({ max_duration: e.target.value === '' ? Number.NaN : Number(e.target.value) })} error={err('voice.max_duration')} hint="1 to 14400." />
        <Checkbox label="Recording" checked={a.voice.recording} onChange={(e) => voice({ recording: e.target.checked })} />
        <Checkbox label="Transcription" checked={a.voice.transcription} onChange={(e) => voice({ transcription: e.target.checked })} />
        <TextField label="Status webhook URL" type="url" placeholder="https://example.com/callplane" value={a.status_webhook_url ?? ''} onChange={(e) => setA({ ...a, status_webhook_url: e.target.value })} error={err('status_webhook_url')} />
      </fieldset>
      <fieldset className="form-section">
        <legend>After hours</legend>
        <Checkbox label="Answer only during opening hours" checked={!!hours} onChange={(e) => setA({ ...a, after_hours: e.target.checked ? DEFAULT_HOURS : null })} />
        {hours && (
          <>
            <TextField label="Time zone" value={hours.timezone} onChange={(e) => setHours({ timezone: e.target.value })} error={err('after_hours.timezone')} hint="An IANA name such as Asia/Kolkata." />
            {hours.open.map((w, i) => (
              <div className="window-row" key={i} role="group" aria-label={`Open hours ${i + 1}`}>
                <div className="days">
                  {(Object.keys(DAY_LABELS) as Weekday[]).map((d) => (
                    <Checkbox key={d} label={DAY_LABELS[d]} checked={w.days.includes(d)} onChange={(e) => setWindow(i, { days: e.target.checked ? [...w.days, d] : w.days.filter((x) => x !== d) })} />
                  ))}
                </div>
                <TextField label="Opens" type="time" value={w.start} onChange={(e) => setWindow(i, { start: e.target.value })} error={err(`after_hours.open.${i}.start`) ?? err(`after_hours.open.${i}.days`)} />
                <TextField label="Closes" type="time" value={w.end} onChange={(e) => setWindow(i, { end: e.target.value })} error={err(`after_hours.open.${i}.end`)} />
                <button type="button" className="button small ghost" onClick={() => setHours({ open: hours.open.filter((_, j) => j !== i) })} disabled={hours.open.length === 1}>
                  Remove
                </button>
              </div>
            ))}
            <button type="button" className="button small" onClick={() => setHours({ open: [...hours.open, { days: ['sat'], start: '10:00', end: '14:00' }] })}>
              Add hours
            </button>
            <TextArea label="After-hours message" rows={2} value={hours.message} onChange={(e) => setHours({ message: e.target.value })} error={err('after_hours.message')} />
          </>
        )}
      </fieldset>
    </>
  );
  const rest = issues.filter((i) => !shown.has(i.field));
  return (
    <form className="stack agent-form" onSubmit={submit} noValidate>
      {fields}
      <ErrorAlert error={error && (!(error instanceof ApiError) || issues.length === 0 || rest.length) ? errorMessage(error) : null} />
      {rest.length > 0 && (
        <ul className="field-error">
          {rest.map((i) => (
            <li key={i.field}>
              {i.field}: {i.message}
            </li>
          ))}
        </ul>
      )}
      <div className="form-actions">
        <button type="submit" className="button primary" disabled={saving}>
          {saving ? 'Saving…' : 'Save'}
        </button>
      </div>
    </form>
  );
}
