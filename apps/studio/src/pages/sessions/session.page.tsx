import { errorMessage } from '../../api/api-client';
import { useSession } from '../../api/queries';
import { ErrorAlert } from '../../components/field';
import { formatDate, formatDuration, formatMoney } from '../../components/format';
import { PageHeader } from '../../components/menu';
import { Link } from '../../router';
import { CALL_TYPE_LABELS } from './sessions.page';

export function SessionPage({ id }: { id: string }) {
  const session = useSession(id);
  if (session.error) return <ErrorAlert error={errorMessage(session.error)} />;
  if (!session.data) return <p className="muted">Loading…</p>;
  const s = session.data;
  const money = (n: number) => formatMoney(n, s.cost.currency);
  return (
    <section>
      <p className="breadcrumb">
        <Link href="/sessions">← Sessions</Link>
      </p>
      <PageHeader title={`${s.from_number} → ${s.to_number}`} />
      <div className="detail-grid">
        <section className="card padded" aria-labelledby="call-h">
          <h2 id="call-h">Call</h2>
          <dl className="facts">
            <dt>Type</dt>
            <dd>
              {CALL_TYPE_LABELS[s.call_type]} · {s.direction}
            </dd>
            <dt>Status</dt>
            <dd>
              {s.status}
              {s.end_reason ? ` (${s.end_reason})` : ''}
            </dd>
            <dt>Started</dt>
            <dd>{formatDate(s.started_at)}</dd>
            <dt>Answered</dt>
            <dd>{formatDate(s.answered_at)}</dd>
            <dt>Ended</dt>
            <dd>{formatDate(s.ended_at)}</dd>
            <dt>Duration</dt>
            <dd>{formatDuration(s.duration_seconds)}</dd>
            <dt>Provider</dt>
            <dd>{s.provider}</dd>
            <dt>Session</dt>
            <dd className="mono">{s.id}</dd>
          </dl>
          {s.agent_id && <Link href={`/agents/${s.agent_id}`}>Open agent</Link>}
        </section>
        <section className="card padded" aria-labelledby="usage-h">
          <h2 id="usage-h">Usage and cost</h2>
          <table aria-label="Usage and cost" className="compact">
            <tbody>
              <tr>
                <th scope="row">Telephony</th>
                <td>{s.usage.telephony_minutes} min</td>
                <td className="mono">{money(s.cost.telephony)}</td>
              </tr>
              <tr>
                <th scope="row">LLM</th>
                <td>
                  {s.usage.llm_prompt_tokens} + {s.usage.llm_completion_tokens} tokens
                </td>
                <td className="mono">{money(s.cost.llm)}</td>
              </tr>
              <tr>
                <th scope="row">TTS</th>
                <td>{s.usage.tts_characters} characters</td>
                <td className="mono">{money(s.cost.tts)}</td>
              </tr>
              <tr>
                <th scope="row">STT</th>
                <td>{s.usage.stt_seconds} s</td>
                <td className="mono">{money(s.cost.stt)}</td>
              </tr>
              <tr className="total">
                <th scope="row">Total</th>
                <td />
                <td className="mono">{money(s.cost.total)}</td>
              </tr>
            </tbody>
          </table>
        </section>
      </div>
      {s.recording_url && (
        <section className="card padded" aria-labelledby="rec-h">
          <h2 id="rec-h">Recording</h2>
          <audio controls preload="none" src={s.recording_url} aria-label="Call recording" />
        </section>
      )}
      <section className="card padded" aria-labelledby="transcript-h">
        <h2 id="transcript-h">Transcript</h2>
        {s.transcript.length === 0 ? (
          <p className="muted">{s.ended_at ? 'No transcript for this call.' : 'The transcript appears as the call goes on.'}</p>
        ) : (
          <ol className="transcript" aria-label="Transcript">
            {s.transcript.map((t, i) => (
              <li key={i} className={`turn ${t.role}`}>
                <span className="turn-role">{t.role === 'agent' ? 'Agent' : 'Caller'}</span>
                <p>{t.text}</p>
                <time dateTime={t.at}>{new Date(t.at).toLocaleTimeString()}</time>
              </li>
            ))}
          </ol>
        )}
      </section>
    </section>
  );
}
