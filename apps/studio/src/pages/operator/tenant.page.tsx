import type { UserCreatedDto, UserDto } from '@callplane/contracts';
import { useState, type FormEvent } from 'react';
import { api, errorMessage, fieldError } from '../../api/api-client';
import { operatorKeys, tenantPath, useTenants, useTenantUsers } from '../../api/operator-queries';
import { useApiMutation } from '../../api/queries';
import { ErrorAlert, TextField } from '../../components/field';
import { formatDate } from '../../components/format';
import { PageHeader } from '../../components/menu';
import { Link } from '../../router';
import { ApiKeyOnceDialog } from './api-key-once.dialog';
import { RevokeUserDialog } from './revoke-user.dialog';

/** One tenant's users: create one (its API key is shown once), see each key's last characters, revoke a key. */
export function TenantPage({ id }: { id: string }) {
  const tenants = useTenants();
  const users = useTenantUsers(id);
  const [issued, setIssued] = useState<UserCreatedDto | null>(null);
  const [revoking, setRevoking] = useState<UserDto | null>(null);
  const create = useApiMutation((email: string) => api<UserCreatedDto>('POST', `${tenantPath(id)}/users`, { email }), [operatorKeys.users(id)]);
  const name = tenants.data?.data.find((t) => t.id === id)?.name;
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    create.mutate(String(new FormData(form).get('email') ?? '').trim(), {
      onSuccess: (u) => {
        setIssued(u);
        form.reset();
      },
    });
  };
  return (
    <section>
      <p className="breadcrumb">
        <Link href="/tenants">Tenants</Link>
      </p>
      <PageHeader title={name ?? id} />
      <p className="muted mono">{id}</p>
      <section className="card padded" aria-labelledby="new-user-h">
        <h2 id="new-user-h">New user</h2>
        <form className="stack narrow" onSubmit={submit}>
          <TextField name="email" label="Email" type="email" placeholder="ops@example.com" required autoComplete="off" error={fieldError(create.error, 'email')} />
          <ErrorAlert error={create.error ? errorMessage(create.error) : null} />
          <div className="form-actions">
            <button type="submit" className="button primary" disabled={create.isPending}>
              Create user
            </button>
          </div>
        </form>
      </section>
      <ErrorAlert error={users.error ? errorMessage(users.error) : null} />
      {users.data && users.data.data.length === 0 && (
        <div className="empty card">
          <h2>No users yet</h2>
          <p className="muted">Each user gets an API key to sign in to the studio and call the API as this tenant.</p>
        </div>
      )}
      {users.data && users.data.data.length > 0 && (
        <div className="table-wrap card">
          <table aria-label="Users">
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">API key</th>
                <th scope="col">Created</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {users.data.data.map((u) => (
                <tr key={u.id}>
                  <td>{u.email}</td>
                  <td className="mono">{u.api_key_hint}</td>
                  <td className="muted">{formatDate(u.created_at)}</td>
                  <td>{u.revoked_at ? <span className="pill error">Revoked {formatDate(u.revoked_at)}</span> : <span className="pill ok">Active</span>}</td>
                  <td className="row-actions">
                    {!u.revoked_at && (
                      <button type="button" className="button small danger-outline" onClick={() => setRevoking(u)}>
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {issued && <ApiKeyOnceDialog user={issued} onClose={() => setIssued(null)} />}
      {revoking && <RevokeUserDialog tenantId={id} user={revoking} onClose={() => setRevoking(null)} />}
    </section>
  );
}
