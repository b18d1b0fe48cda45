import type { AnalyticsSummaryDto, CallDirection, CallType } from '@callplane/contracts';
import { useState } from 'react';
import { errorMessage } from '../../api/api-client';
import { useAgents, useSessions, useSummary } from '../../api/queries';
import { ErrorAlert, SelectField, TextField } from '../../components/field';
import { formatDate, formatDuration, formatMoney } from '../../components/format';
import { PageHeader } from '../../components/menu';
import { Link } from '../../router';

export const CALL_TYPE_LABELS: Record<CallType, string> = { production: 'Production', campaign: 'Campaign', studio_test: 'Studio test', scheduled: 'Scheduled' };
const DIRECTION_LABELS: Record<CallDirection, string> = { inbound: 'Inbound', outbound: 'Outbound', web: 'Web' };

/** A date input's day as the start of that day in the viewer's time zone, in ISO-8601. */
const dayStart = (d: string, plusDays = 0) => {
  if (!d) return undefined;
  const t = new Date(`${d}T00:00:00`);
  t.setDate(t.getDate() + plusDays);
  return t.toISOString();
};

export function SessionsPage() {
  const [f, setF] = useState({ call_type: '', direction: '', agent_id: '', since: '', until: '' });
  const agents = useAgents();
  const range = { since: dayStart(f.since), until: dayStart(f.until, 1) };
  const sessions = useSessions({ call_type: f.call_type || undefined, direction: f.direction || undefined, agent_id: f.agent_id || undefined, ...range });
  const summary = useSummary(range);
  const agentName = (id: string | null) => (id ? (agents.data?.data.find((a) => a.id === id)?.name ?? id) : '—');
  return (
    <section>
      <PageHeader title="Sessions" />
      {summary.data && <Summary s={summary.data} />}
      <form className="filters card padded" aria-label="Filter sessions" onSubmit={(e) => e.preventDefault()}>
        <SelectField label="Call type" value={f.call_type} onChange={(e) => setF({ ...f, call_type: e.target.value })} options={[{ value: '', label: 'All' }, ...Object.entries(CALL_TYPE_LABELS).map(([value, label]) => ({ value, label }))]} />
        <SelectField label="Direction" value={f.direction} onChange={(e) => setF({ ...f, direction: e.target.value })} options={[{ value: '', label: 'All' }, ...Object.entries(DIRECTION_LABELS).map(([value, label]) => ({ value, label }))]} />
        <SelectField label="Agent" value={f.agent_id} onChange={(e) => setF({ ...f, agent_id: e.target.value })} options={[{ value: '', label: 'All' }, ...(agents.data?.data.map((a) => ({ value: a.id, label: a.name })) ?? [])]} />
        <TextField label="From" type="date" value={f.since} onChange={(e) => setF({ ...f, since: e.target.value })} />
        <TextField label="To" type="date" value={f.until} onChange={(e) => setF({ ...f, until: e.target.value })} />
      </form>
      <ErrorAlert error={sessions.error ? errorMessage(sessions.error) : null} />
      {sessions.data && sessions.data.data.length === 0 && <p className="empty card">No sessions match.</p>}
      {sessions.data && sessions.data.data.length > 0 && (
        <div className="table-wrap card">
          <table aria-label="Sessions">
            <thead>
              <tr>
                <th scope="col">Started</th>
                <th scope="col">Type</th>
                <th scope="col">From → To</th>
                <th scope="col">Agent</th>
                <th scope="col">Status</th>
                <th scope="col">Duration</th>
                <th scope="col">Cost</th>
              </tr>
            </thead>
            <tbody>
              {sessions.data.data.map((s) => (
                <tr key={s.id}>
                  <td>
                    <Link href={`/sessions/${s.id}`}>{formatDate(s.started_at)}</Link>
                  </td>
                  <td>
                    {CALL_TYPE_LABELS[s.call_type]} <span className="muted">· {s.direction}</span>
                  </td>
                  <td className="mono">
                    {s.from_number} → {s.to_number}
                  </td>
                  <td>{agentName(s.agent_id)}</td>
                  <td>
                    <span className="pill">{s.status.replace('_', ' ')}</span>
                  </td>
                  <td className="mono">{formatDuration(s.duration_seconds)}</td>
                  <td className="mono">{formatMoney(s.cost.total, s.cost.currency)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function Summary({ s }: { s: AnalyticsSummaryDto }) {
  const bucket = (title: string, b: AnalyticsSummaryDto['paying']) => (
    <section className="stat card" aria-label={title}>
      <h2>{title}</h2>
      <dl>
        <div>
          <dt>Calls</dt>
          <dd>{b.calls}</dd>
        </div>
        <div>
          <dt>Minutes</dt>
          <dd>{b.telephony_minutes}</dd>
        </div>
        <div>
          <dt>Cost</dt>
          <dd>{formatMoney(b.cost.total, s.currency)}</dd>
        </div>
      </dl>
    </section>
  );
  return (
    <div className="stats">
      {bucket('Calls', s.paying)}
      {bucket('Studio test calls', s.studio_test)}
    </div>
  );
}
