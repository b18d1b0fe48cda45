import { startPcmAudio } from './pcm-audio';
import { parseServerEvent } from './server-events';
import type { CallListener, CallMedia, CallTransport } from './transport';

/**
 * Why a socket closed without an `ended` event first, by close code (API.md "Web calls"; the server also gives the
 * reason as the close frame's text, which wins when present). 1006 is the browser's own: no close frame at all.
 */
const CLOSE_REASONS: Record<number, string> = {
  1000: 'ended',
  1001: 'worker_shutdown',
  1006: 'connection_lost',
  1011: 'error',
  4400: 'bad_frame',
  4401: 'token_expired',
  4403: 'token_used',
  4404: 'unknown_session',
  4408: 'slow_reader',
  4409: 'already_connected',
  4410: 'call_over',
  4415: 'text_frame',
};

/** More microphone audio than this waiting in the socket (a second of it) is stale: frames are dropped, not queued. */
const MAX_QUEUED_BYTES = 32_000;

/**
 * The sandbox transport: a WebSocket to the voice agent (`url` carries its single-use token). Binary messages both
 * ways are 640-byte frames of 16 kHz 16-bit LE PCM (pcm-audio.ts); the server's text messages are JSON events for the
 * agent's state, the transcript and the end. A malformed event is ignored rather than ending the call.
 */
export async function connectWebSocket(url: string, media: CallMedia, listener: CallListener): Promise<CallTransport> {
  let opened: WebSocket | null = null;
  let over = false;
  // The audio first: the socket's first messages must find their handlers set.
  const audio = await startPcmAudio(media.context, media.source, {
    send(frame) {
      if (opened && opened.bufferedAmount < MAX_QUEUED_BYTES) opened.send(frame);
    },
    played: (stats) => listener.played?.(stats),
  });
  const socket = new WebSocket(url);
  socket.binaryType = 'arraybuffer';
  socket.onopen = () => (opened = socket);
  // The agent's last words may still be in the playback buffer: the microphone stops, playback goes on until close().
  const end = (reason: string) => {
    opened = null;
    if (over) return;
    over = true;
    audio.stopSending();
    listener.ended(reason);
  };
  socket.onmessage = (e: MessageEvent<ArrayBuffer | string>) => {
    if (over) return;
    if (typeof e.data !== 'string') return audio.play(e.data);
    const event = parseServerEvent(e.data);
    if (event?.type === 'state') listener.state(event.state);
    else if (event?.type === 'transcript') listener.transcript({ role: event.role, text: event.text, final: event.final });
    else if (event?.type === 'ended') end(event.reason);
  };
  socket.onclose = (e) => end(e.reason || CLOSE_REASONS[e.code] || `closed_${e.code}`);
  return {
    stopSending: () => audio.stopSending(),
    close() {
      over = true;
      opened = null;
      audio.close();
      if (socket.readyState === WebSocket.CONNECTING || socket.readyState === WebSocket.OPEN) socket.close(1000, 'ended_by_user');
    },
  };
}
