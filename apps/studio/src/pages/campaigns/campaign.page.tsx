import { errorMessage } from '../../api/api-client';
import { isOver, useCampaign } from '../../api/queries';
import { ErrorAlert } from '../../components/field';
import { PageHeader } from '../../components/menu';
import { Link } from '../../router';
import { CampaignActions, useCampaignAction } from './campaign-actions';
import { CampaignContacts } from './campaign-contacts';
import { CampaignCounts, CampaignSettings } from './campaign-overview';
import { CampaignStatus } from './campaign-status';
import { ResultsLink } from './results-link';
import { UploadContacts } from './upload-contacts';

/** One campaign: its status and live counts (polled until it is over), actions, contacts, upload and results. */
export function CampaignPage({ id }: { id: string }) {
  const campaign = useCampaign(id);
  const act = useCampaignAction(id);
  const c = campaign.data;
  return (
    <section>
      <p className="breadcrumb">
        <Link href="/campaigns">← Campaigns</Link>
      </p>
      {!c ? (
        campaign.error ? <ErrorAlert error={errorMessage(campaign.error)} /> : <p className="muted">Loading…</p>
      ) : (
        <>
          <PageHeader title={c.name}>
            <CampaignActions campaign={c} act={act} />
            <ResultsLink campaign={c} />
          </PageHeader>
          <p role="status" className="campaign-status">
            Status: <CampaignStatus status={c.status} />
          </p>
          <ErrorAlert error={act.error ? errorMessage(act.error) : campaign.error ? errorMessage(campaign.error) : null} />
          <CampaignCounts counts={c.counts} />
          <div className="detail-grid">
            {!isOver(c) && <UploadContacts campaign={c} />}
            <CampaignSettings c={c} />
          </div>
          <CampaignContacts campaign={c} />
        </>
      )}
    </section>
  );
}
