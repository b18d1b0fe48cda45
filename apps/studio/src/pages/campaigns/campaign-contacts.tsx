import type { CampaignDto, ContactState } from '@callplane/contracts';
import { useState } from 'react';
import { isOver, useCampaignContacts } from '../../api/queries';
import { QueryTable } from '../../components/data-table';
import { SelectField } from '../../components/field';
import { formatDate } from '../../components/format';
import { Link } from '../../router';
import { CONTACT_STATE_LABELS } from './campaign-labels';

/** The contacts in dialing order with where each stands (polled while the campaign runs), by state, a page at a time. */
export function CampaignContacts({ campaign }: { campaign: CampaignDto }) {
  const [state, setState] = useState<ContactState | ''>('');
  // The cursors of the pages before this one, to go back; the last is this page's.
  const [cursors, setCursors] = useState<string[]>([]);
  const contacts = useCampaignContacts(campaign.id, { state: state || undefined, cursor: cursors.at(-1), live: !isOver(campaign) });
  const next = contacts.data?.next_cursor;
  return (
    <section className="stack" aria-labelledby="contacts-h">
      <div className="page-header">
        <h2 id="contacts-h">Contacts</h2>
        <div className="page-actions">
          <SelectField
            label="Filter by state"
            value={state}
            onChange={(e) => (setState(e.target.value as ContactState | ''), setCursors([]))}
            options={[{ value: '', label: 'All' }, ...Object.entries(CONTACT_STATE_LABELS).map(([value, label]) => ({ value, label }))]}
          />
        </div>
      </div>
      <QueryTable
        query={contacts}
        label="Contacts"
        rowKey={(c) => c.id}
        empty={<p className="muted">{state ? `No contacts are ${CONTACT_STATE_LABELS[state].toLowerCase()}.` : 'No contacts yet: upload a CSV.'}</p>}
        columns={[
          { header: 'Number', cell: (c) => c.to_number, className: 'mono' },
          { header: 'State', cell: (c) => <span className="pill">{CONTACT_STATE_LABELS[c.state]}</span> },
          { header: 'Attempts', cell: (c) => c.attempts },
          { header: 'Next attempt', cell: (c) => (c.next_attempt_at ? formatDate(c.next_attempt_at) : '—') },
          { header: 'Last call', cell: (c) => (c.last_session_id ? <Link href={`/sessions/${c.last_session_id}`}>{c.last_outcome ?? 'View'}</Link> : '—') },
          { header: 'Context', cell: (c) => Object.entries(c.context).map(([k, v]) => `${k}: ${v}`).join(', ') || '—', className: 'small' },
        ]}
      />
      {(cursors.length > 0 || next) && (
        <div className="form-actions">
          <button type="button" className="button small" disabled={cursors.length === 0} onClick={() => setCursors(cursors.slice(0, -1))}>
            Previous page
          </button>
          <button type="button" className="button small" disabled={!next} onClick={() => next && setCursors([...cursors, next])}>
            Next page
          </button>
        </div>
      )}
    </section>
  );
}
