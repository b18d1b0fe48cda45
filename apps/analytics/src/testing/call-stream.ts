import {
  buildEventEnvelope,
  CALL_TRANSCRIPT_EVENT_TYPE,
  CALL_USAGE_EVENT_TYPE,
  lifecycleEventType,
  type CallDirection,
  type CallLifecycleData,
  type CallState,
  type CallTranscriptData,
  type CallType,
  type CallUsageData,
  type EventEnvelope,
  type PriceTable,
  type SessionProvider,
} from '@callplane/contracts';

/** Prices with round numbers, so expected costs can be worked out by hand in the specs. */
export const TEST_PRICES: PriceTable = {
  currency: 'USD',
  telephony_per_minute: [
    { provider: 'twilio', direction: 'inbound', price: 0.01 },
    { provider: 'twilio', direction: 'outbound', price: 0.02 },
    { provider: 'vobiz', direction: 'outbound', price: 0.005 },
  ],
  llm_per_1k_tokens: [{ provider: 'openai', model: 'gpt-4o-mini', prompt: 0.001, completion: 0.002 }],
  tts_per_1k_characters: [{ provider: 'cartesia', model: '*', price: 0.05 }],
  stt_per_minute: [{ provider: 'deepgram', model: 'nova-2', price: 0.006 }],
};

export interface CallSpec {
  tenantId: string;
  sessionId: string;
  direction?: CallDirection;
  callType?: CallType;
  provider?: SessionProvider;
  agentId?: string;
  fromNumber?: string;
  toNumber?: string;
  /** The campaign that placed the call (on every lifecycle event); absent: the events carry no `campaign_id`. */
  campaignId?: string;
  /** When the call starts; the other times follow from it. Default 2026-03-10T14:00:00Z. */
  startedAt?: Date;
  /** Answered call (default) or one that ends with no_answer. */
  answered?: boolean;
}

const plus = (d: Date, seconds: number) => new Date(d.getTime() + seconds * 1000);

/**
 * Every event of one call as the gateway and the voice agent would emit them, in the order they happen,
 * with ids derived from the session id (`<session>:<n>`), including noise a real stream has: a late
 * `failed` after `completed`, a transcript turn sent twice, a usage report overtaken by the next.
 *
 * Answered call: rings 2 s, answered at 7 s, ends at 112 s → 105 s, 2 billed minutes. Final usage (report 3):
 * openai gpt-4o-mini 1,500 prompt + 500 completion tokens, cartesia 2,000 characters, deepgram nova-2 90 s.
 */
export function callStream(spec: CallSpec): EventEnvelope[] {
  const start = spec.startedAt ?? new Date('2026-03-10T14:00:00.000Z');
  const answered = spec.answered ?? true;
  const answeredAt = plus(start, 7);
  const endedAt = plus(start, answered ? 112 : 30);
  let n = 0;
  const id = () => `${spec.sessionId}:${String(n++).padStart(2, '0')}`;
  const base = {
    session_id: spec.sessionId,
    direction: spec.direction ?? 'inbound',
    call_type: spec.callType ?? 'production',
    agent_id: spec.agentId ?? 'agt_stream',
    phone_number_id: 'pn_stream',
    from_number: spec.fromNumber ?? '+919876543210',
    to_number: spec.toNumber ?? '+14155550142',
    provider: spec.provider ?? 'twilio',
    provider_call_id: null,
    sip_status: null,
    ...(spec.campaignId ? { campaign_id: spec.campaignId } : {}),
  } as const;
  const lifecycle = (state: CallState, at: Date, over: Partial<CallLifecycleData> = {}) =>
    buildEventEnvelope<CallLifecycleData>({
      id: id(),
      type: lifecycleEventType(state),
      tenantId: spec.tenantId,
      key: spec.sessionId,
      occurredAt: at,
      data: {
        ...base,
        state,
        end_reason: null,
        started_at: start.toISOString(),
        answered_at: answered && at >= answeredAt ? answeredAt.toISOString() : null,
        ended_at: null,
        ...over,
      },
    });
  const transcript = (turns: CallTranscriptData['turns'], at: Date) =>
    buildEventEnvelope<CallTranscriptData>({ id: id(), type: CALL_TRANSCRIPT_EVENT_TYPE, tenantId: spec.tenantId, key: spec.sessionId, occurredAt: at, data: { session_id: spec.sessionId, turns } });
  const usage = (data: Omit<CallUsageData, 'session_id'>, at: Date) =>
    buildEventEnvelope<CallUsageData>({ id: id(), type: CALL_USAGE_EVENT_TYPE, tenantId: spec.tenantId, key: spec.sessionId, occurredAt: at, data: { session_id: spec.sessionId, ...data } });
  const turn = (seq: number) => ({ seq, role: seq % 2 === 0 ? ('agent' as const) : ('caller' as const), text: `turn ${seq} of ${spec.sessionId}`, at: plus(answeredAt, 10 * seq + 1).toISOString() });

  if (!answered) {
    return [
      lifecycle('initiating', start),
      lifecycle('ringing', plus(start, 2)),
      lifecycle('no_answer', endedAt, { end_reason: 'no_answer', ended_at: endedAt.toISOString() }),
      lifecycle('canceled', plus(endedAt, 1), { end_reason: 'caller_canceled', ended_at: plus(endedAt, 1).toISOString() }),
    ];
  }
  const ended = { end_reason: 'caller_hangup', ended_at: endedAt.toISOString() };
  return [
    lifecycle('initiating', start),
    lifecycle('ringing', plus(start, 2)),
    lifecycle('in_progress', answeredAt),
    transcript([turn(0), turn(1)], plus(answeredAt, 20)),
    usage({ report_seq: 1, llm: [{ provider: 'openai', model: 'gpt-4o-mini', prompt_tokens: 500, completion_tokens: 100 }], tts: [{ provider: 'cartesia', model: 'sonic-2', characters: 600 }], stt: [{ provider: 'deepgram', model: 'nova-2', seconds: 30 }] }, plus(answeredAt, 30)),
    transcript([turn(2), turn(3)], plus(answeredAt, 40)),
    transcript([turn(3), turn(4), turn(5)], plus(answeredAt, 60)),
    usage(
      { report_seq: 2, llm: [{ provider: 'openai', model: 'gpt-4o-mini', prompt_tokens: 1000, completion_tokens: 300 }], tts: [{ provider: 'cartesia', model: 'sonic-2', characters: 1400 }], stt: [{ provider: 'deepgram', model: 'nova-2', seconds: 60 }], recording_url: 'https://recordings.example.com/partial.ogg' },
      plus(answeredAt, 70),
    ),
    lifecycle('completed', endedAt, ended),
    usage(
      { report_seq: 3, llm: [{ provider: 'openai', model: 'gpt-4o-mini', prompt_tokens: 1500, completion_tokens: 500 }], tts: [{ provider: 'cartesia', model: 'sonic-2', characters: 2000 }], stt: [{ provider: 'deepgram', model: 'nova-2', seconds: 90 }], recording_url: `https://recordings.example.com/${spec.sessionId}.ogg` },
      plus(endedAt, 1),
    ),
    // A late, contradicting report of the end: the first outcome stands.
    lifecycle('failed', plus(endedAt, 3), { end_reason: 'sip_error', sip_status: 503, ended_at: plus(endedAt, 3).toISOString() }),
  ];
}

/** Expected cost of `callStream`'s answered call at TEST_PRICES (inbound Twilio). */
export const STREAM_COST_AT_TEST_PRICES = {
  telephony: 0.02, // 2 started minutes × 0.01
  llm: 0.0025, // 1.5 × 0.001 + 0.5 × 0.002
  tts: 0.1, // 2 × 0.05
  stt: 0.009, // 1.5 min × 0.006
  total: 0.1315,
  currency: 'USD',
};

/** mulberry32: a small seeded PRNG, so a failing permutation can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random permutation of `items` with about `dupRate` of them delivered a second time, split into random batches. */
export function shuffledDeliveries<T>(items: T[], random: () => number, dupRate = 0.3): T[][] {
  const all = [...items, ...items.filter(() => random() < dupRate)];
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  const batches: T[][] = [];
  for (let i = 0; i < all.length; ) {
    const size = 1 + Math.floor(random() * 5);
    batches.push(all.slice(i, i + size));
    i += size;
  }
  return batches;
}
