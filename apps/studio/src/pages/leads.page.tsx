import { useLeads } from '../api/queries';
import { QueryTable } from '../components/data-table';
import { formatDate } from '../components/format';
import { PageHeader } from '../components/menu';

/** Callers captured from inbound calls. */
export function LeadsPage() {
  const leads = useLeads();
  return (
    <section>
      <PageHeader title="Leads" />
      <QueryTable
        query={leads}
        label="Leads"
        rowKey={(l) => l.number}
        empty={<p>No leads yet: every number that calls one of your agents appears here.</p>}
        columns={[
          { header: 'Number', cell: (l) => l.number, className: 'mono' },
          { header: 'Calls', cell: (l) => l.calls },
          { header: 'First seen', cell: (l) => formatDate(l.first_seen_at) },
          { header: 'Last seen', cell: (l) => formatDate(l.last_seen_at) },
        ]}
      />
    </section>
  );
}
