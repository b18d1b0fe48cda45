import type { UserDto } from '@callplane/contracts';
import { api, errorMessage } from '../../api/api-client';
import { operatorKeys, tenantPath } from '../../api/operator-queries';
import { useApiMutation } from '../../api/queries';
import { Dialog } from '../../components/dialog';
import { ErrorAlert } from '../../components/field';

/** Revoking a user's API key asks first: from then on the key is refused. */
export function RevokeUserDialog({ tenantId, user, onClose }: { tenantId: string; user: UserDto; onClose: () => void }) {
  const revoke = useApiMutation(() => api<UserDto>('POST', `${tenantPath(tenantId)}/users/${encodeURIComponent(user.id)}/revoke`), [operatorKeys.users(tenantId)]);
  return (
    <Dialog open onOpenChange={(o) => !o && onClose()} title={`Revoke ${user.email}?`} description="Their API key stops working at once: the studio and the API refuse it. This cannot be undone.">
      <div className="stack">
        <ErrorAlert error={revoke.error ? errorMessage(revoke.error) : null} />
        <div className="dialog-actions">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="button danger" disabled={revoke.isPending} onClick={() => revoke.mutate(undefined, { onSuccess: onClose })}>
            Revoke
          </button>
        </div>
      </div>
    </Dialog>
  );
}
