import { useAgents, usePhoneNumbers } from '../../api/queries';
import { QueryTable } from '../../components/data-table';
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
      <QueryTable
        query={agents}
        label="Agents"
        rowKey={(a) => a.id}
        empty={
          <>
            <h2>No agents yet</h2>
            <p className="muted">An agent is a prompt, a voice and the rules of its calls. Create one, then deploy it to a phone number.</p>
          </>
        }
        columns={[
          { header: 'Name', cell: (a) => <Link href={`/agents/${a.id}`}>{a.name}</Link> },
          { header: 'Voice', cell: (a) => `${a.voice.tts.provider} · ${a.voice.tts.voice}`, className: 'muted' },
          { header: 'Phone numbers', cell: (a) => (a.phone_numbers.length ? a.phone_numbers.map(numberOf).join(', ') : <span className="muted">—</span>), className: 'mono' },
          { header: 'Updated', cell: (a) => formatDate(a.updated_at), className: 'muted' },
        ]}
      />
    </section>
  );
}
