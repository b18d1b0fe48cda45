import { newId } from '@callplane/contracts';
import { AppError } from '@callplane/service-kit';
import { twirpError } from '@callplane/testing';
import { importNumber } from './import-number.usecase';
import { releaseImported } from './release-number.usecase';
import { rejection, useProvisioningDeps, VOBIZ } from './usecases.test-harness';

describe('releaseImported', () => {
  const h = useProvisioningDeps();
  let tenantId: string;
  let n = 0;
  const nextNumber = () => `+9180712347${String(10 + n++).padStart(2, '0')}`;
  const importVobiz = async () => (await importNumber(h.deps(), h.log, tenantId, 'vobiz', { credentials: VOBIZ, number: nextNumber() })).id;

  beforeAll(async () => {
    tenantId = await h.newTenant('Release use case');
  });

  it('removes what the import created, newest first, and journals an empty list', async () => {
    const id = await importVobiz();
    const mark = h.fakes.livekit.requests.length;
    await releaseImported(h.deps(), h.log, await h.row(id));
    expect(h.livekitRpcs(mark)).toEqual(['DeleteSIPTrunk', 'DeleteSIPDispatchRule', 'DeleteSIPTrunk']);
    expect(h.stepNames(await h.row(id))).toEqual([]);
    expect(h.livekitLeft()).toBe(0);
  });

  it('a release that stops half-way keeps the number needs_attention with what is left, and releasing again carries on from there', async () => {
    const id = await importVobiz();
    h.fakes.livekit.failNext({ path: /DeleteSIPDispatchRule/ }, twirpError('unavailable', 'down'));

    const err = await rejection(releaseImported(h.deps(), h.log, await h.row(id)));

    expect(err).toBeInstanceOf(AppError);
    expect({ code: (err as AppError).code, status: (err as AppError).status, retryable: (err as AppError).retryable, details: (err as AppError).details }).toEqual({
      code: 'provider_unavailable',
      status: 502,
      retryable: true,
      details: { phone_id: id, state: 'needs_attention' },
    });
    const stopped = await h.row(id);
    expect(stopped.state).toBe('needs_attention');
    expect(stopped.attentionReason).toMatch(/^The release stopped because livekit\.inbound could not be removed .*; still in place: livekit\.inbound\.$/);
    // The outbound trunk went first and is no longer recorded; the inbound trunk and its rule are.
    expect(h.stepNames(stopped)).toEqual(['livekit.inbound']);
    expect(h.fakes.livekit.outboundTrunks).toEqual([]);

    const mark = h.fakes.livekit.requests.length;
    await releaseImported(h.deps(), h.log, stopped);
    expect(h.livekitRpcs(mark)).toEqual(['DeleteSIPDispatchRule', 'DeleteSIPTrunk']);
    expect(h.stepNames(await h.row(id))).toEqual([]);
    expect(h.livekitLeft()).toBe(0);
  });

  it('refuses an import still running, and cleans up one that was interrupted long enough ago', async () => {
    const id = await importVobiz();
    await h.prisma().phoneNumber.update({ where: { id }, data: { state: 'importing', updatedAt: new Date() } });
    const lk = h.fakes.livekit.requests.length;

    const err = await rejection(releaseImported(h.deps(), h.log, await h.row(id)));
    expect({ code: (err as AppError).code, status: (err as AppError).status, retryable: (err as AppError).retryable }).toEqual({ code: 'import_in_progress', status: 409, retryable: true });
    expect(h.fakes.livekit.requests.length).toBe(lk);

    await h.prisma().phoneNumber.update({ where: { id }, data: { updatedAt: new Date(Date.now() - 10 * 60_000) } });
    await releaseImported(h.deps(), h.log, await h.row(id));
    expect(h.livekitLeft()).toBe(0);
  });

  it('a number with nothing recorded needs neither LiveKit nor the carrier', async () => {
    const id = newId('phoneNumber');
    await h.prisma().phoneNumber.create({ data: { id, tenantId, number: nextNumber(), provider: 'sip', inboundConfigured: false, outboundEnabled: false } });
    const lk = h.fakes.livekit.requests.length;
    await expect(releaseImported(h.deps({ livekit: false }), h.log, await h.row(id))).resolves.toBeUndefined();
    expect(h.fakes.livekit.requests.length).toBe(lk);
  });
});
