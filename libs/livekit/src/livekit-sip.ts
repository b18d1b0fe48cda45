import {
  RoomAgentDispatch,
  RoomConfiguration,
  SipClient,
  TwirpError,
  type CreateSipOutboundTrunkOptions,
} from 'livekit-server-sdk';
import { SESSION_ATTRIBUTE, SESSION_HEADER } from './sip-uri';

export interface LiveKitConfig {
  url: string;
  apiKey: string;
  apiSecret: string;
}

export interface SipAuth {
  username: string;
  password: string;
}

export type SipTransportName = 'tcp' | 'udp' | 'tls';

export interface CreateInboundInput {
  /** E.164 number LiveKit matches against the dialled user part. */
  number: string;
  name: string;
  /** Handed to the agent as JSON (phone id, tenant id…). */
  metadata: Record<string, string>;
  auth?: SipAuth;
  allowedAddresses?: string[];
}

export interface CreateOutboundInput {
  number: string;
  name: string;
  /** The carrier's SIP host (and port), e.g. `abc.pstn.twilio.com`. */
  address: string;
  auth?: SipAuth;
  transport?: SipTransportName;
}

export interface LiveKitSipIds {
  dispatchRuleId?: string;
  inboundTrunkId?: string;
  outboundTrunkId?: string;
}

/** Rooms created per inbound call are named `call-<random>`; the agent and webhooks rely on the prefix. */
export const CALL_ROOM_PREFIX = 'call-';

// livekit/protocol SIPTransport values; the enum lives in @livekit/protocol, which the SDK does not re-export.
type SdkTransport = CreateSipOutboundTrunkOptions['transport'];
const TRANSPORTS: Record<SipTransportName | 'auto', number> = { auto: 0, udp: 1, tcp: 2, tls: 3 };

// Twirp codes worth retrying (twitchtv/twirp errors.go); everything else is our request or our credentials.
const RETRYABLE_CODES = new Set(['unavailable', 'deadline_exceeded', 'internal', 'unknown', 'resource_exhausted', 'aborted']);

/** A LiveKit API failure: what we tried, the HTTP status and Twirp code, and whether trying again can help. */
export class LiveKitError extends Error {
  override readonly name = 'LiveKitError';

  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
    readonly code?: string,
  ) {
    super(message);
  }

  get notFound(): boolean {
    return this.status === 404 || this.code === 'not_found';
  }
}

/**
 * Provisions the LiveKit side of a phone number: inbound trunk + dispatch rule that sends the agent into a
 * fresh room per call, and outbound trunks to the carrier. Vendor errors become `LiveKitError`.
 */
export class LiveKitSip {
  private readonly client: SipClient;
  private readonly agentName: string;
  private readonly secrets: string[];

  constructor(config: LiveKitConfig, opts: { agentName?: string; requestTimeoutSeconds?: number } = {}) {
    this.client = new SipClient(config.url, config.apiKey, config.apiSecret, {
      requestTimeout: opts.requestTimeoutSeconds ?? 10,
      // Region failover only applies to LiveKit Cloud and retries inside the SDK; callers own retries.
      failover: false,
    });
    this.agentName = opts.agentName ?? 'voice-agent';
    this.secrets = [config.apiSecret];
  }

  async createInbound(input: CreateInboundInput): Promise<{ trunkId: string; dispatchRuleId: string }> {
    const secrets = input.auth ? [input.auth.password] : [];
    const trunk = await this.call('create inbound trunk', secrets, () =>
      this.client.createSipInboundTrunk(input.name, [input.number], {
        authUsername: input.auth?.username,
        authPassword: input.auth?.password,
        allowedAddresses: input.allowedAddresses,
        // Calls our webhooks forward carry their session id in a header: the agent and our webhook handler read it here.
        headersToAttributes: { [SESSION_HEADER]: SESSION_ATTRIBUTE },
      }),
    );
    const trunkId = trunk.sipTrunkId;
    try {
      const rule = await this.call('create dispatch rule', [], () =>
        this.client.createSipDispatchRule(
          { type: 'individual', roomPrefix: CALL_ROOM_PREFIX },
          {
            name: input.name,
            trunkIds: [trunkId],
            roomConfig: new RoomConfiguration({
              agents: [new RoomAgentDispatch({ agentName: this.agentName, metadata: JSON.stringify(input.metadata) })],
            }),
          },
        ),
      );
      return { trunkId, dispatchRuleId: rule.sipDispatchRuleId };
    } catch (err) {
      // No half setup: a trunk without a rule would accept calls that no agent answers.
      await this.remove({ inboundTrunkId: trunkId }).catch(() => undefined);
      throw err;
    }
  }

  async createOutbound(input: CreateOutboundInput): Promise<{ trunkId: string }> {
    const secrets = input.auth ? [input.auth.password] : [];
    const trunk = await this.call('create outbound trunk', secrets, () =>
      this.client.createSipOutboundTrunk(input.name, input.address, [input.number], {
        transport: TRANSPORTS[input.transport ?? 'auto'] as SdkTransport,
        authUsername: input.auth?.username,
        authPassword: input.auth?.password,
      }),
    );
    return { trunkId: trunk.sipTrunkId };
  }

  /** Dispatch rule first (it references the trunk), then trunks. Already-deleted ids count as removed. */
  async remove(ids: LiveKitSipIds): Promise<void> {
    const { dispatchRuleId, inboundTrunkId, outboundTrunkId } = ids;
    if (dispatchRuleId) await this.ignoreNotFound('delete dispatch rule', () => this.client.deleteSipDispatchRule(dispatchRuleId));
    for (const trunkId of [inboundTrunkId, outboundTrunkId]) {
      if (trunkId) await this.ignoreNotFound('delete trunk', () => this.client.deleteSipTrunk(trunkId));
    }
  }

  private async ignoreNotFound(what: string, fn: () => Promise<unknown>): Promise<void> {
    try {
      await this.call(what, [], fn);
    } catch (err) {
      if (!(err instanceof LiveKitError && err.notFound)) throw err;
    }
  }

  private async call<T>(what: string, extraSecrets: string[], fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw toLiveKitError(what, err, [...this.secrets, ...extraSecrets]);
    }
  }
}

/** Maps SDK errors (Twirp answers, fetch failures, timeouts) to a `LiveKitError`, with secrets scrubbed from the text. */
export function toLiveKitError(what: string, err: unknown, secrets: string[] = []): LiveKitError {
  if (err instanceof LiveKitError) return err;
  const scrub = (s: string) => secrets.filter((x) => x.length > 0).reduce((acc, x) => acc.split(x).join('***'), s);
  if (err instanceof TwirpError) {
    const status = typeof err.status === 'number' ? err.status : undefined;
    const code = typeof err.code === 'string' ? err.code : undefined;
    const retryable = (status !== undefined && status >= 500) || status === 408 || status === 429 || (code !== undefined && RETRYABLE_CODES.has(code));
    return new LiveKitError(scrub(`LiveKit ${what} failed: ${status ?? '?'} ${code ?? ''} ${err.message}`.replace(/\s+/g, ' ').trim()), retryable, status, code);
  }
  // Anything else came from fetch: connection refused/reset, DNS, or the SDK's AbortSignal timeout.
  const message = err instanceof Error ? err.message : String(err);
  return new LiveKitError(scrub(`LiveKit ${what} failed: ${message}`), true);
}
