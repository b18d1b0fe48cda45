import { newId, TOPICS, type EventEnvelope } from '@callplane/contracts';
import { apiError, BackendTerminator, httpRequest, newCallSid, pollUntil, twilioSignature, uniquePhoneNumber, type HttpResponse } from '@callplane/testing';
/* eslint-disable @nx/enforce-module-boundaries -- the gateway and the dialer composed in one service, as the all-in-one does */
import { useDialerService } from '../../dialer/src/dialer.test-harness';
import { createGatewayModule } from '../../telephony-gateway/src/app';
/* eslint-enable @nx/enforce-module-boundaries */

const PUBLIC_BASE_URL = 'https://voice.example.com';
const SIP_HOST = 'sip.livekit.example.com';
const SIGNING_SECRET = 'chaos-signing-secret-0001';
/** Distinct inbound calls, and outbound dials (each with its own Idempotency-Key). */
const CALLS = 100;
const DIALS = 50;
/** Clients in flight at once: the service's pool (8 connections) is busy, never idle, when its backends are killed. */
const CLIENTS = 12;
/** Every backend of the database is terminated each time this many more requests have been answered. */
const TERMINATE_EVERY = 8;
/** A client gives up after this many tries; a request that never gets through is a service that never recovered. */
const MAX_ATTEMPTS = 30;

/** One request as a client sees it through: every answer it got, the last one the acknowledgement. */
interface Delivery {
  answers: HttpResponse[];
  connectionErrors: number;
}

/**
 * PostgreSQL connections terminated mid-traffic (a failover, a restarted pooler): the gateway and the dialer in one
 * service on real PostgreSQL, a steady stream of signed Twilio webhooks and dial requests (some sent twice, as a
 * carrier and an API client retry), and every backend of the database terminated again and again meanwhile. Clients
 * retry what was not acknowledged, as they would: a carrier re-sends a webhook answered 5xx, an API client resends
 * with the same Idempotency-Key. Nothing acknowledged may be lost or doubled, and the service recovers by itself.
 */
describe('PostgreSQL backends terminated while webhooks and dials arrive', () => {
  const d = useDialerService({
    alongside: ({ platform, routerDeps, secrets }) => [createGatewayModule({ platform, routerDeps, secrets, publicBaseUrl: PUBLIC_BASE_URL, livekitSipHost: SIP_HOST })],
  });
  jest.setTimeout(180_000);

  let answered = 0;
  const problems: string[] = [];

  /** Sends until acknowledged (`ok`), retrying 5xx, connection errors and a key still in progress; anything else is a problem. */
  async function deliver(send: () => Promise<HttpResponse>, ok: number): Promise<Delivery> {
    const delivery: Delivery = { answers: [], connectionErrors: 0 };
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      let res: HttpResponse;
      try {
        res = await send();
      } catch {
        delivery.connectionErrors++;
        continue;
      } finally {
        answered++;
      }
      delivery.answers.push(res);
      if (res.status === ok) return delivery;
      const retryable = res.status >= 500 || (res.status === 409 && res.body.error !== undefined && apiErrorCode(res) === 'idempotency_in_progress');
      try {
        apiError(res); // a refusal carries the contract's error shape, whatever its status
      } catch (err) {
        problems.push((err as Error).message);
      }
      if (!retryable) {
        problems.push(`not retryable: ${res.status} ${res.text}`);
        return delivery;
      }
    }
    problems.push(`no acknowledgement after ${MAX_ATTEMPTS} attempts: ${delivery.answers.map((a) => a.status).join(', ')}`);
    return delivery;
  }
  const apiErrorCode = (res: HttpResponse) => (res.body.error as { code?: string }).code;
  const last = (x: Delivery) => x.answers[x.answers.length - 1];

  test('every acknowledged webhook and dial has exactly one session and one published call.lifecycle event, and the service recovers', async () => {
    const prisma = d.prisma();
    const { tenantId, apiKey } = await d.newTenantUser('Chaos');
    const agentId = await d.newAgent(tenantId);
    const from = await d.newOutboundNumber(tenantId);
    const inbound = { id: newId('phoneNumber'), number: uniquePhoneNumber() };
    await prisma.phoneNumber.create({
      data: { id: inbound.id, tenantId, number: inbound.number, provider: 'sip', agentId, enabled: true, signingSecretEnc: d.secrets.seal(SIGNING_SECRET) },
    });

    // What the relay hands the bus: every call.lifecycle event id, counted.
    const published = new Map<string, number>();
    await d.service().running.platform.bus.subscribe({
      group: 'spec.chaos',
      topics: [TOPICS.callLifecycle],
      handler: async (e: EventEnvelope) => void published.set(e.id, (published.get(e.id) ?? 0) + 1),
    });

    const webhook = (callSid: string) => {
      const form = { CallSid: callSid, AccountSid: `AC${'1'.repeat(32)}`, From: '+14155550100', To: inbound.number, CallStatus: 'ringing', Direction: 'inbound', ApiVersion: '2010-04-01' };
      const signature = twilioSignature(SIGNING_SECRET, `${PUBLIC_BASE_URL}/twilio/incoming/${inbound.id}`, form);
      return () => httpRequest('POST', `${d.service().url}/twilio/incoming/${inbound.id}`, { form, headers: { 'x-twilio-signature': signature } });
    };
    const dial = (key: string, to: string) => () =>
      d.call('POST', '/voice/outbound/dial', { token: apiKey, json: { agent_id: agentId, to_number: to, from_number: from.number }, headers: { 'idempotency-key': key } });

    // The work: every call delivered once, every fourth twice at once (a carrier's retry racing the first); every dial
    // once, every third sent again once acknowledged (a client that lost the answer): a replay of the same call.
    const callSids = Array.from({ length: CALLS }, () => newCallSid());
    const dials = Array.from({ length: DIALS }, (_, i) => ({ key: `chaos-dial-${i}-${newCallSid()}`, to: uniquePhoneNumber() }));
    const webhookDeliveries = new Map<string, Delivery[]>(callSids.map((s) => [s, []]));
    const dialDeliveries = new Map<string, Delivery[]>(dials.map((x) => [x.key, []]));
    const tasks: Array<() => Promise<void>> = [];
    const webhookTask = (sid: string) => async () => void webhookDeliveries.get(sid)!.push(await deliver(webhook(sid), 200));
    const dialTask = (x: (typeof dials)[number], times: number) => async () => {
      for (let i = 0; i < times; i++) dialDeliveries.get(x.key)!.push(await deliver(dial(x.key, x.to), 202));
    };
    // Interleaved: two webhooks for each dial, so both kinds of request are in flight whenever backends are terminated.
    for (let i = 0; i < Math.max(CALLS, 2 * DIALS); i++) {
      const sid = callSids[i];
      if (sid) tasks.push(webhookTask(sid), ...(i % 4 === 0 ? [webhookTask(sid)] : []));
      const x = i % 2 === 0 ? dials[i / 2] : undefined;
      if (x) tasks.push(dialTask(x, (i / 2) % 3 === 0 ? 2 : 1));
    }

    const terminator = new BackendTerminator(process.env.DATABASE_URL!);
    await terminator.connect();
    terminator.start(() => answered, TERMINATE_EVERY);
    let nextTask = 0;
    try {
      await Promise.all(
        Array.from({ length: CLIENTS }, async () => {
          while (nextTask < tasks.length) await tasks[nextTask++]!();
        }),
      );
    } finally {
      await terminator.stop();
    }

    const all = [...webhookDeliveries.values(), ...dialDeliveries.values()].flat();
    const refused = all.flatMap((x) => x.answers).filter((a) => a.status >= 500);
    // The chaos was real: backends were terminated throughout, and requests in flight failed because of it.
    expect(terminator.rounds).toBeGreaterThanOrEqual(Math.floor(tasks.length / TERMINATE_EVERY / 2));
    expect(refused.length).toBeGreaterThan(0);
    // A request that lost its connection is answered as the contract's failure to retry: the database is unavailable.
    expect(new Set(refused.map((a) => `${a.status} ${apiErrorCode(a)}`))).toEqual(new Set(['503 database_unavailable']));
    expect(problems).toEqual([]);

    // Inbound: each call acknowledged, always with the same session, and that session alone in the database.
    const inboundSessions = new Map<string, string>();
    for (const [sid, deliveries] of webhookDeliveries) {
      const ids = new Set(deliveries.map((x) => /X-Callplane-Session=(cs_[a-z0-9]+)/.exec(last(x)!.text)?.[1]));
      expect({ sid, ids: [...ids] }).toEqual({ sid, ids: [expect.stringMatching(/^cs_/)] });
      const sessions = await prisma.callSession.findMany({ where: { providerCallId: sid }, select: { id: true } });
      expect({ sid, sessions: sessions.map((s) => s.id) }).toEqual({ sid, sessions: [...ids] });
      inboundSessions.set(sid, [...ids][0]!);
    }

    // Outbound: each key acknowledged with one session id, one call row, and (dispatched in the background) its session.
    const outboundSessions = new Map<string, string>();
    for (const x of dials) {
      const ids = new Set(dialDeliveries.get(x.key)!.map((y) => last(y)!.body.session_id));
      expect({ key: x.key, ids: [...ids] }).toEqual({ key: x.key, ids: [expect.stringMatching(/^cs_/)] });
      const rows = await prisma.outboundCall.findMany({ where: { toNumber: x.to }, select: { id: true } });
      expect({ key: x.key, rows: rows.map((r) => r.id) }).toEqual({ key: x.key, rows: [...ids] });
      outboundSessions.set(x.key, String([...ids][0]));
    }
    const sessionIds = [...inboundSessions.values(), ...outboundSessions.values()];
    // A dispatch whose retries all met a killed connection is placed by the scheduler's reclaim of rows left
    // `dispatching` (60 s stale): the wait covers that, since an acknowledged dial may be late but never lost.
    await pollUntil(async () => (await prisma.callSession.count({ where: { id: { in: sessionIds } } })) === sessionIds.length, {
      timeoutMs: 90_000,
      description: 'a session for every acknowledged dial',
    });
    expect(await prisma.callSession.count({ where: { tenantId } })).toBe(sessionIds.length);

    // Each session's first event written once, and every event published: marked in the outbox and handed to the bus
    // (at least once: a batch whose mark was lost with its connection goes out again, and consumers dedupe on the id).
    const lifecycle = await prisma.outboxEvent.findMany({ where: { topic: TOPICS.callLifecycle, key: { in: sessionIds } }, select: { id: true, key: true, envelope: true } });
    const firstEvents = lifecycle.filter((e) => (e.envelope as { type: string }).type === 'call.initiating');
    expect(new Set(firstEvents.map((e) => e.key)).size).toBe(sessionIds.length);
    expect(firstEvents).toHaveLength(sessionIds.length);
    await pollUntil(async () => (await prisma.outboxEvent.count({ where: { publishedAt: null } })) === 0, { timeoutMs: 30_000, description: 'the outbox emptied' });
    await pollUntil(() => lifecycle.every((e) => published.has(e.id)), { timeoutMs: 30_000, description: 'every call.lifecycle event on the bus' });

    // Recovered without a restart: ready, and new requests go through at the first try.
    const ready = await httpRequest('GET', `${d.service().url}/readyz`);
    expect(ready.status).toBe(200);
    expect((await webhook(newCallSid())()).status).toBe(200);
    expect((await dial(`after-chaos-${newCallSid()}`, uniquePhoneNumber())()).status).toBe(202);
  });
});
