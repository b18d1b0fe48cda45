import type { exotelConfigureInboundResponseSchema, PhoneNumberDto } from '@callplane/contracts';
import type { z } from 'zod';
import { api, errorMessage } from '../../api/api-client';
import { keys, useApiMutation, usePhoneNumber } from '../../api/queries';
import { CopyButton } from '../../components/copy-button';
import { Dialog } from '../../components/dialog';
import { ErrorAlert } from '../../components/field';

type ConfigureResult = z.infer<typeof exotelConfigureInboundResponseSchema>;

/** The gear on a BYOK row: where the carrier must send inbound calls, and a retry of the automatic setup. */
export function InboundSettingsDialog({ number, onClose }: { number: PhoneNumberDto; onClose: () => void }) {
  const fresh = usePhoneNumber(number.id);
  const n = fresh.data ?? number;
  // Only Exotel's inbound setup can be redone on its own (API.md); the others are set up by the import itself.
  const canRetry = n.provider === 'exotel';
  const retry = useApiMutation(
    () => api<ConfigureResult>('POST', `/voice/exotel/byok/configure-inbound/${encodeURIComponent(n.id)}`),
    [keys.numbers, keys.number(n.id)],
  );
  const result = retry.data;
  const configured = result ? result.configured : n.inbound.configured;
  const manualSteps = result ? (result.manual_steps ?? null) : n.inbound.manual_steps;
  return (
    <Dialog open onOpenChange={(o) => !o && onClose()} title="Inbound settings" description={`How calls to ${n.number} reach your agent.`}>
      <div className="stack">
        <div className="field">
          <span className="label">Webhook URL</span>
          {n.webhook_url ? (
            <>
              <code className="code-line">{n.webhook_url}</code>
              <CopyButton text={n.webhook_url} />
            </>
          ) : (
            <p className="muted">None: calls arrive over the carrier's SIP trunk, set up at import.</p>
          )}
        </div>
        <p role="status">
          Inbound: <strong className={`pill ${configured ? 'ok' : 'warn'}`}>{configured ? 'Configured' : 'Not configured'}</strong>
          {result && (result.configured ? ' Auto-configure succeeded.' : ' Auto-configure could not finish: follow the steps below.')}
        </p>
        {!configured && manualSteps && (
          <div className="manual-steps">
            <h3>Manual steps</h3>
            <p className="pre-wrap">{manualSteps}</p>
          </div>
        )}
        <ErrorAlert error={retry.error ? errorMessage(retry.error) : null} />
        <div className="dialog-actions">
          {!canRetry && <span className="muted small">Auto-configure runs at import for {n.provider} numbers.</span>}
          <button type="button" className="button" onClick={() => retry.mutate(undefined)} disabled={!canRetry || retry.isPending}>
            {retry.isPending ? 'Configuring…' : 'Retry auto-configure'}
          </button>
        </div>
      </div>
    </Dialog>
  );
}
