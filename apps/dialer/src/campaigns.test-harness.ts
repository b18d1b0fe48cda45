import { newId } from '@callplane/contracts';
import type { PrismaClient } from '@callplane/db';
import type { useDialerService } from './dialer.test-harness';

type Dialer = ReturnType<typeof useDialerService>;

/** A tenant ready to run campaigns: user, agent, a number with outbound enabled. */
export async function campaignOwner(d: Dialer, label = 'Campaigns') {
  const t = await d.newTenantUser(label);
  const agentId = await d.newAgent(t.tenantId);
  const from = await d.newOutboundNumber(t.tenantId);
  return { ...t, agentId, from };
}
export type CampaignOwner = Awaited<ReturnType<typeof campaignOwner>>;

/** A complete, valid create body (API.md's fields), overridable field by field. */
export function campaignBody(o: Pick<CampaignOwner, 'agentId' | 'from'>, over: Record<string, unknown> = {}) {
  return {
    name: 'Policy renewals',
    agent_id: o.agentId,
    from_numbers: [o.from.number],
    timezone: 'America/New_York',
    windows: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00' }],
    concurrency: 20,
    max_calls_per_second: 2,
    retry: { max_attempts: 3, backoff_seconds: 3600, on: ['no_answer', 'busy'] },
    ...over,
  };
}

/** Customer-API calls on campaigns for one owner. */
export function campaignApi(d: Dialer, o: Pick<CampaignOwner, 'apiKey'>) {
  const token = o.apiKey;
  return {
    create: (body: unknown, headers: Record<string, string> = {}) => d.call('POST', '/voice/campaigns', { token, json: body, headers }),
    get: (id: string) => d.call('GET', `/voice/campaigns/${id}`, { token }),
    list: (query = '') => d.call('GET', `/voice/campaigns${query}`, { token }),
    patch: (id: string, body: unknown) => d.call('PATCH', `/voice/campaigns/${id}`, { token, json: body }),
    act: (id: string, verb: 'launch' | 'pause' | 'resume' | 'cancel') => d.call('POST', `/voice/campaigns/${id}/${verb}`, { token }),
    uploadCsv: (id: string, csv: string | Buffer, contentType = 'text/csv') => d.call('POST', `/voice/campaigns/${id}/contacts`, { token, headers: { 'content-type': contentType }, rawBody: csv as string }),
    uploadJson: (id: string, body: unknown) => d.call('POST', `/voice/campaigns/${id}/contacts`, { token, json: body }),
    contacts: (id: string, query = '') => d.call('GET', `/voice/campaigns/${id}/contacts${query}`, { token }),
    results: (id: string) => d.call('GET', `/voice/campaigns/${id}/results.csv`, { token }),
  };
}

/** Contacts written straight to the table in the given states (as a runner would have left them), for counts and cancel. */
export async function seedContacts(prisma: PrismaClient, campaign: { id: string; tenantId: string }, states: string[], numbers: () => string) {
  const last = await prisma.campaignContact.aggregate({ where: { campaignId: campaign.id }, _max: { seq: true } });
  const start = last._max.seq ?? 0;
  const now = new Date();
  await prisma.campaignContact.createMany({
    data: states.map((state, i) => ({ id: newId('campaignContact'), campaignId: campaign.id, tenantId: campaign.tenantId, seq: start + i + 1, toNumber: numbers(), state, updatedAt: now })),
  });
}

/** `n` distinct, valid US numbers in E.164 (+1 415 222-0000 onwards): `offset` shifts the block. */
export function numberBlock(n: number, offset = 0): string[] {
  return Array.from({ length: n }, (_, i) => {
    const k = i + offset;
    return `+1415${222 + Math.floor(k / 10_000)}${String(k % 10_000).padStart(4, '0')}`;
  });
}
