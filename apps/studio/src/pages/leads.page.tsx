import { errorMessage } from '../api/api-client';
import { useLeads } from '../api/queries';
import { ErrorAlert } from '../components/field';
import { formatDate } from '../components/format';
import { PageHeader } from '../components/menu';

/** Callers captured from inbound calls. */
export function LeadsPage() {
  const leads = useLeads();
  return (
    <section>
      <PageHeader title="Leads" />
      <ErrorAlert error={leads.error ? errorMessage(leads.error) : null} />
      {leads.data && leads.data.data.length === 0 && <p className="empty card">No leads yet: every number that calls one of your agents appears here.</p>}
      {leads.data && leads.data.data.length > 0 && (
        <div className="table-wrap card">
          <table aria-label="Leads">
            <thead>
              <tr>
                <th scope="col">Number</th>
                <th scope="col">Calls</th>
                <th scope="col">First seen</th>
                <th scope="col">Last seen</th>
              </tr>
            </thead>
            <tbody>
              {leads.data.data.map((l) => (
                <tr key={l.number}>
                  <td className="mono">{l.number}</td>
                  <td>{l.calls}</td>
                  <td>{formatDate(l.first_seen_at)}</td>
                  <td>{formatDate(l.last_seen_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
