import type { UserCreatedDto } from '@callplane/contracts';
import { CopyButton } from '../../components/copy-button';
import { Dialog } from '../../components/dialog';

/**
 * A new user's API key, the one time the API shows it (`POST /admin/tenants/{id}/users`): with Copy, and gone from
 * the page once the dialog closes (the users list shows only its last characters).
 */
export function ApiKeyOnceDialog({ user, onClose }: { user: UserCreatedDto; onClose: () => void }) {
  return (
    <Dialog open onOpenChange={(o) => !o && onClose()} title="API key" description={`The API key of ${user.email}.`}>
      <div className="stack">
        <p role="alert" className="alert warning">
          This key is shown only now. Copy it and hand it to the user: it cannot be shown again.
        </p>
        <div className="secret-row">
          <code className="code-line" aria-label="New API key">
            {user.api_key}
          </code>
          <CopyButton text={user.api_key} />
        </div>
        <div className="dialog-actions">
          <button type="button" className="button primary" onClick={onClose}>
            Done
          </button>
        </div>
      </div>
    </Dialog>
  );
}
