import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CAMPAIGN_RESULT_COLUMNS, type CampaignContactDto, type ContactState, type ListQuery } from '@callplane/contracts';
import type { CampaignContact } from '@callplane/db';
import { AppError } from '@callplane/service-kit';
import { stringify } from 'csv-stringify';
import { ownCampaign } from './campaigns.usecase';
import type { DialerDeps } from './deps';

/** Contacts read per query while exporting: the export's memory stays this size whatever the campaign's. */
const EXPORT_PAGE = 5_000;

/** `GET /voice/campaigns/{id}/contacts?state=`: in dialing order (`seq`), keyset-paged. */
export async function listContacts(deps: DialerDeps, tenantId: string, campaignId: string, q: ListQuery & { state?: ContactState }) {
  await ownCampaign(deps.prisma, tenantId, campaignId);
  const after = decodeSeqCursor(q.cursor);
  const rows = await deps.prisma.campaignContact.findMany({
    where: { campaignId, ...(q.state ? { state: q.state } : {}), ...(after !== undefined ? { seq: { gt: after } } : {}) },
    orderBy: { seq: 'asc' },
    take: q.limit + 1,
  });
  const items = rows.slice(0, q.limit);
  const last = items[items.length - 1];
  return { data: items.map(presentContact), next_cursor: rows.length > q.limit && last ? encodeSeqCursor(last.seq) : null };
}

export function presentContact(c: CampaignContact): CampaignContactDto {
  return {
    id: c.id,
    to_number: c.toNumber,
    context: c.context as Record<string, string>,
    state: c.state as ContactState,
    attempts: c.attempts,
    last_outcome: c.lastOutcome,
    last_session_id: c.lastSessionId,
    next_attempt_at: c.nextAttemptAt?.toISOString() ?? null,
  };
}

/**
 * `GET /voice/campaigns/{id}/results.csv`: one row per contact in dialing order, `CAMPAIGN_RESULT_COLUMNS` then one
 * column per context variable any contact has (sorted by name; empty where a contact lacks it). Streamed: contacts are
 * read a page at a time as the client takes the file. A context variable named like a result column (a CSV's `state`
 * column, say) is written as `context.<name>` so no header appears twice.
 */
export async function campaignResultsCsv(deps: DialerDeps, tenantId: string, campaignId: string): Promise<Readable> {
  await ownCampaign(deps.prisma, tenantId, campaignId);
  const keys = (await deps.prisma.$queryRaw<Array<{ key: string }>>`
    SELECT DISTINCT jsonb_object_keys(context) AS key FROM campaign_contacts WHERE campaign_id = ${campaignId}`)
    .map((r) => r.key)
    .sort();
  const reserved = new Set<string>(CAMPAIGN_RESULT_COLUMNS);
  const header = [...CAMPAIGN_RESULT_COLUMNS, ...keys.map((k) => (reserved.has(k) ? `context.${k}` : k))];

  const { prisma } = deps;
  async function* records() {
    let after = 0;
    for (;;) {
      const contacts = await prisma.campaignContact.findMany({
        where: { campaignId, seq: { gt: after } },
        orderBy: { seq: 'asc' },
        take: EXPORT_PAGE,
        select: { seq: true, toNumber: true, state: true, attempts: true, lastOutcome: true, lastSessionId: true, durationSeconds: true, context: true },
      });
      for (const c of contacts) {
        const context = c.context as Record<string, string>;
        yield [c.toNumber, c.state, c.attempts, c.lastOutcome ?? '', c.lastSessionId ?? '', c.durationSeconds ?? '', ...keys.map((k) => context[k] ?? '')];
      }
      if (contacts.length < EXPORT_PAGE) return;
      after = contacts[contacts.length - 1]!.seq;
    }
  }
  const csv = stringify({ header: true, columns: header });
  // A failure while reading reaches the response through `csv` (pipeline destroys it with the error).
  pipeline(Readable.from(records()), csv).catch(() => undefined);
  return csv;
}

function encodeSeqCursor(seq: number): string {
  return Buffer.from(`seq:${seq}`).toString('base64url');
}

function decodeSeqCursor(cursor: string | undefined): number | undefined {
  if (!cursor) return undefined;
  const m = /^seq:(\d{1,10})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m) {
    throw new AppError('validation_failed', 'The cursor is not valid: pass next_cursor from the previous page unchanged.', {
      details: [{ field: 'query.cursor', message: 'not a cursor this API issued' }],
    });
  }
  return Number(m[1]);
}
