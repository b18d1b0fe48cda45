import { randomInt } from 'node:crypto';
import { DO_NOT_CALL_MESSAGE, toE164 } from '@callplane/contracts';
import { CALL_ROOM_PREFIX, LiveKitSip } from '@callplane/livekit';
import { apiError, detailFields, expectApiError, pollUntil, uniquePhoneNumber } from '@callplane/testing';
import { LIVEKIT_KEYS, TestClock, useDialerService } from './dialer.test-harness';

/** The do-not-call list over HTTP, and its enforcement by the dial API, scheduled calls and studio test calls. */
describe('do-not-call list', () => {
  const clock = new TestClock();
  const d = useDialerService({ clock });

  async function caller(label = 'DNC') {
    const t = await d.newTenantUser(label);
    const agentId = await d.newAgent(t.tenantId);
    const from = await d.newOutboundNumber(t.tenantId);
    const add = (numbers: unknown) => d.call('POST', '/voice/dnc', { token: t.apiKey, json: { numbers } });
    const list = (query = '') => d.call('GET', `/voice/dnc${query}`, { token: t.apiKey });
    const remove = (number: string) => d.call('DELETE', `/voice/dnc/${number}`, { token: t.apiKey });
    const dial = (body: Record<string, unknown>) => d.call('POST', '/voice/outbound/dial', { token: t.apiKey, json: { agent_id: agentId, from_number: from.number, ...body } });
    return { ...t, agentId, from, add, list, remove, dial };
  }
  const listed = (tenantId: string) => d.prisma().doNotCallNumber.findMany({ where: { tenantId }, orderBy: { number: 'asc' } });
  const sipCallsTo = (to: string) => d.livekit.requestsTo('SIP', 'CreateSIPParticipant').filter((r) => (r.body as { sipCallTo?: string }).sipCallTo === to);

  describe('API', () => {
    it('adds numbers normalised to E.164 and counts only the new ones: adding again changes nothing', async () => {
      const c = await caller();
      const [a, b] = [uniquePhoneNumber(), uniquePhoneNumber()];
      const first = await c.add([a, b.slice(1), a]);
      expect(first.status).toBe(200);
      expect(first.body).toEqual({ added: 2 });
      const addedAt = (await listed(c.tenantId)).map((r) => r.addedAt);
      clock.advance(60_000);
      expect((await c.add([b, a])).body).toEqual({ added: 0 });
      expect((await listed(c.tenantId)).map((r) => [r.number, r.addedAt])).toEqual([a, b].sort().map((n, i) => [n, addedAt[i]]));
    });

    it('bad input is 400 naming each bad entry, and nothing is written', async () => {
      const c = await caller();
      const res = await c.add([uniquePhoneNumber(), 'call me maybe', '+1555']);
      expectApiError(res, 400, 'validation_failed');
      expect(detailFields(res)).toEqual(['numbers.1', 'numbers.2']);
      expectApiError(await c.add([]), 400, 'validation_failed');
      expect(await listed(c.tenantId)).toEqual([]);
    });

    it('lists newest first, a page at a time', async () => {
      const c = await caller();
      const numbers = [uniquePhoneNumber(), uniquePhoneNumber(), uniquePhoneNumber()];
      for (const n of numbers) {
        await c.add([n]);
        clock.advance(1000);
      }
      const first = await c.list('?limit=2');
      expect(first.body.data).toEqual([
        { number: numbers[2], added_at: new Date(clock.now().getTime() - 1000).toISOString() },
        { number: numbers[1], added_at: new Date(clock.now().getTime() - 2000).toISOString() },
      ]);
      const second = await c.list(`?limit=2&cursor=${String(first.body.next_cursor)}`);
      expect(second.body).toEqual({ data: [{ number: numbers[0], added_at: new Date(clock.now().getTime() - 3000).toISOString() }], next_cursor: null });
    });

    it('removes a number given with its + percent-encoded (204); a number not listed is 404; a malformed one 400', async () => {
      const c = await caller();
      const n = uniquePhoneNumber();
      await c.add([n]);
      expect((await c.remove(encodeURIComponent(n))).status).toBe(204);
      expect(await listed(c.tenantId)).toEqual([]);
      // A client that sends the + as it is is understood too.
      await c.add([n]);
      expect((await c.remove(n)).status).toBe(204);
      expect(await listed(c.tenantId)).toEqual([]);
      const again = await c.remove(encodeURIComponent(n));
      expectApiError(again, 404, 'not_found');
      expect(apiError(again).message).toBe(`${n} is not on your do-not-call list.`);
      const bad = await c.remove('not-a-number');
      expectApiError(bad, 400, 'validation_failed');
      expect(detailFields(bad)).toEqual(['params.number']);
    });

    it("is per tenant: another tenant neither sees, removes nor is refused by this tenant's numbers", async () => {
      const a = await caller('A');
      const b = await caller('B');
      const n = uniquePhoneNumber();
      await a.add([n]);
      expect((await b.list()).body).toEqual({ data: [], next_cursor: null });
      expectApiError(await b.remove(encodeURIComponent(n)), 404, 'not_found');
      expect((await listed(a.tenantId)).map((r) => r.number)).toEqual([n]);
      expect((await b.dial({ to_number: n })).status).toBe(202);
      expectApiError(await a.dial({ to_number: n }), 409, 'do_not_call');
    });
  });

  describe('enforcement', () => {
    it('the dial API refuses a listed destination, immediate or scheduled, with 409 do_not_call; nothing is written or dialed', async () => {
      const c = await caller();
      const n = uniquePhoneNumber();
      await c.add([n]);
      for (const body of [{ to_number: n }, { to_number: n.slice(1), scheduled_at: new Date(clock.now().getTime() + 60_000).toISOString() }]) {
        const res = await c.dial(body);
        expectApiError(res, 409, 'do_not_call');
        expect(apiError(res).message).toBe(DO_NOT_CALL_MESSAGE);
      }
      expect(await d.prisma().outboundCall.count({ where: { tenantId: c.tenantId } })).toBe(0);
      expect(sipCallsTo(n)).toEqual([]);
      // Off the list, the same call goes through.
      await c.remove(encodeURIComponent(n));
      expect((await c.dial({ to_number: n })).status).toBe(202);
    });

    it('a scheduled call whose destination was listed after it was accepted fails when it fires, with end reason do_not_call, and is never dialed', async () => {
      const c = await caller();
      const n = uniquePhoneNumber();
      const kept = uniquePhoneNumber();
      const inMinute = new Date(clock.now().getTime() + 60_000).toISOString();
      const res = await c.dial({ to_number: n, scheduled_at: inMinute });
      const control = await c.dial({ to_number: kept, scheduled_at: inMinute });
      expect([res.status, control.status]).toEqual([202, 202]);
      await c.add([n]);
      clock.advance(60_000);
      const id = String(res.body.session_id);
      const session = await pollUntil(async () => {
        const s = await d.prisma().callSession.findUnique({ where: { id } });
        return s?.status === 'failed' ? s : null;
      }, { description: 'the listed call failed' });
      expect(session).toMatchObject({ endReason: 'do_not_call', toNumber: n });
      // The dialer's row records why; the call.failed event then moves it to ended.
      const row = await pollUntil(async () => {
        const r = await d.prisma().outboundCall.findUniqueOrThrow({ where: { id } });
        return r.state === 'ended' ? r : null;
      }, { description: 'the listed call ended on its row' });
      expect(row).toMatchObject({ error: 'do_not_call', callState: 'failed' });
      // The call due at the same time to a number not listed was placed: the check is per destination.
      await pollUntil(() => sipCallsTo(kept).length === 1, { description: 'the control call dialed' });
      expect(sipCallsTo(n)).toEqual([]);
      expect(d.livekit.requestsTo('RoomService', 'CreateRoom').filter((r) => (r.body as { name: string }).name === `${CALL_ROOM_PREFIX}${id}`)).toEqual([]);
    });

    it('a studio test call to a listed destination is refused with 409 do_not_call, using none of the quota', async () => {
      const c = await caller();
      const sip = new LiveKitSip({ url: d.livekit.url, ...LIVEKIT_KEYS });
      const trial = indianNumber();
      const { trunkId } = await sip.createOutbound({ number: trial, name: 'trial', address: 'trial01.sip.vobiz.ai' });
      await d.prisma().trialNumber.create({ data: { id: `tpn_${randomInt(1e9)}`, number: trial, provider: 'vobiz', region: 'IN', credentialsEnc: 'sealed', livekitOutboundTrunkId: trunkId } });
      const to = indianNumber();
      await c.add([to]);
      const res = await d.call('POST', '/voice/studio/test-call', { token: c.apiKey, json: { agent_id: c.agentId, to_number: to } });
      expectApiError(res, 409, 'do_not_call');
      expect(apiError(res).message).toBe(DO_NOT_CALL_MESSAGE);
      expect((await d.call('GET', '/voice/studio/quota', { token: c.apiKey })).body).toMatchObject({ used: 0 });
      expect(await d.prisma().testCallCounter.count({ where: { scope: { in: [`user:${c.userId}`, `destination:${to}`] } } })).toBe(0);
      expect(await d.prisma().trialNumber.findUniqueOrThrow({ where: { number: trial } })).toMatchObject({ inUseBy: null });
      // Another destination is admitted on the same pool.
      expect((await d.call('POST', '/voice/studio/test-call', { token: c.apiKey, json: { agent_id: c.agentId, to_number: indianNumber() } })).status).toBe(201);
    });
  });
});

/** A valid Indian mobile number in E.164, different every call. */
function indianNumber(): string {
  for (;;) {
    const n = toE164(`+919${randomInt(100_000_000, 999_999_999)}`);
    if (n) return n;
  }
}
