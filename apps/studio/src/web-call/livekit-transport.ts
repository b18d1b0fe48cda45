import type { DisconnectReason as LiveKitDisconnectReason, Participant, TextStreamReader } from 'livekit-client';
import type { Speaker } from './transcript';
import type { AgentState } from './server-events';
import type { CallListener, CallMedia, CallTransport } from './transport';

/**
 * What a LiveKit Agents worker publishes for the people in its room (@livekit/agents, constants.ts and room_io): its
 * state as a participant attribute, and every transcript line (the caller's as recognised, its own as spoken) as a
 * text stream on `lk.transcription`, one segment per line. The caller's interim text comes as successive streams of
 * the same segment, the last one marked final; the agent's line is one stream of deltas, final when it closes.
 */
const AGENT_STATE_ATTRIBUTE = 'lk.agent.state';
const TRANSCRIPTION_TOPIC = 'lk.transcription';
const SEGMENT_ATTRIBUTE = 'lk.segment_id';
const FINAL_ATTRIBUTE = 'lk.transcription_final';

/** The framework's agent states (voice.AgentState) in API.md's words. */
const STATE_OF: Record<string, AgentState> = { initializing: 'connecting', idle: 'listening', listening: 'listening', thinking: 'thinking', speaking: 'speaking' };

/**
 * The LiveKit transport: joins the call's room with `livekit-client` (loaded only now, its own chunk), publishes the
 * microphone the panel opened, plays the agent's audio track, and reports the agent's state and transcript from what
 * the voice agent publishes. The call is over when the room goes (the platform deletes it to hang up).
 */
export async function connectLiveKit(join: { serverUrl: string; token: string }, media: CallMedia, listener: CallListener): Promise<CallTransport> {
  const { Room, RoomEvent, Track, DisconnectReason } = await import('livekit-client');
  const room = new Room();
  const players: HTMLMediaElement[] = [];
  let over = false;
  const end = (reason: string) => {
    if (over) return;
    over = true;
    listener.ended(reason);
  };
  const agentState = (p: Participant) => {
    const state = STATE_OF[p.attributes[AGENT_STATE_ATTRIBUTE] ?? ''];
    if (state && !over && p !== room.localParticipant) listener.state(state);
  };
  room.on(RoomEvent.ParticipantConnected, agentState);
  room.on(RoomEvent.ParticipantAttributesChanged, (_changed, p) => agentState(p));
  room.on(RoomEvent.TrackSubscribed, (track) => {
    if (track.kind !== Track.Kind.Audio) return;
    const element = track.attach();
    document.body.append(element);
    players.push(element);
  });
  room.on(RoomEvent.TrackUnsubscribed, (track) => track.detach().forEach((e) => e.remove()));
  room.on(RoomEvent.Disconnected, (reason) => end(disconnectReason(DisconnectReason, reason)));
  room.registerTextStreamHandler(TRANSCRIPTION_TOPIC, (reader, from) => {
    const role: Speaker = from.identity === room.localParticipant.identity ? 'caller' : 'agent';
    readLine(reader, role, (update) => !over && listener.transcript(update)).catch(() => undefined);
  });

  listener.state('connecting');
  const leave = () => {
    over = true;
    void room.disconnect();
    for (const e of players.splice(0)) e.remove();
  };
  try {
    await room.connect(join.serverUrl, join.token);
    const [track] = media.microphone.getAudioTracks();
    if (track) await room.localParticipant.publishTrack(track, { source: Track.Source.Microphone });
    // Playback needs the page to have been interacted with (the click that opened the panel did that); a browser
    // that still holds it back leaves the call up, the agent unheard, rather than failing it.
    await room.startAudio().catch(() => undefined);
  } catch (err) {
    leave();
    throw err;
  }
  for (const p of room.remoteParticipants.values()) agentState(p);
  return {
    stopSending: () => void room.localParticipant.setMicrophoneEnabled(false),
    close: leave,
  };
}

/** One line of the transcript: its text as it grows, then final. */
async function readLine(reader: TextStreamReader, role: Speaker, update: (u: { role: Speaker; text: string; final: boolean; segment: string }) => void): Promise<void> {
  const attributes = reader.info.attributes ?? {};
  const segment = attributes[SEGMENT_ATTRIBUTE] ?? reader.info.id;
  let text = '';
  for await (const chunk of reader) {
    text += chunk;
    update({ role, text, final: false, segment });
  }
  // A caller's stream says whether it is the last word on its segment; an agent's line is done when its stream is.
  update({ role, text, final: attributes[FINAL_ATTRIBUTE] === 'true' || role === 'agent', segment });
}

/** Why the room went, in the words the panel explains (ended-reasons.ts). */
function disconnectReason(reasons: typeof LiveKitDisconnectReason, reason: LiveKitDisconnectReason | undefined): string {
  switch (reason) {
    case reasons.ROOM_DELETED:
    case reasons.ROOM_CLOSED:
      return 'ended';
    case reasons.CLIENT_INITIATED:
      return 'ended_by_user';
    case reasons.DUPLICATE_IDENTITY:
      return 'already_connected';
    case reasons.PARTICIPANT_REMOVED:
      return 'removed';
    default:
      return 'connection_lost';
  }
}
