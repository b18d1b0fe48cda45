import { CARRIERS } from '@callplane/providers';
import { AppError } from '@callplane/service-kit';
import { twirpError } from '@callplane/testing';
import { importNumber } from './import-number.usecase';
import { deletePhoneNumber } from './phone-numbers.usecase';
import { isBindingRemembered, rememberBinding } from './sticky-bindings.repository';
import { EXOTEL, PLIVO, PLIVO_IN_LOCAL_EARLIER, PLIVO_NUMBERS, rejection, useProvisioningDeps, VOBIZ } from './usecases.test-harness';

describe('importNumber', () => {
  const h = useProvisioningDeps();
  let tenantId: string;
  let n = 0;
  /** A fresh number per Vobiz import: numbers are unique across Callplane. */
  const nextNumber = () => `+9180712346${String(10 + n++).padStart(2, '0')}`;
  const plivoCreds = { auth_id: PLIVO.authId, auth_token: PLIVO.authToken };
  const plivoWrites = (from: number) => h.fakes.plivo.requests.slice(from).filter((r) => r.method !== 'GET');

  beforeAll(async () => {
    tenantId = await h.newTenant('Import use case');
  });

  it("refuses a number under a sticky binding that we bound before, with the carrier's refusal, writing and creating nothing", async () => {
    const number = `+${PLIVO_IN_LOCAL_EARLIER}`;
    await rememberBinding(h.prisma(), number, await h.newTenant('Earlier owner'));
    const pl = h.fakes.plivo.requests.length;
    const lk = h.fakes.livekit.requests.length;

    const err = await rejection(importNumber(h.deps(), h.log, tenantId, 'plivo', { credentials: plivoCreds, number }));

    const refusal = CARRIERS.plivo.stickyBinding.refusal;
    expect(err).toBeInstanceOf(AppError);
    expect({ code: (err as AppError).code, status: (err as AppError).status, message: (err as AppError).message }).toEqual({ code: 'plivo_india_number_locked', status: 409, message: refusal.message });
    expect(await h.prisma().phoneNumber.count({ where: { number } })).toBe(0);
    expect(refusal.message).toMatch(/re-purchase/);
    expect(plivoWrites(pl)).toEqual([]);
    expect(h.fakes.livekit.requests.length).toBe(lk);
  });

  it('remembers a number the preflight finds under a sticky binding once it is imported, and only such a number', async () => {
    const india = await importNumber(h.deps(), h.log, tenantId, 'plivo', { credentials: plivoCreds, number: `+${PLIVO_NUMBERS.inLocal}` });
    expect(india.locked).toEqual({ reason: expect.stringMatching(/bound/) });
    expect(await isBindingRemembered(h.prisma(), india.number)).toBe(true);
    await deletePhoneNumber(h.deps(), h.log, tenantId, india.id);
    expect(await isBindingRemembered(h.prisma(), india.number)).toBe(true);

    const us = await importNumber(h.deps(), h.log, tenantId, 'plivo', { credentials: plivoCreds, number: `+${PLIVO_NUMBERS.us}` });
    expect(us.locked).toBeNull();
    expect(await isBindingRemembered(h.prisma(), us.number)).toBe(false);
    await deletePhoneNumber(h.deps(), h.log, tenantId, us.id);
    expect(await isBindingRemembered(h.prisma(), us.number)).toBe(false);
  });

  it("keeps the carrier's secret field, and no other credential, as the credential hint", async () => {
    const vobiz = await importNumber(h.deps(), h.log, tenantId, 'vobiz', { credentials: VOBIZ, number: nextNumber() });
    expect(vobiz.credential_hint).toBe(`…${VOBIZ.password.slice(-4)}`);
    const exotelCreds = { api_key: EXOTEL.apiKey, api_token: EXOTEL.apiToken, account_sid: EXOTEL.sid };
    const exotel = await importNumber(h.deps(), h.log, tenantId, 'exotel', { credentials: exotelCreds, number: EXOTEL.number });
    expect(exotel.credential_hint).toBe(`…${EXOTEL.apiToken.slice(-4)}`);
    expect([EXOTEL.apiKey, EXOTEL.sid].map((s) => `…${s.slice(-4)}`)).not.toContain(exotel.credential_hint);
    for (const p of [vobiz, exotel]) await deletePhoneNumber(h.deps(), h.log, tenantId, p.id);
  });

  it('undoes the steps before a failed one and forgets the number: the API error names the step, no row, no event', async () => {
    const number = nextNumber();
    h.fakes.livekit.failNext({ path: /CreateSIPOutboundTrunk/ }, twirpError('unavailable', 'sip service restarting'));

    const err = await rejection(importNumber(h.deps(), h.log, tenantId, 'vobiz', { credentials: VOBIZ, number }));

    expect(err).toBeInstanceOf(AppError);
    expect({ code: (err as AppError).code, status: (err as AppError).status, details: (err as AppError).details }).toEqual({ code: 'livekit_unavailable', status: 502, details: { step: 'livekit.outbound' } });
    expect((err as AppError).message).toMatch(/Nothing was left configured/);
    expect(await h.prisma().phoneNumber.count({ where: { number } })).toBe(0);
    expect(await h.prisma().outboxEvent.count({ where: { envelope: { path: ['data', 'number'], equals: number } } })).toBe(0);
    expect(h.livekitLeft()).toBe(0);
  });

  it('when undoing fails too, keeps the number needs_attention with the step that stopped it and what is still in place', async () => {
    const number = nextNumber();
    h.fakes.livekit.failNext({ path: /CreateSIPOutboundTrunk/ }, twirpError('unavailable', 'sip service restarting'));
    h.fakes.livekit.failNext({ path: /DeleteSIPDispatchRule/ }, twirpError('unavailable', 'still restarting'));

    const err = await rejection(importNumber(h.deps(), h.log, tenantId, 'vobiz', { credentials: VOBIZ, number }));

    const details = (err as AppError).details as { step: string; phone_id: string; state: string };
    expect(details).toMatchObject({ step: 'livekit.outbound', state: 'needs_attention' });
    const row = await h.row(details.phone_id);
    expect(row).toMatchObject({ number, state: 'needs_attention', outboundEnabled: false });
    expect(row.attentionReason).toBe('The import stopped because livekit.inbound could not be removed (LiveKit delete dispatch rule failed: 503 unavailable still restarting); still in place: livekit.inbound.');
    expect(h.stepNames(row)).toEqual(['livekit.inbound']);
    expect(await h.eventsFor(row.id)).toEqual([]);

    await deletePhoneNumber(h.deps(), h.log, tenantId, row.id);
    expect(h.livekitLeft()).toBe(0);
  });

  it('refuses to import without LiveKit before asking the carrier anything', async () => {
    const pl = h.fakes.plivo.requests.length;
    const err = await rejection(importNumber(h.deps({ livekit: false }), h.log, tenantId, 'plivo', { credentials: plivoCreds, number: `+${PLIVO_NUMBERS.us}` }));
    expect({ code: (err as AppError).code, status: (err as AppError).status }).toEqual({ code: 'livekit_not_configured', status: 409 });
    expect(h.fakes.plivo.requests.length).toBe(pl);
  });
});
