import { stateForSipStatus, type CallState } from '@callplane/contracts';
import { AccessToken, AgentDispatchClient, RoomServiceClient, SipCallError, SipClient, TrackSource } from 'livekit-server-sdk';
import { LiveKitError, toLiveKitError, type LiveKitConfig } from './livekit-sip';
import { SESSION_ATTRIBUTE } from './sip-uri';

export interface StartCallInput {
  sessionId: string;
  roomName: string;
  /** Handed to the agent as JSON: session id, agent config snapshot, context variables. */
  metadata: Record<string, unknown>;
  /** The from-number's LiveKit outbound trunk. */
  trunkId: string;
  to: string;
  from: string;
  ringingTimeoutSeconds: number;
  maxCallDurationSeconds: number;
}

/** The callee did not take the call: LiveKit's SIP error, as our call state. */
export class CallNotConnected extends Error {
  override readonly name = 'CallNotConnected';
  constructor(
    readonly sipStatus: number | undefined,
    readonly state: CallState,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Places outbound calls through LiveKit: a room per call with the agent dispatched into it, then the SIP participant
 * dialled on the number's outbound trunk. Vendor errors become `LiveKitError`; a callee who does not answer becomes
 * `CallNotConnected` (486 busy, 480/408/487 no answer, other SIP failures failed).
 */
export class LiveKitCalls {
  private readonly rooms: RoomServiceClient;
  private readonly dispatch: AgentDispatchClient;
  private readonly sip: SipClient;
  private readonly agentName: string;
  private readonly secrets: string[];
  private readonly config: LiveKitConfig;

  constructor(config: LiveKitConfig, opts: { agentName?: string; requestTimeoutSeconds?: number } = {}) {
    this.config = config;
    const clientOpts = { requestTimeout: opts.requestTimeoutSeconds ?? 10, failover: false };
    this.rooms = new RoomServiceClient(config.url, config.apiKey, config.apiSecret, clientOpts);
    this.dispatch = new AgentDispatchClient(config.url, config.apiKey, config.apiSecret, clientOpts);
    this.sip = new SipClient(config.url, config.apiKey, config.apiSecret, clientOpts);
    this.agentName = opts.agentName ?? 'voice-agent';
    this.secrets = [config.apiSecret];
  }

  /** Creates the room and dispatches the agent: the agent is waiting when the callee picks up. */
  async prepareRoom(input: Pick<StartCallInput, 'roomName' | 'metadata' | 'maxCallDurationSeconds'>): Promise<void> {
    const metadata = JSON.stringify(input.metadata);
    await this.call('create room', () => this.rooms.createRoom({ name: input.roomName, emptyTimeout: 60, departureTimeout: 10, maxParticipants: 4, metadata }));
    await this.call('dispatch agent', () => this.dispatch.createDispatch(input.roomName, this.agentName, { metadata }));
  }

  /**
   * Dials the callee into the room and waits until they answer (or ringing times out). Resolves with LiveKit's ids
   * once the call is answered; throws `CallNotConnected` when it is not.
   */
  async dial(input: StartCallInput): Promise<{ sipCallId: string; participantId: string }> {
    try {
      const p = await this.sip.createSipParticipant(input.trunkId, input.to, input.roomName, {
        fromNumber: input.from,
        participantIdentity: `sip-${input.sessionId}`,
        participantAttributes: { [SESSION_ATTRIBUTE]: input.sessionId },
        ringingTimeout: input.ringingTimeoutSeconds,
        maxCallDuration: input.maxCallDurationSeconds,
        waitUntilAnswered: true,
        timeout: input.ringingTimeoutSeconds + 10,
      });
      return { sipCallId: p.sipCallId, participantId: p.participantId };
    } catch (err) {
      if (err instanceof SipCallError) {
        const status = err.sipStatusCode;
        return Promise.reject(new CallNotConnected(status, status ? stateForSipStatus(status) : 'failed', `The call was not connected: SIP ${status ?? '?'} ${err.message}`.trim()));
      }
      throw toLiveKitError('create SIP participant', err, this.secrets);
    }
  }

  /** Where a browser connects with livekit-client: the server's URL in the WebSocket scheme (`https:` → `wss:`). */
  get browserUrl(): string {
    return this.config.url.replace(/^http(s?):/i, 'ws$1:');
  }

  /**
   * A browser's pass into one web call's room: it may join that room only, publish its microphone, hear the agent
   * (subscribe) and send data; no room creation, administration or recording grants. Valid `ttlSeconds` to join.
   */
  webParticipantToken(input: { roomName: string; identity: string; ttlSeconds: number }): Promise<string> {
    const token = new AccessToken(this.config.apiKey, this.config.apiSecret, { identity: input.identity, ttl: input.ttlSeconds });
    token.addGrant({ roomJoin: true, room: input.roomName, canPublish: true, canPublishSources: [TrackSource.MICROPHONE], canSubscribe: true, canPublishData: true });
    return token.toJwt();
  }

  /** Ends the call for everyone (the SIP leg hangs up, the agent leaves). A room already gone counts as ended. */
  async endCall(roomName: string): Promise<void> {
    try {
      await this.call('delete room', () => this.rooms.deleteRoom(roomName));
    } catch (err) {
      if (!(err instanceof LiveKitError && err.notFound)) throw err;
    }
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw toLiveKitError(what, err, this.secrets);
    }
  }
}
