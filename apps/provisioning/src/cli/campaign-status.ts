import { CONTACT_STATES, type CampaignDto } from '@callplane/contracts';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ApiClient } from './api-client';
import { printRefusal } from './cli-output';
import { EXIT, type CliContext } from './cli-program';

/** A campaign in these statuses will not change again: `status --watch` ends. */
const FINAL_STATUSES: ReadonlyArray<CampaignDto['status']> = ['completed', 'canceled'];

/** Exit code of a watch stopped with Ctrl-C. */
export const INTERRUPTED = EXIT.interrupted;

export const campaignHeadline = (c: Pick<CampaignDto, 'id' | 'name' | 'status'>) => `${c.name} (${c.id}): ${c.status}`;

/** The headline and a line of counts, every contact state in the contract's order. */
export function describeCampaign(c: Pick<CampaignDto, 'id' | 'name' | 'status' | 'counts'>): string {
  const counts = ['total', ...CONTACT_STATES].map((k) => `${k} ${c.counts[k as keyof CampaignDto['counts']] ?? 0}`).join('  ');
  return `${campaignHeadline(c)}\n  ${counts}\n`;
}

/**
 * Prints the campaign's counts (with `--json`, the campaign, one JSON line each time); with `watch`, asks again every
 * `pollMs` and prints whenever they changed, until the campaign is completed or canceled, or Ctrl-C.
 */
export async function campaignStatus(client: ApiClient, ctx: CliContext, campaignId: string, watch: boolean): Promise<number> {
  let shown = '';
  try {
    for (;;) {
      const res = await client.request('GET', `/voice/campaigns/${encodeURIComponent(campaignId)}`, { signal: ctx.signal });
      if (!res.ok) return await printRefusal(res, ctx);
      const campaign = (await res.json()) as CampaignDto;
      const text = ctx.json ? `${JSON.stringify(campaign)}\n` : describeCampaign(campaign);
      if (text !== shown) ctx.out(text);
      shown = text;
      if (!watch || FINAL_STATUSES.includes(campaign.status)) return 0;
      await sleep(ctx.pollMs, undefined, { signal: ctx.signal });
    }
  } catch (err) {
    if (ctx.signal.aborted) return INTERRUPTED;
    throw err;
  }
}
