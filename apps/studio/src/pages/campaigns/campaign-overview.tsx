import type { CampaignDto, ContactState } from '@callplane/contracts';
import { Fragment, type ReactNode } from 'react';
import { useAgent } from '../../api/queries';
import { formatDate } from '../../components/format';
import { Link } from '../../router';
import { CONTACT_STATE_LABELS, OUTCOME_LABELS } from './campaign-labels';

/** How many contacts are in each state, as the campaign's last poll counted them. */
export function CampaignCounts({ counts }: { counts: CampaignDto['counts'] }) {
  return (
    <section className="card padded" aria-labelledby="counts-h">
      <h2 id="counts-h">Contact states</h2>
      <dl className="counts">
        <div>
          <dt>Total</dt>
          <dd>{counts.total}</dd>
        </div>
        {(Object.keys(CONTACT_STATE_LABELS) as ContactState[]).map((s) => (
          <div key={s}>
            <dt>{CONTACT_STATE_LABELS[s]}</dt>
            <dd>{counts[s]}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

const windowText = (w: CampaignDto['windows'][number]) => `${w.days.map((d) => d[0]!.toUpperCase() + d.slice(1)).join(', ')} ${w.start}–${w.end}`;

/** The campaign's settings, as the API holds them. */
export function CampaignSettings({ c }: { c: CampaignDto }) {
  const agent = useAgent(c.agent_id);
  const facts: Array<[string, ReactNode]> = [
    ['Agent', <Link href={`/agents/${c.agent_id}`}>{agent.data?.name ?? c.agent_id}</Link>],
    ['From numbers', <span className="mono">{c.from_numbers.join(', ')}</span>],
    ['Calling windows', `${c.windows.map(windowText).join('; ')} (${c.timezone})`],
    ['Recipient hours', c.recipient_hours ? `${c.recipient_hours.start}–${c.recipient_hours.end} in the recipient's time zone` : 'Off'],
    ['Concurrency', `${c.concurrency} calls at once`],
    ['Pace', c.max_calls_per_second == null ? 'No limit' : `${c.max_calls_per_second} new calls a second`],
    ['Retries', retryText(c.retry)],
    ['Start', c.start_at ? formatDate(c.start_at) : 'When launched'],
    ['End', c.end_at ? formatDate(c.end_at) : 'When every contact is done'],
    ['Webhook URL', c.webhook_url ?? 'None'],
    ['Launched', formatDate(c.launched_at)],
    ['Completed', formatDate(c.completed_at)],
  ];
  return (
    <section className="card padded" aria-labelledby="settings-h">
      <h2 id="settings-h">Settings</h2>
      <dl className="facts">
        {facts.map(([k, v]) => (
          <Fragment key={k}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </Fragment>
        ))}
      </dl>
    </section>
  );
}

function retryText(r: CampaignDto['retry']): string {
  if (r.max_attempts === 1 || r.on.length === 0) return 'One attempt per contact';
  return `Up to ${r.max_attempts} attempts, ${r.backoff_seconds} s apart, on ${r.on.map((o) => OUTCOME_LABELS[o].toLowerCase()).join(', ')}`;
}
