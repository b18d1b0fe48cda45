import type { CampaignDto } from '@callplane/contracts';
import { api, errorMessage } from '../api/api-client';
import { apiKeyStore } from '../api/api-key';
import { keys, useApiMutation, useCampaigns } from '../api/queries';
import { ErrorAlert } from '../components/field';
import { formatDate } from '../components/format';
import { PageHeader } from '../components/menu';

type Action = 'launch' | 'pause' | 'resume' | 'cancel';
/** The actions each status allows (API.md, Campaigns); the API refuses any other with 409. */
const ACTIONS: Record<CampaignDto['status'], Action[]> = { draft: ['launch'], scheduled: ['pause', 'cancel'], running: ['pause', 'cancel'], paused: ['resume', 'cancel'], completed: [], canceled: [] };
const ACTION_LABELS: Record<Action, string> = { launch: 'Launch', pause: 'Pause', resume: 'Resume', cancel: 'Cancel' };

/** Campaigns with live counts (polled), their actions and results. */
export function CampaignsPage() {
  const campaigns = useCampaigns();
  const act = useApiMutation((v: { id: string; action: Action }) => api<CampaignDto>('POST', `/voice/campaigns/${encodeURIComponent(v.id)}/${v.action}`), [keys.campaigns]);
  return (
    <section>
      <PageHeader title="Campaigns" />
      <ErrorAlert error={campaigns.error ? errorMessage(campaigns.error) : act.error ? errorMessage(act.error) : null} />
      {campaigns.data && campaigns.data.data.length === 0 && <p className="empty card">No campaigns yet. Create one with POST /voice/campaigns; creating and uploading from here is next.</p>}
      {campaigns.data?.data.map((c) => (
        <article key={c.id} className="card padded campaign" aria-labelledby={`cmp-${c.id}`}>
          <header className="campaign-header">
            <h2 id={`cmp-${c.id}`}>{c.name}</h2>
            <span className="pill">{c.status}</span>
            <span className="muted small">created {formatDate(c.created_at)}</span>
            <div className="page-actions">
              {ACTIONS[c.status].map((a) => (
                <button key={a} type="button" className={`button small${a === 'launch' ? ' primary' : ''}`} disabled={act.isPending} onClick={() => act.mutate({ id: c.id, action: a })}>
                  {ACTION_LABELS[a]}
                </button>
              ))}
              <button type="button" className="button small ghost" onClick={() => void downloadResults(c)}>
                Results CSV
              </button>
            </div>
          </header>
          <dl className="counts">
            {Object.entries(c.counts).map(([k, v]) => (
              <div key={k}>
                <dt>{k.replace('_', ' ')}</dt>
                <dd>{v}</dd>
              </div>
            ))}
          </dl>
        </article>
      ))}
    </section>
  );
}

/** The results need the bearer key, so a plain link cannot fetch them: download through fetch and a blob. */
async function downloadResults(c: CampaignDto) {
  const res = await fetch(`/voice/campaigns/${encodeURIComponent(c.id)}/results.csv`, { headers: { Authorization: `Bearer ${apiKeyStore.get() ?? ''}` } });
  if (!res.ok) return;
  const url = URL.createObjectURL(await res.blob());
  const a = Object.assign(document.createElement('a'), { href: url, download: `${c.name}-results.csv` });
  a.click();
  URL.revokeObjectURL(url);
}
