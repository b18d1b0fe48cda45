import type { ByokProviderName, PhoneNumberDto } from '@callplane/contracts';
import { useState } from 'react';
import { errorMessage } from '../../api/api-client';
import { useAgents, usePhoneNumbers } from '../../api/queries';
import { ErrorAlert } from '../../components/field';
import { Menu, PageHeader } from '../../components/menu';
import { Link } from '../../router';
import { ByokImportDialog } from './byok-import.dialog';
import { DeleteNumberDialog } from './delete-number.dialog';
import { ExistingNumberDialog } from './existing-number.dialog';
import { InboundSettingsDialog } from './inbound-settings.dialog';

type Open = { kind: 'byok'; provider: ByokProviderName } | { kind: 'existing' } | { kind: 'inbound' | 'delete'; number: PhoneNumberDto } | null;

const PROVIDER_NAMES: Record<PhoneNumberDto['provider'], string> = { twilio: 'Twilio', plivo: 'Plivo', exotel: 'Exotel', vobiz: 'Vobiz', sip: 'SIP' };

export function PhoneNumbersPage() {
  const numbers = usePhoneNumbers();
  const agents = useAgents();
  const [open, setOpen] = useState<Open>(null);
  const agentName = (id: string | null) => (id ? (agents.data?.data.find((a) => a.id === id)?.name ?? id) : null);
  const close = () => setOpen(null);
  return (
    <section>
      <PageHeader title="Phone Numbers">
        <Menu
          label="Add"
          primary
          items={[
            { label: 'Twilio', onSelect: () => setOpen({ kind: 'byok', provider: 'twilio' }) },
            { label: 'Vobiz', onSelect: () => setOpen({ kind: 'byok', provider: 'vobiz' }) },
            { label: 'Exotel BYOK', onSelect: () => setOpen({ kind: 'byok', provider: 'exotel' }) },
            { label: 'Plivo BYOK', onSelect: () => setOpen({ kind: 'byok', provider: 'plivo' }) },
            { label: 'Existing', onSelect: () => setOpen({ kind: 'existing' }) },
          ]}
        />
      </PageHeader>
      <ErrorAlert error={numbers.error ? errorMessage(numbers.error) : null} />
      {numbers.data && numbers.data.data.length === 0 && (
        <div className="empty card">
          <h2>No numbers yet</h2>
          <p className="muted">Add a number from your Twilio, Plivo, Exotel or Vobiz account, or any number whose carrier can call a webhook.</p>
        </div>
      )}
      {numbers.data && numbers.data.data.length > 0 && (
        <div className="table-wrap card">
          <table aria-label="Phone numbers">
            <thead>
              <tr>
                <th scope="col">Number</th>
                <th scope="col">Provider</th>
                <th scope="col">Agent</th>
                <th scope="col">Inbound</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {numbers.data.data.map((n) => (
                <tr key={n.id}>
                  <td className="mono">{n.number}</td>
                  <td>
                    {PROVIDER_NAMES[n.provider]} {n.byok && <span className="pill byok">BYOK</span>}
                  </td>
                  <td>{n.agent_id ? <Link href={`/agents/${n.agent_id}`}>{agentName(n.agent_id)}</Link> : <span className="muted">Not assigned</span>}</td>
                  <td>
                    <InboundStatus n={n} />
                  </td>
                  <td className="row-actions">
                    {n.byok && (
                      <button type="button" className="button small icon-label" aria-label="Inbound settings" title="Inbound settings" onClick={() => setOpen({ kind: 'inbound', number: n })}>
                        <span aria-hidden="true">⚙</span>
                      </button>
                    )}
                    <button type="button" className="button small danger-outline" onClick={() => setOpen({ kind: 'delete', number: n })}>
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {open?.kind === 'byok' && <ByokImportDialog provider={open.provider} onClose={close} />}
      {open?.kind === 'existing' && <ExistingNumberDialog onClose={close} />}
      {open?.kind === 'inbound' && <InboundSettingsDialog number={open.number} onClose={close} />}
      {open?.kind === 'delete' && <DeleteNumberDialog number={open.number} onClose={close} />}
    </section>
  );
}

/**
 * The first thing that keeps calls to the number from reaching an agent. Steps left at the carrier (`manual_steps`)
 * come before a missing agent: until they are done no call arrives, agent or not.
 */
function InboundStatus({ n }: { n: PhoneNumberDto }) {
  if (n.locked) return <span className="pill warn" title={n.locked.reason}>Locked</span>;
  if (n.state === 'needs_attention') return <span className="pill error" title={n.attention?.reason}>Needs attention</span>;
  if (!n.inbound.configured && (n.inbound.manual_steps || n.agent_id)) return <span className="pill warn">Setup needed</span>;
  if (!n.agent_id) return <span className="pill">No agent</span>;
  return <span className={`pill ${n.enabled ? 'ok' : ''}`}>{n.enabled ? 'Answering' : 'Disabled'}</span>;
}
