import type { AgentCreate, AgentDto, STT_PROVIDERS, TTS_PROVIDERS } from '@callplane/contracts';
import { useState, type FormEvent } from 'react';
import { Checkbox, SelectField, TextArea, TextField } from '../../components/field';
import { FieldIssues, FormErrors } from '../../components/field-issues';
import { browserTimeZone, TimeZoneField } from '../../components/time-zone-field';
import { WeeklyWindows, type WeeklyWindow } from '../../components/weekly-windows';

/** Labels for the contract's vendor lists; `Record` over its union keeps the two in step when a vendor is added. */
const TTS_LABELS: Record<(typeof TTS_PROVIDERS)[number], string> = { cartesia: 'Cartesia', elevenlabs: 'ElevenLabs', deepgram: 'Deepgram', openai: 'OpenAI', local: 'Local (offline)' };
const STT_LABELS: Record<(typeof STT_PROVIDERS)[number], string> = { deepgram: 'Deepgram', openai: 'OpenAI', local: 'Local (offline)' };

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

const DEFAULT_HOURS = { timezone: browserTimeZone(), open: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '18:00' }] as WeeklyWindow[], message: "We're closed. Please call back during business hours." };

/**
 * Every field of an agent. The API validates; its `validation_failed` details are shown next to the field they
 * name (`voice.tts.model`, `after_hours.open.0.end`…), and anything not shown by a field above the button.
 */
export function AgentForm({ initial, onSave, saving, error }: { initial: AgentCreate; onSave: (body: AgentCreate) => void; saving: boolean; error: unknown }) {
  const [a, setA] = useState<AgentCreate>(initial);
  const issues = new FieldIssues(error);
  const err = issues.for;
  const voice = (patch: Partial<AgentCreate['voice']>) => setA({ ...a, voice: { ...a.voice, ...patch } });
  const hours = a.after_hours ?? null;
  const setHours = (patch: Partial<NonNullable<AgentCreate['after_hours']>>) => setA({ ...a, after_hours: { ...(hours ?? DEFAULT_HOURS), ...patch } });
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
            <TimeZoneField value={hours.timezone} onChange={(timezone) => setHours({ timezone })} error={err('after_hours.timezone')} />
            <WeeklyWindows
              windows={hours.open}
              onChange={(open) => setHours({ open })}
              label="Open hours"
              labels={{ start: 'Opens', end: 'Closes', add: 'Add hours' }}
              added={{ days: ['sat'], start: '10:00', end: '14:00' }}
              field="after_hours.open"
              issues={issues}
            />
            <TextArea label="After-hours message" rows={2} value={hours.message} onChange={(e) => setHours({ message: e.target.value })} error={err('after_hours.message')} />
          </>
        )}
      </fieldset>
    </>
  );
  return (
    <form className="stack agent-form" onSubmit={submit} noValidate>
      {fields}
      <FormErrors issues={issues} />
      <div className="form-actions">
        <button type="submit" className="button primary" disabled={saving}>
          {saving ? 'Saving…' : 'Save'}
        </button>
      </div>
    </form>
  );
}
