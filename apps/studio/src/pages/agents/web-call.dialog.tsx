import type { AgentDto } from '@callplane/contracts';
import { useEffect, useId, useRef, useState, useSyncExternalStore } from 'react';
import { api, errorMessage } from '../../api/api-client';
import { Dialog } from '../../components/dialog';
import { ErrorAlert } from '../../components/field';
import { Link } from '../../router';
import { endedReasonText } from '../../web-call/ended-reasons';
import type { TranscriptLine } from '../../web-call/transcript';
import type { AgentState } from '../../web-call/server-events';
import type { WebCallCreated } from '../../web-call/transport';
import { WebCallController, type WebCallApi, type WebCallSnapshot } from '../../web-call/web-call-controller';

/** API.md's agent states, as the panel says them. */
const STATE_TEXT: Record<AgentState, string> = { connecting: 'Connecting', listening: 'Listening', thinking: 'Thinking', speaking: 'Speaking' };

const webCallApi: WebCallApi = {
  create: (agentId) => api<WebCallCreated>('POST', '/voice/studio/web-call', { agent_id: agentId }),
  end: async (sessionId) => void (await api('POST', `/voice/studio/web-call/${encodeURIComponent(sessionId)}/end`)),
  message: errorMessage,
};

/** A call per attempt: the controller starts when the panel shows, and ends (and lets go of the microphone) when it goes. */
function useWebCall(agentId: string, attempt: number): { call: WebCallSnapshot; end: () => void } {
  const [controller, setController] = useState<WebCallController | null>(null);
  useEffect(() => {
    const c = new WebCallController(agentId, webCallApi);
    setController(c);
    c.start();
    return () => c.dispose();
  }, [agentId, attempt]);
  const call = useSyncExternalStore(controller?.subscribe ?? noSubscription, controller?.snapshot ?? waiting);
  return { call, end: () => void controller?.end() };
}

const noSubscription = () => () => undefined;
const WAITING: WebCallSnapshot = { phase: 'microphone', agentState: null, lines: [], level: 0, micOpen: false, sessionId: null, endedReason: null, error: null, ending: false, played: null };
const waiting = () => WAITING;

/**
 * `Try Voice Call` → `Web Call`: talk to the agent from the browser. The panel asks for the microphone and shows its
 * level, the agent's state, the live transcript, and `End Call`; then why the call ended. Closing it ends the call.
 * The playback figures (`data-played-*`: samples of the agent's audio the speakers played at `rate`, their peak and
 * RMS, and what was dropped) say whether the agent was heard.
 */
export default function WebCallDialog({ agent, onClose }: { agent: AgentDto; onClose: () => void }) {
  const [attempt, setAttempt] = useState(0);
  const { call, end } = useWebCall(agent.id, attempt);
  const { phase, played } = call;
  return (
    <Dialog open onOpenChange={(o) => !o && onClose()} title="Web Call" description={`Talk to ${agent.name} from your browser, with your microphone.`} wide>
      <div
        className="stack call-panel"
        data-played-samples={played?.samples ?? 0}
        data-played-rate={played?.sampleRate ?? 0}
        data-played-peak={played?.peak.toFixed(4) ?? 0}
        data-played-rms={played?.rms.toFixed(4) ?? 0}
        data-played-dropped={played?.dropped ?? 0}
      >
        {phase !== 'failed' && <CallState call={call} />}
        {phase === 'microphone' && <p className="muted">Allow the microphone when your browser asks.</p>}
        {phase === 'ended' && call.endedReason && <p className="ended-reason">{endedReasonText(call.endedReason)}</p>}
        {call.micOpen && <MicrophoneLevel level={call.level} />}
        <ErrorAlert error={call.error} />
        {(phase === 'live' || (phase === 'ended' && call.lines.length > 0)) && <Transcript lines={call.lines} />}
        <div className="dialog-actions">
          {phase === 'live' ? (
            <button type="button" className="button danger" onClick={end} disabled={call.ending}>
              End Call
            </button>
          ) : phase === 'ended' || phase === 'failed' ? (
            <>
              {call.sessionId && phase === 'ended' && (
                <Link className="button ghost" href={`/sessions/${call.sessionId}`}>
                  View session
                </Link>
              )}
              <button type="button" className="button" onClick={() => setAttempt((n) => n + 1)}>
                {phase === 'failed' ? 'Try again' : 'Call again'}
              </button>
              <button type="button" className="button primary" onClick={onClose}>
                Close
              </button>
            </>
          ) : (
            <button type="button" className="button" onClick={onClose}>
              Cancel
            </button>
          )}
        </div>
      </div>
    </Dialog>
  );
}

function CallState({ call }: { call: WebCallSnapshot }) {
  const text =
    call.phase === 'microphone' ? 'Waiting for the microphone' : call.phase === 'ended' ? 'Ended' : STATE_TEXT[call.phase === 'live' ? (call.agentState ?? 'connecting') : 'connecting'];
  return (
    <p className={`call-state ${call.phase === 'live' ? `live ${call.agentState ?? ''}` : call.phase}`} role="status" aria-live="polite">
      <span className="call-dot" aria-hidden="true" />
      {text}
    </p>
  );
}

function MicrophoneLevel({ level }: { level: number }) {
  const id = useId();
  return (
    <div className="mic-level">
      <label htmlFor={id}>Microphone</label>
      <meter id={id} min={0} max={1} low={0.2} high={0.9} optimum={0.5} value={level} />
    </div>
  );
}

/** The conversation as it happens: a line being recognised shows as it grows, then as it was heard. */
function Transcript({ lines }: { lines: readonly TranscriptLine[] }) {
  const list = useRef<HTMLOListElement>(null);
  useEffect(() => {
    const el = list.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [lines]);
  // The list is there from the start, empty: a live region announces what is added to it, not what it arrived with.
  return (
    <>
      {lines.length === 0 && <p className="muted">The transcript appears here as you talk.</p>}
      <ol ref={list} className="transcript web-call-transcript" aria-label="Transcript" aria-live="polite">
        {lines.map((l) => (
          <li key={l.key} className={`turn ${l.role}${l.final ? '' : ' partial'}`}>
            <span className="turn-role">{l.role === 'agent' ? 'Agent' : 'You'}</span>
            <p>{l.text}</p>
          </li>
        ))}
      </ol>
    </>
  );
}
