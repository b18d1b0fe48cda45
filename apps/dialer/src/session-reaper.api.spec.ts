import { CALL_ROOM_PREFIX } from '@callplane/livekit';
import { pollUntil, uniquePhoneNumber } from '@callplane/testing';
import { TestClock, useDialerService } from './dialer.test-harness';
import { signatureMatches, WebhookReceiver } from './status-webhooks.test-harness';

/**
 * The dialer's session reaper as it runs in the service: a call answered through FakeLiveKit whose end never comes
 * (the voice agent died with it, and LiveKit's webhooks never arrived) is ended `lost` once the clock passes its
 * maximum (the agent's `max_duration`, 300 s) and the grace period (60 s): its room is deleted, its attempt closed,
 * and the customer gets the signed status webhook.
 */
describe('session reaper in the dialer service', () => {
  const clock = new TestClock();
  const d = useDialerService({ clock });
  const receiver = new WebhookReceiver();
  beforeAll(async () => {
    await receiver.start();
  });
  afterAll(async () => {
    await receiver.stop();
  });

  it('ends an answered call left open past its maximum: room deleted, status webhook with end_reason lost, counted', async () => {
    const t = await d.newTenantUser('Reaper');
    const agentId = await d.newAgent(t.tenantId);
    const from = await d.newOutboundNumber(t.tenantId);
    const dial = await d.call('POST', '/voice/outbound/dial', { token: t.apiKey, json: { agent_id: agentId, to_number: uniquePhoneNumber(), from_number: from.number, webhook_url: `${receiver.url}/calls` } });
    expect(dial.status).toBe(202);
    const id = String(dial.body.session_id);
    const room = `${CALL_ROOM_PREFIX}${id}`;
    const answered = await pollUntil(async () => {
      const s = await d.prisma().callSession.findUnique({ where: { id } });
      return s?.status === 'in_progress' ? s : null;
    }, { description: 'the call answered' });
    expect(answered.maxDurationSeconds).toBe(300);
    expect(d.livekit.rooms.some((r) => r.name === room)).toBe(true);

    await pollUntil(() => receiver.received.some((w) => w.json.session_id === id && w.json.event === 'in_progress'), { description: 'the in_progress webhook' });
    // Past the maximum and the grace period (which calls inside it are left alone is the use case's spec), the next
    // round (every 5 s) ends the call.
    clock.advance((300 + 60 + 1) * 1000);
    const lost = await pollUntil(() => receiver.received.find((w) => w.json.session_id === id && w.json.event === 'completed') ?? null, { timeoutMs: 20_000, description: 'the lost call webhook' });
    expect(lost.json.call).toMatchObject({ state: 'completed', end_reason: 'lost', answered_at: answered.answeredAt!.toISOString(), ended_at: new Date(answered.answeredAt!.getTime() + 300_000).toISOString() });
    const { secret } = (await d.call('GET', '/voice/settings/webhooks', { token: t.apiKey })).body as { secret: string };
    expect(signatureMatches(String(lost.headers['callplane-signature']), lost.body, secret)).toBe(true);

    expect(await d.prisma().callSession.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: 'completed', endReason: 'lost' });
    expect(d.livekit.rooms.some((r) => r.name === room)).toBe(false);
    await pollUntil(async () => (await d.prisma().outboundCall.findUniqueOrThrow({ where: { id } })).state === 'ended', { description: 'the attempt closed' });
    // Exactly one end went out, whatever the rounds since (the first two share the test clock's instant: any order).
    expect(receiver.received.filter((w) => w.json.session_id === id).map((w) => w.json.event).sort()).toEqual(['completed', 'in_progress', 'initiating']);
    const metrics = await d.call('GET', '/metrics');
    expect(metrics.text).toContain('calls_reaped_total{stage="answered",source="reaper",service="dialer"} 1');
  });
});
