import type { PhoneNumberDto } from '@callplane/contracts';
import { api, errorMessage } from '../../api/api-client';
import { keys, useApiMutation, usePhoneNumber } from '../../api/queries';
import { Dialog } from '../../components/dialog';
import { ErrorAlert } from '../../components/field';

/** `Delete` asks first, with the number's `delete_warning` (only `GET` of the one number carries it). */
export function DeleteNumberDialog({ number, onClose }: { number: PhoneNumberDto; onClose: () => void }) {
  const fresh = usePhoneNumber(number.id);
  const del = useApiMutation(() => api<void>('DELETE', `/voice/phone-numbers/${encodeURIComponent(number.id)}`), [keys.numbers, keys.agents]);
  const warning = fresh.data?.delete_warning;
  return (
    <Dialog open onOpenChange={(o) => !o && onClose()} title={`Delete ${number.number}?`} description="The number stops answering calls and leaves this workspace.">
      <div className="stack">
        {fresh.isPending && <p className="muted">Checking what deleting this number affects…</p>}
        {warning && (
          <p role="alert" className="alert warning">
            {warning}
          </p>
        )}
        <ErrorAlert error={del.error ? errorMessage(del.error) : fresh.error ? errorMessage(fresh.error) : null} />
        <div className="dialog-actions">
          <button type="button" className="button ghost" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="button danger" disabled={fresh.isPending || del.isPending} onClick={() => del.mutate(undefined, { onSuccess: onClose })}>
            {del.isPending ? 'Deleting…' : 'Delete'}
          </button>
        </div>
      </div>
    </Dialog>
  );
}
