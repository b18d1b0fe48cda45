import type { AgentDto, AssignPhone } from '@callplane/contracts';
import * as Switch from '@radix-ui/react-switch';
import { useId, useState, type FormEvent } from 'react';
import { api, errorMessage } from '../../api/api-client';
import { keys, useApiMutation, usePhoneNumbers } from '../../api/queries';
import { ErrorAlert, SelectField, TextArea } from '../../components/field';
import { Link } from '../../router';

/** `Deploy` → `Phone`: the number that answers with this agent, its greeting, and whether it answers now. */
export function DeployPhone({ agent }: { agent: AgentDto }) {
  const numbers = usePhoneNumbers();
  const mine = numbers.data?.data.filter((n) => n.agent_id === agent.id) ?? [];
  const usable = numbers.data?.data.filter((n) => !n.agent_id || n.agent_id === agent.id) ?? [];
  const [phoneId, setPhoneId] = useState<string>('');
  const current = numbers.data?.data.find((n) => n.id === (phoneId || mine[0]?.id));
  const [greeting, setGreeting] = useState<string | null>(null);
  const [enabled, setEnabled] = useState<boolean | null>(null);
  const switchId = useId();
  const assign = useApiMutation((body: AssignPhone) => api('PUT', `/voice/agents/${encodeURIComponent(agent.id)}/phone`, body), [keys.numbers, keys.agents, keys.agent(agent.id)]);
  const unassign = useApiMutation((id: string) => api('DELETE', `/voice/agents/${encodeURIComponent(agent.id)}/phone/${encodeURIComponent(id)}`), [keys.numbers, keys.agents, keys.agent(agent.id)]);

  const greetingValue = greeting ?? current?.greeting ?? '';
  const enabledValue = enabled ?? (current?.agent_id === agent.id ? current.enabled : true);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!current) return;
    assign.mutate({ phone_id: current.id, enabled: enabledValue, ...(greetingValue.trim() ? { greeting: greetingValue.trim() } : {}) }, { onSuccess: () => (setGreeting(null), setEnabled(null)) });
  };

  return (
    <section aria-labelledby="deploy-phone" className="card padded">
      <h2 id="deploy-phone">Phone</h2>
      {numbers.data && usable.length === 0 ? (
        <p className="muted">
          No free number. <Link href="/phone-numbers">Add a phone number</Link> first.
        </p>
      ) : (
        <form className="stack narrow" onSubmit={submit}>
          <SelectField
            label="Phone number"
            value={current?.id ?? ''}
            onChange={(e) => (setPhoneId(e.target.value), setGreeting(null), setEnabled(null))}
            options={[{ value: '', label: 'Choose a number…', disabled: true }, ...usable.map((n) => ({ value: n.id, label: `${n.number}${n.agent_id === agent.id ? ' (this agent)' : ''}` }))]}
          />
          <TextArea label="Greeting" rows={2} value={greetingValue} onChange={(e) => setGreeting(e.target.value)} hint="Said when this number answers; empty uses the agent's greeting." />
          <div className="switch-row">
            <Switch.Root id={switchId} className="switch" checked={enabledValue} onCheckedChange={setEnabled}>
              <Switch.Thumb className="switch-thumb" />
            </Switch.Root>
            <label htmlFor={switchId}>Enable</label>
          </div>
          <ErrorAlert error={assign.error ? errorMessage(assign.error) : null} />
          {assign.isSuccess && (
            <p role="status" className="alert success">
              Deployed to {current?.number}.
            </p>
          )}
          <div className="form-actions">
            <button type="submit" className="button primary" disabled={!current || assign.isPending}>
              Save deployment
            </button>
          </div>
        </form>
      )}
      {mine.length > 0 && (
        <>
          <h3>Deployed numbers</h3>
          <ul className="plain-list">
            {mine.map((n) => (
              <li key={n.id}>
                <span className="mono">{n.number}</span> <span className={`pill ${n.enabled ? 'ok' : ''}`}>{n.enabled ? 'Enabled' : 'Disabled'}</span>{' '}
                <button type="button" className="button small ghost" onClick={() => unassign.mutate(n.id)}>
                  Unassign
                </button>
              </li>
            ))}
          </ul>
          <ErrorAlert error={unassign.error ? errorMessage(unassign.error) : null} />
        </>
      )}
    </section>
  );
}
