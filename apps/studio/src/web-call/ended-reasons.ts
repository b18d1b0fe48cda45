/**
 * Why a web call ended, for the person who was on it: the session's end reasons (API.md) and the transports' own
 * (the sandbox socket's close reasons, LiveKit's disconnects). Anything else is shown by its code.
 */
const REASONS: Record<string, string> = {
  ended_by_user: 'You ended the call.',
  agent_hangup: 'The agent ended the call.',
  max_duration: "The call reached the agent's maximum duration.",
  caller_hangup: 'The call was disconnected.',
  ended: 'The call has ended.',
  worker_shutdown: 'The voice agent is restarting, so the call was ended. Try again in a moment.',
  error: 'The call failed on the server. Try again.',
  not_connected: 'The call was not joined in time. Start a new call.',
  token_expired: 'The call was not joined in time. Start a new call.',
  token_used: 'This call is already connected in another tab or window.',
  already_connected: 'This call is already connected in another tab or window.',
  unknown_session: 'The call was not found. Start a new call.',
  call_over: 'The call had already ended. Start a new call.',
  slow_reader: "The connection was too slow to keep up with the agent's audio.",
  bad_frame: 'The browser sent audio the server could not read.',
  text_frame: 'The browser sent audio the server could not read.',
  removed: 'You were removed from the call.',
  connection_lost: 'The connection to the call was lost.',
};

export const endedReasonText = (reason: string): string => REASONS[reason] ?? `The call ended (${reason}).`;
