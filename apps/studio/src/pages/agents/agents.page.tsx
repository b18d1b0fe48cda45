import { errorMessage } from '../../api/api-client';
import { useAgents, usePhoneNumbers } from '../../api/queries';
import { ErrorAlert } from '../../components/field';
import { formatDate } from '../../components/format';
import { PageHeader } from '../../components/menu';
import { Link } from '../../router';

export function AgentsPage() {
  const agents = useAgents();
  const numbers = usePhoneNumbers();
  const numberOf = (id: string) => numbers.data?.data.find((n) => n.id === id)?.number ?? id;
  return (
    <section>
      <PageHeader title="Agents">
        <Link className="button primary" href="/agents/new">
          New agent
        </Link>
      </PageHeader>
      <ErrorAlert error={agents.error ? errorMessage(agents.error) : null} />
      {agents.data && agents.data.data.length === 0 && (
        <div className="empty card">
          <h2>No agents yet</h2>
          <p className="muted">An agent is a prompt, a voice and the rules of its calls. Create one, then deploy it to a phone number.</p>
        </div>
      )}
      {agents.data && agents.data.data.length > 0 && (
        <div className="table-wrap card">
          <table aria-label="Agents">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Voice</th>
                <th scope="col">Phone numbers</th>
                <th scope="col">Updated</th>
              </tr>
            </thead>
            <tbody>
              {agents.data.data.map((a) => (
                <tr key={a.id}>
                  <td>
                    <Link href={`/agents/${a.id}`}>{a.name}</Link>
                  </td>
                  <td className="muted">
                    {a.voice.tts.provider} · {a.voice.tts.voice}
                  </td>
                  <td className="mono">{a.phone_numbers.length ? a.phone_numbers.map(numberOf).join(', ') : <span className="muted">—</span>}</td>
                  <td className="muted">{formatDate(a.updated_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
