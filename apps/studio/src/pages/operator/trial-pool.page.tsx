import type { TRIAL_PROVIDERS, TrialNumberCreate, TrialNumberDto } from '@callplane/contracts';
import { useState, type FormEvent } from 'react';
import { api, errorMessage, fieldError } from '../../api/api-client';
import { operatorKeys, useTrialPool } from '../../api/operator-queries';
import { useApiMutation } from '../../api/queries';
import { ErrorAlert, SelectField, TextField } from '../../components/field';
import { formatDate } from '../../components/format';
import { PageHeader } from '../../components/menu';

type TrialProvider = (typeof TRIAL_PROVIDERS)[number];
/** Which numbers each carrier serves in the pool (API.md: +91 through Vobiz, +1 through Plivo). */
const PROVIDERS: Array<{ value: TrialProvider; label: string; domain: string }> = [
  { value: 'vobiz', label: 'Vobiz (+91 numbers)', domain: 'abc123.sip.vobiz.ai' },
  { value: 'plivo', label: 'Plivo (+1 numbers)', domain: '12345678.zt.plivo.com' },
];
const PROVIDER_LABEL: Record<string, string> = { vobiz: 'Vobiz', plivo: 'Plivo', sip: 'Sandbox' };

/** The platform's numbers for studio test calls, with the call holding each; add one with its carrier SIP trunk. */
export function TrialPoolPage() {
  const pool = useTrialPool();
  const [provider, setProvider] = useState<TrialProvider>('vobiz');
  const [added, setAdded] = useState<TrialNumberDto | null>(null);
  const add = useApiMutation((body: TrialNumberCreate) => api<TrialNumberDto>('POST', '/admin/trial-pool', body), [operatorKeys.trialPool]);
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const f = new FormData(form);
    const text = (name: string) => String(f.get(name) ?? '').trim();
    const body = { number: text('number'), provider, credentials: { sip_domain: text('sip_domain'), username: text('username'), password: String(f.get('password') ?? '') } };
    add.mutate(body, {
      onSuccess: (n) => {
        setAdded(n);
        form.reset();
      },
    });
  };
  const err = (field: string) => fieldError(add.error, field);
  return (
    <section>
      <PageHeader title="Trial pool" />
      <p className="muted">Studio test calls dial out from these numbers, one call per number at a time. Credentials are stored encrypted and never shown again.</p>
      <ErrorAlert error={pool.error ? errorMessage(pool.error) : null} />
      {pool.data && pool.data.data.length === 0 && (
        <div className="empty card">
          <h2>No trial numbers yet</h2>
          <p className="muted">Until one is added, studio test calls are refused.</p>
        </div>
      )}
      {pool.data && pool.data.data.length > 0 && (
        <div className="table-wrap card">
          <table aria-label="Trial numbers">
            <thead>
              <tr>
                <th scope="col">Number</th>
                <th scope="col">Provider</th>
                <th scope="col">Region</th>
                <th scope="col">In use by</th>
                <th scope="col">Added</th>
              </tr>
            </thead>
            <tbody>
              {pool.data.data.map((n) => (
                <tr key={n.id}>
                  <td className="mono">{n.number}</td>
                  <td>{PROVIDER_LABEL[n.provider] ?? n.provider}</td>
                  <td>{n.region}</td>
                  <td>
                    {n.in_use_by ? (
                      <>
                        <span className="mono">{n.in_use_by}</span>{' '}
                        <span className="muted small">since {formatDate(n.leased_at)}</span>
                      </>
                    ) : (
                      <span className="pill ok">Free</span>
                    )}
                  </td>
                  <td className="muted">{formatDate(n.created_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <section className="card padded" aria-labelledby="add-trial-h">
        <h2 id="add-trial-h">Add a number</h2>
        <form className="stack narrow" onSubmit={submit}>
          <TextField name="number" label="Phone number" placeholder="+919876543210" required inputMode="tel" error={err('number')} />
          <SelectField label="Provider" value={provider} onChange={(e) => setProvider(e.target.value as TrialProvider)} options={PROVIDERS} error={err('provider')} />
          <TextField
            name="sip_domain"
            label="SIP domain"
            placeholder={PROVIDERS.find((p) => p.value === provider)?.domain}
            hint="The carrier's outbound SIP trunk the number dials through."
            required
            error={err('credentials.sip_domain')}
          />
          <TextField name="username" label="SIP username" required autoComplete="off" error={err('credentials.username')} />
          <TextField name="password" label="SIP password" type="password" required autoComplete="new-password" error={err('credentials.password')} />
          <ErrorAlert error={add.error ? errorMessage(add.error) : null} />
          <div className="form-actions">
            <button type="submit" className="button primary" disabled={add.isPending}>
              Add number
            </button>
          </div>
          {added && (
            <p role="status" className="alert success">
              Added {added.number} to the pool.
            </p>
          )}
        </form>
      </section>
    </section>
  );
}
