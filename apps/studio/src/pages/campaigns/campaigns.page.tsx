import { useState } from 'react';
import { useCampaigns } from '../../api/queries';
import { QueryTable } from '../../components/data-table';
import { formatDate } from '../../components/format';
import { PageHeader } from '../../components/menu';
import { Link } from '../../router';
import { doneCount } from './campaign-labels';
import { CampaignStatus } from './campaign-status';
import { NewCampaignDialog } from './new-campaign.dialog';

/** The tenant's campaigns, newest first, with their status and progress (polled). */
export function CampaignsPage() {
  const campaigns = useCampaigns();
  const [creating, setCreating] = useState(false);
  return (
    <section>
      <PageHeader title="Campaigns">
        <button type="button" className="button primary" onClick={() => setCreating(true)}>
          New campaign
        </button>
      </PageHeader>
      <QueryTable
        query={campaigns}
        label="Campaigns"
        rowKey={(c) => c.id}
        empty={
          <>
            <h2>No campaigns yet</h2>
            <p className="muted">A campaign calls a list of contacts with one agent, inside calling windows, at the pace you set. Create one, upload its contacts, then launch it.</p>
          </>
        }
        columns={[
          { header: 'Name', cell: (c) => <Link href={`/campaigns/${c.id}`}>{c.name}</Link> },
          { header: 'Status', cell: (c) => <CampaignStatus status={c.status} /> },
          { header: 'Progress', cell: (c) => `${doneCount(c.counts)} of ${c.counts.total} done`, className: 'mono' },
          { header: 'Created', cell: (c) => formatDate(c.created_at), className: 'muted' },
        ]}
      />
      {creating && <NewCampaignDialog onClose={() => setCreating(false)} />}
    </section>
  );
}
