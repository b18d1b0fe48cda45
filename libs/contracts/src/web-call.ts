import { z } from 'zod';
import { voiceConfigSchema } from './api/agents';

/**
 * A studio Web Call (API.md "Web calls"): the browser talks to an agent with no telephony. With LiveKit the browser
 * joins the call's room with `livekit-client`; in the sandbox (no LiveKit) it connects a WebSocket to the voice agent,
 * with the protocol below, which an AudioWorklet can speak directly.
 */

/** Audio both ways: 16-bit little-endian PCM, mono, 16 kHz, in 20 ms frames of 640 bytes (one binary message each). */
export const WEB_CALL_AUDIO = { sampleRate: 16_000, channels: 1, frameMs: 20, frameBytes: 640 } as const;

/** The sandbox transport's token is good for one connection, within this many seconds of the call's creation. */
export const WEB_CALL_TOKEN_TTL_SECONDS = 60;

/** A LiveKit web call's participant token lets the browser join for this long (it stays in once joined). */
export const WEB_CALL_PARTICIPANT_TOKEN_TTL_SECONDS = 300;

/** Where the sandbox transport listens (the voice agent, on the all-in-one's HTTP server); `?token=` follows. */
export const webCallSocketPath = (sessionId: string): string => `/voice/web-call/${encodeURIComponent(sessionId)}/audio`;
export const WEB_CALL_SOCKET_PATH_PATTERN = /^\/voice\/web-call\/([^/]+)\/audio$/;

/** The browser's identity in a LiveKit web call's room: the voice agent takes that participant as the caller. */
export const webCallParticipantIdentity = (sessionId: string): string => `web-${sessionId}`;

/**
 * How the sandbox transport closes a socket, and why. A refusal (before the call starts) is the close and nothing
 * else; a call that ends on the server's side sends `{"type":"ended"}` first and closes 1000 (1001 when the server
 * stops). `reason` is the close frame's reason text and, for a call that was running, the session's `end_reason`.
 */
export const WEB_CALL_CLOSE = {
  ended: { code: 1000, reason: 'ended' },
  shutdown: { code: 1001, reason: 'worker_shutdown' },
  error: { code: 1011, reason: 'error' },
  /** A binary message that is not one 640-byte frame. */
  badFrame: { code: 4400, reason: 'bad_frame' },
  /** The token's minute has passed. */
  tokenExpired: { code: 4401, reason: 'token_expired' },
  /** The token was spent by an earlier connection. */
  tokenUsed: { code: 4403, reason: 'token_used' },
  /** No web call with this session id and token (or no token). */
  unknownSession: { code: 4404, reason: 'unknown_session' },
  /** The client did not read the agent's audio: more than the cap was waiting to be sent. */
  slowReader: { code: 4408, reason: 'slow_reader' },
  /** The call is already connected on another socket. */
  alreadyConnected: { code: 4409, reason: 'already_connected' },
  /** The call was ended (`.../end`) before this connection. */
  callOver: { code: 4410, reason: 'call_over' },
  /** The client sent a text message: the client sends only audio. */
  textFrame: { code: 4415, reason: 'text_frame' },
} as const;
export type WebCallClose = (typeof WEB_CALL_CLOSE)[keyof typeof WEB_CALL_CLOSE];

export const WEB_CALL_STATES = ['connecting', 'listening', 'thinking', 'speaking'] as const;
export type WebCallState = (typeof WEB_CALL_STATES)[number];

/** The server's text messages (JSON), one event each. */
export const webCallEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('state'), state: z.enum(WEB_CALL_STATES) }),
  z.object({ type: z.literal('transcript'), role: z.enum(['agent', 'caller']), text: z.string(), final: z.boolean() }),
  z.object({ type: z.literal('ended'), reason: z.string() }),
]);
export type WebCallEvent = z.infer<typeof webCallEventSchema>;

/**
 * What the voice agent runs a web call with (LiveKit dispatch metadata, or kept with the sandbox token): the agent as
 * it was when the call was created, for how long, and the prompt variables (none yet: the studio sends no context).
 */
export const webCallMetadataSchema = z.object({
  session_id: z.string().min(1),
  tenant_id: z.string().min(1),
  direction: z.literal('web'),
  call_type: z.literal('studio_test'),
  max_duration_seconds: z.number().int().positive(),
  agent: z.object({ id: z.string().min(1), name: z.string(), system_prompt: z.string(), voice: voiceConfigSchema }),
  context: z.record(z.string(), z.string()).default({}),
});
export type WebCallMetadata = z.infer<typeof webCallMetadataSchema>;
