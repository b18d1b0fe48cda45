import { SIP_ATTRIBUTES } from '@callplane/livekit';
import { ParticipantKind, RoomEvent, type Room } from '@livekit/rtc-node';
import type { CallMedia } from '../session/voice-session';
import type { CallRoom, SipParticipant } from './livekit-call';

/** What JobRoom reads of an rtc-node Room: its participants and their events. */
export type RoomView = Pick<Room, 'remoteParticipants' | 'isConnected' | 'on' | 'off'>;

interface ParticipantView {
  identity: string;
  kind: ParticipantKind;
  attributes: Record<string, string>;
}

/**
 * A connected job's room as a CallRoom: the SIP participant (the caller or callee; the only SIP participant in a
 * call room) or a web call's browser, whether it has answered (`sip.callStatus`), when it leaves, and the room's
 * audio for the session.
 */
export class JobRoom implements CallRoom {
  constructor(
    private readonly room: RoomView,
    readonly name: string,
    readonly jobMetadata: string,
  ) {}

  sipParticipant(): Promise<SipParticipant | null> {
    return this.#joined(isSip);
  }

  participant(identity: string): Promise<SipParticipant | null> {
    return this.#joined((p) => p.identity === identity);
  }

  /** The first participant `wanted` picks, once it is in the room; null if the room closes first. */
  #joined(wanted: (p: ParticipantView) => boolean): Promise<SipParticipant | null> {
    const present = [...this.room.remoteParticipants.values()].find(wanted);
    if (present) return Promise.resolve(snapshot(present));
    if (!this.room.isConnected) return Promise.resolve(null);
    return new Promise((resolve) => {
      const joined = (p: ParticipantView) => {
        if (!wanted(p)) return;
        done();
        resolve(snapshot(p));
      };
      const closed = () => {
        done();
        resolve(null);
      };
      const done = () => {
        this.room.off(RoomEvent.ParticipantConnected, joined);
        this.room.off(RoomEvent.Disconnected, closed);
      };
      this.room.on(RoomEvent.ParticipantConnected, joined);
      this.room.on(RoomEvent.Disconnected, closed);
    });
  }

  answered(identity: string): Promise<boolean> {
    const current = this.room.remoteParticipants.get(identity);
    if (!current || !this.room.isConnected) return Promise.resolve(false);
    if (isActive(current)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const changed = (_changed: Record<string, string>, p: ParticipantView) => {
        if (p.identity !== identity || !isActive(p)) return;
        finish(true);
      };
      const left = (p: ParticipantView) => {
        if (p.identity === identity) finish(false);
      };
      const closed = () => finish(false);
      const finish = (answered: boolean) => {
        this.room.off(RoomEvent.ParticipantAttributesChanged, changed);
        this.room.off(RoomEvent.ParticipantDisconnected, left);
        this.room.off(RoomEvent.Disconnected, closed);
        resolve(answered);
      };
      this.room.on(RoomEvent.ParticipantAttributesChanged, changed);
      this.room.on(RoomEvent.ParticipantDisconnected, left);
      this.room.on(RoomEvent.Disconnected, closed);
    });
  }

  onLeft(identity: string, cb: () => void): void {
    let called = false;
    const once = () => {
      if (called) return;
      called = true;
      this.room.off(RoomEvent.ParticipantDisconnected, left);
      this.room.off(RoomEvent.Disconnected, once);
      cb();
    };
    const left = (p: ParticipantView) => {
      if (p.identity === identity) once();
    };
    this.room.on(RoomEvent.ParticipantDisconnected, left);
    this.room.on(RoomEvent.Disconnected, once);
    if (!this.room.remoteParticipants.has(identity)) once();
  }

  media(identity: string): CallMedia {
    return { kind: 'room', room: this.room as Room, participantIdentity: identity };
  }
}

const isSip = (p: ParticipantView): boolean => p.kind === ParticipantKind.SIP;
// Inbound SIP participants join once LiveKit has accepted the call; builds that do not set the attribute count as answered.
const isActive = (p: ParticipantView): boolean => (p.attributes[SIP_ATTRIBUTES.callStatus] ?? 'active') === 'active';
const snapshot = (p: ParticipantView): SipParticipant => ({ identity: p.identity, attributes: { ...p.attributes } });
