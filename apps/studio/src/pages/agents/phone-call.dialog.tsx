import type { AgentDto, TestCallState } from '@callplane/contracts';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { api, errorMessage } from '../../api/api-client';
import { keys, useApiMutation, useQuota, useRecentNumbers, useTestCallStatus } from '../../api/queries';
import { Dialog } from '../../components/dialog';
import { ErrorAlert, TextField } from '../../components/field';
import { mmss } from '../../components/format';
import { Link } from '../../router';

/** The words API.md gives each state of a studio test call. */
const STATE_TEXT: Record<TestCallState, string> = { initiating: 'Setting up', ringing: 'Ringing', live: 'Connected', ended: 'Ended' };

/** Why a test call ended early, for the errors the status reports by code. */
const END_ERRORS: Record<string, string> = {
  dispatch_timeout: 'The call could not be set up in time (dispatch_timeout). Try again.',
  livekit_not_configured: 'Calls to real phones need LiveKit, which this installation does not have configured.',
};

/**
 * `Try Voice Call` → `Phone Call`: the agent calls the user's phone from a trial number. Refusals are the API's
 * messages, word for word; the status is polled each second while the call is up.
 */
export function PhoneCallDialog({ agent, onClose }: { agent: AgentDto; onClose: () => void }) {
  const client = useQueryClient();
  const quota = useQuota();
  const recent = useRecentNumbers();
  const [toNumber, setToNumber] = useState('');
  const [sessionId, setSessionId] = useState<string | null>(null);
  const status = useTestCallStatus(sessionId);
  const start = useApiMutation((to: string) => api<{ session_id: string }>('POST', '/voice/studio/test-call', { agent_id: agent.id, to_number: to }), [keys.quota, keys.recent]);
  const end = useApiMutation((id: string) => api('POST', `/voice/studio/test-call/${encodeURIComponent(id)}/end`));
  const state: TestCallState | null = sessionId ? (status.data?.state ?? 'initiating') : null;
  const up = state !== null && state !== 'ended';

  useEffect(() => {
    if (state === 'ended') void client.invalidateQueries({ queryKey: keys.quota });
  }, [state, client]);

  const call = (e: FormEvent) => {
    e.preventDefault();
    start.mutate(toNumber.trim(), { onSuccess: (r) => setSessionId(r.session_id) });
  };
  const again = () => (setSessionId(null), start.reset(), end.reset());

  return (
    <Dialog open onOpenChange={(o) => !o && !up && onClose()} title="Phone Call" description={`${agent.name} calls your phone from a trial number.`}>
      {state === null ? (
        <form className="stack" onSubmit={call}>
          <TextField label="Phone number" type="tel" inputMode="tel" placeholder="+14155551234" value={toNumber} onChange={(e) => setToNumber(e.target.value)} required hint="With the country code: +1 (US) or +91 (India)." autoFocus />
          {recent.data && recent.data.data.length > 0 && (
            <div role="group" aria-label="Recent numbers" className="chips">
              {recent.data.data.map((r) => (
                <button key={r.to_number} type="button" className={`chip${r.to_number === toNumber ? ' active' : ''}`} onClick={() => setToNumber(r.to_number)}>
                  {r.to_number}
                </button>
              ))}
            </div>
          )}
          {quota.data && (
            <p className="muted" data-testid="quota">
              {quota.data.remaining} of {quota.data.limit} test calls left today
            </p>
          )}
          <ErrorAlert error={start.error ? errorMessage(start.error) : null} />
          <div className="dialog-actions">
            <button type="submit" className="button primary" disabled={start.isPending || !toNumber.trim()}>
              {start.isPending ? 'Calling…' : 'Call my phone'}
            </button>
          </div>
        </form>
      ) : (
        <div className="stack call-panel">
          <p className={`call-state ${state}`} role="status" aria-live="polite">
            <span className="call-dot" aria-hidden="true" />
            {STATE_TEXT[state]}
          </p>
          {status.data && (state === 'live' || (state === 'ended' && status.data.duration_seconds > 0)) && (
            <p className="call-counter mono" aria-label="Call time">
              {mmss(status.data.duration_seconds)} / {mmss(status.data.max_seconds)}
            </p>
          )}
          {state === 'ended' && status.data?.error && <ErrorAlert error={END_ERRORS[status.data.error] ?? `The call ended: ${status.data.error}.`} />}
          <ErrorAlert error={status.error ? errorMessage(status.error) : end.error ? errorMessage(end.error) : null} />
          <div className="dialog-actions">
            {up ? (
              <button type="button" className="button danger" onClick={() => end.mutate(sessionId!)} disabled={end.isPending}>
                End Call
              </button>
            ) : (
              <>
                <Link className="button ghost" href={`/sessions/${sessionId}`}>
                  View session
                </Link>
                <button type="button" className="button" onClick={again}>
                  Call again
                </button>
                <button type="button" className="button primary" onClick={onClose}>
                  Close
                </button>
              </>
            )}
          </div>
        </div>
      )}
    </Dialog>
  );
}
