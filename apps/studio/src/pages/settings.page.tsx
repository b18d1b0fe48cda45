import type { WebhookSecretBody } from '@callplane/contracts';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, errorMessage } from '../api/api-client';
import { keys, useApiMutation, useWebhookSecret } from '../api/queries';
import { CopyButton } from '../components/copy-button';
import { ErrorAlert } from '../components/field';
import { PageHeader } from '../components/menu';

/** The webhook signing secret: hidden until revealed; rotating keeps the old one signing for 24 h (API.md). */
export function SettingsPage() {
  const [revealed, setRevealed] = useState(false);
  const client = useQueryClient();
  const secret = useWebhookSecret(revealed);
  const rotate = useApiMutation(() => api<WebhookSecretBody>('POST', '/voice/settings/webhooks/rotate-secret'));
  const value = secret.data?.secret;
  return (
    <section>
      <PageHeader title="Settings" />
      <section className="card padded" aria-labelledby="webhooks-h">
        <h2 id="webhooks-h">Webhook signing secret</h2>
        <p className="muted">
          Status webhooks carry a <code>Callplane-Signature</code> header: an HMAC-SHA256 of the body with this secret. Keep it on your server.
        </p>
        <div className="secret-row">
          <code className="code-line" aria-label="Webhook secret">
            {revealed && value ? value : '••••••••••••••••••••••••'}
          </code>
          <button type="button" className="button small" onClick={() => setRevealed(!revealed)}>
            {revealed ? 'Hide' : 'Reveal'}
          </button>
          {revealed && value && <CopyButton text={value} />}
        </div>
        <ErrorAlert error={secret.error ? errorMessage(secret.error) : rotate.error ? errorMessage(rotate.error) : null} />
        <button
          type="button"
          className="button"
          disabled={rotate.isPending}
          onClick={() =>
            rotate.mutate(undefined, {
              onSuccess: (s) => {
                client.setQueryData(keys.webhookSecret, s);
                setRevealed(true);
              },
            })
          }
        >
          Rotate secret
        </button>
        {rotate.isSuccess && (
          <p role="status" className="alert success">
            New secret issued. The previous one keeps signing alongside it for 24 hours.
          </p>
        )}
      </section>
    </section>
  );
}
