import type { PhoneNumberDto } from '@callplane/contracts';
import { useState, type FormEvent } from 'react';
import { api, errorMessage } from '../../api/api-client';
import { keys, useApiMutation } from '../../api/queries';
import { CopyButton } from '../../components/copy-button';
import { Dialog } from '../../components/dialog';
import { ErrorAlert, TextField } from '../../components/field';

/** `Existing`: a number on any carrier that sends Twilio-style webhooks; the answer gives the webhook URL to paste there. */
export function ExistingNumberDialog({ onClose }: { onClose: () => void }) {
  const [created, setCreated] = useState<PhoneNumberDto | null>(null);
  const add = useApiMutation((body: { number: string; signing_secret?: string }) => api<PhoneNumberDto>('POST', '/voice/phone-numbers', body), [keys.numbers]);
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    const secret = String(data.get('signing_secret') ?? '').trim();
    add.mutate({ number: String(data.get('number') ?? '').trim(), ...(secret ? { signing_secret: secret } : {}) }, { onSuccess: setCreated });
  };
  return (
    <Dialog open onOpenChange={(o) => !o && onClose()} title="Existing number" description="Bring a number from any carrier: point its voice webhook at the URL shown next.">
      {created ? (
        <div className="stack">
          <p role="status" className="alert success">
            Added {created.number}.
          </p>
          {created.webhook_url && (
            <div className="field">
              <span className="label">Webhook URL</span>
              <code className="code-line">{created.webhook_url}</code>
              <CopyButton text={created.webhook_url} />
            </div>
          )}
          <div className="dialog-actions">
            <button type="button" className="button primary" onClick={onClose}>
              Done
            </button>
          </div>
        </div>
      ) : (
        <form className="stack" onSubmit={submit}>
          <TextField name="number" label="Phone number" placeholder="+14155551234" required inputMode="tel" />
          <TextField name="signing_secret" label="Signing secret (optional)" type="password" hint="Your carrier's auth token: webhooks must then carry a valid signature." autoComplete="off" />
          <ErrorAlert error={add.error ? errorMessage(add.error) : null} />
          <div className="dialog-actions">
            <button type="submit" className="button primary" disabled={add.isPending}>
              Add
            </button>
          </div>
        </form>
      )}
    </Dialog>
  );
}
