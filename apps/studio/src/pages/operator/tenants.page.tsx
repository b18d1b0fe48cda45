import type { TenantDto } from '@callplane/contracts';
import { useState, type FormEvent } from 'react';
import { api, errorMessage, fieldError } from '../../api/api-client';
import { operatorKeys, useTenants } from '../../api/operator-queries';
import { useApiMutation } from '../../api/queries';
import { ErrorAlert, TextField } from '../../components/field';
import { formatDate } from '../../components/format';
import { PageHeader } from '../../components/menu';
import { Link } from '../../router';

/** Every tenant, newest first, and a form to create one; a tenant's page has its users and their API keys. */
export function TenantsPage() {
  const tenants = useTenants();
  const [created, setCreated] = useState<TenantDto | null>(null);
  const create = useApiMutation((name: string) => api<TenantDto>('POST', '/admin/tenants', { name }), [operatorKeys.tenants]);
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    create.mutate(String(new FormData(form).get('name') ?? '').trim(), {
      onSuccess: (t) => {
        setCreated(t);
        form.reset();
      },
    });
  };
  return (
    <section>
      <PageHeader title="Tenants" />
      <section className="card padded" aria-labelledby="new-tenant-h">
        <h2 id="new-tenant-h">New tenant</h2>
        <form className="stack narrow" onSubmit={submit}>
          <TextField name="name" label="Tenant name" placeholder="Acme Inc." required maxLength={200} error={create.error ? fieldError(create.error, 'name') : undefined} />
          <ErrorAlert error={create.error ? errorMessage(create.error) : null} />
          <div className="form-actions">
            <button type="submit" className="button primary" disabled={create.isPending}>
              Create tenant
            </button>
          </div>
          {created && (
            <p role="status" className="alert success">
              Created {created.name}. <Link href={`/tenants/${created.id}`}>Add its first user</Link>
            </p>
          )}
        </form>
      </section>
      <ErrorAlert error={tenants.error ? errorMessage(tenants.error) : null} />
      {tenants.data && tenants.data.data.length === 0 && (
        <div className="empty card">
          <h2>No tenants yet</h2>
          <p className="muted">A tenant is one customer: its users sign in with their own API keys and see only its agents, numbers and calls.</p>
        </div>
      )}
      {tenants.data && tenants.data.data.length > 0 && (
        <div className="table-wrap card">
          <table aria-label="Tenants">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">ID</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {tenants.data.data.map((t) => (
                <tr key={t.id}>
                  <td>
                    <Link href={`/tenants/${t.id}`}>{t.name}</Link>
                  </td>
                  <td className="mono">{t.id}</td>
                  <td className="muted">{formatDate(t.created_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

