import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildEventEnvelope, lifecycleEventType, newId, type CallLifecycleData, type CallState, type EventEnvelope } from '@callplane/contracts';
import type { DialerDeps } from './usecases/deps';
import { usecaseDeps } from './usecases/usecase-deps.test-harness';

export interface ReceivedWebhook {
  headers: http.IncomingHttpHeaders;
  body: string;
  json: { id: string; event: string; session_id: string; occurred_at: string; call: CallLifecycleData };
  path: string;
}

/**
 * A customer's webhook endpoint on 127.0.0.1, port 0: keeps every request, answers each with the next queued
 * reply (default 200). `hang` leaves requests unanswered, for timeouts; `connections` counts TCP connections, so a
 * refused target can be shown never to have been contacted.
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  connections = 0;
  private replies: Array<number | 'hang' | { redirect: string }> = [];
  private fallback: number | 'hang' = 200;
  private readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      this.received.push({ headers: req.headers, body, json: JSON.parse(body), path: req.url ?? '' });
      const reply = this.replies.shift() ?? this.fallback;
      if (reply === 'hang') return;
      if (typeof reply === 'object') {
        res.writeHead(302, { location: reply.redirect }).end();
        return;
      }
      res.writeHead(reply, { 'content-type': 'text/plain' }).end('ok');
    });
  });

  async start(): Promise<this> {
    this.server.on('connection', () => this.connections++);
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The next requests' statuses, in order; afterwards `always`. */
  reply(...statuses: Array<number | 'hang' | { redirect: string }>): void {
    this.replies.push(...statuses);
  }

  always(status: number | 'hang'): void {
    this.fallback = status;
  }

  ids(): string[] {
    return this.received.map((r) => r.json.id);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Verifies `Callplane-Signature` the way API.md tells customers to: some `v1=` is the HMAC of `<t>.<raw body>` under `secret`. */
export function signatureMatches(header: string, body: string, secret: string): boolean {
  const parts = header.split(',').map((p) => p.split('=') as [string, string]);
  const t = parts.find(([k]) => k === 't')?.[1];
  if (!t) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest();
  return parts.filter(([k]) => k === 'v1').some(([, v]) => {
    const got = Buffer.from(v, 'hex');
    return got.length === expected.length && timingSafeEqual(got, expected);
  });
}

/** The `v1=` values of a signature header. */
export const v1Values = (header: string): string[] =>
  header
    .split(',')
    .filter((p) => p.startsWith('v1='))
    .map((p) => p.slice(3));

/** Dialer deps for driving the webhook use cases and workers directly (no HTTP service, no background loop). */
export const webhookDeps = usecaseDeps;

/** A `call.lifecycle` event of an outbound call, as the gateway publishes it. */
export function lifecycleEvent(opts: { tenantId: string; sessionId: string; state: CallState; agentId?: string | null; occurredAt: Date; direction?: 'inbound' | 'outbound' }): EventEnvelope<CallLifecycleData> {
  const ended = ['completed', 'failed', 'no_answer', 'busy', 'canceled'].includes(opts.state);
  return buildEventEnvelope<CallLifecycleData>({
    type: lifecycleEventType(opts.state),
    tenantId: opts.tenantId,
    key: opts.sessionId,
    occurredAt: opts.occurredAt,
    data: {
      session_id: opts.sessionId,
      state: opts.state,
      direction: opts.direction ?? 'outbound',
      call_type: 'production',
      agent_id: opts.agentId ?? null,
      phone_number_id: null,
      from_number: '+14155550100',
      to_number: '+14155550199',
      provider: 'twilio',
      provider_call_id: `CA${randomBytes(16).toString('hex')}`,
      sip_status: null,
      end_reason: ended ? 'hangup' : null,
      started_at: opts.occurredAt.toISOString(),
      answered_at: null,
      ended_at: ended ? opts.occurredAt.toISOString() : null,
    },
  });
}

/** An `outbound_calls` row as the dial API writes it (the dial API may not exist yet in this checkout). */
export async function seedOutboundCall(deps: Pick<DialerDeps, 'prisma'>, opts: { tenantId: string; agentId?: string; webhookUrl?: string | null }): Promise<string> {
  const id = newId('callSession');
  await deps.prisma.outboundCall.create({
    data: {
      id,
      tenantId: opts.tenantId,
      agentId: opts.agentId ?? newId('agent'),
      fromNumber: '+14155550100',
      toNumber: '+14155550199',
      callType: 'production',
      state: 'dispatched',
      webhookUrl: opts.webhookUrl ?? null,
    },
  });
  return id;
}

/** Runs `fn` in a transaction, as the deduplicated consumer does. */
export const inTx = <T>(deps: Pick<DialerDeps, 'prisma'>, fn: (tx: Parameters<Parameters<DialerDeps['prisma']['$transaction']>[0]>[0]) => Promise<T>): Promise<T> => deps.prisma.$transaction(fn);
