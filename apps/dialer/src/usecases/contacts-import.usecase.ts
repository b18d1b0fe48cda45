import type { Readable } from 'node:stream';
import { isFinalCampaignStatus, type ContactInput, type ContactsUploadResult } from '@callplane/contracts';
import type { Campaign } from '@callplane/db';
import type { Logger } from '@callplane/service-kit';
import { campaignStatus, insertContacts, lastSeq, lockContactList, touchOpenCampaign, type NewContact } from './campaign-contacts.repository';
import { invalidState, ownCampaign } from './campaigns.usecase';
import { ContactScreen, rowsFromJson, type ContactCandidate, type ContactRejection, type ContactRow } from './contact-rows';
import { readCsvContacts } from './contacts-csv.reader';
import type { DialerDeps } from './deps';
import { hasDoNotCallNumbers, listedAmong } from './do-not-call.repository';

/** Rows per INSERT: big enough that a 100,000-row list is a few dozen statements, small enough to keep each quick. */
export const CONTACT_BATCH_SIZE = 5_000;
/** An upload's transaction holds at most this long (a million rows is well inside it). */
const UPLOAD_TX_TIMEOUT_MS = 10 * 60_000;


export type ContactSource = { kind: 'csv'; body: Readable } | { kind: 'json'; contacts: ContactInput[] };

/**
 * `POST /voice/campaigns/{id}/contacts`. The campaign is checked before the body is read (another tenant's is 404,
 * a finished one 409). The whole list is read and judged first: bad input is a 400 before anything is written. Then
 * one transaction writes it in batches, so an upload is all or nothing: each batch drops the numbers on the tenant's
 * do-not-call list and inserts the rest in one statement, where the campaign's unique index turns away numbers it
 * already has.
 */
export async function importContacts(deps: DialerDeps, log: Logger, tenantId: string, campaignId: string, source: ContactSource): Promise<ContactsUploadResult> {
  const campaign = await ownCampaign(deps.prisma, tenantId, campaignId);
  if (isFinalCampaignStatus(campaign.status)) throw invalidState(campaign.status, 'given more contacts', 'Create a new campaign for these contacts');
  const started = process.hrtime.bigint();
  const rows = source.kind === 'csv' ? await readCsvContacts(source.body) : rowsFromJson(source.contacts);
  const written = await writeContacts(deps, campaign, rows);
  const result = { accepted: written.accepted, rejected: written.rejected.sort((a, b) => a.row - b.row) };
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  log.info({ campaign_id: campaignId, format: source.kind, rows: rows.length, accepted: result.accepted, rejected: result.rejected.length, ms: Math.round(ms) }, 'campaign contacts imported');
  return result;
}

/**
 * Screens and writes the rows a batch at a time. Reading numbers (libphonenumber) is most of this process's work and
 * the INSERT most of the database's, so the next batch is screened while the previous one is being written.
 */
async function writeContacts(deps: DialerDeps, campaign: Campaign, rows: ContactRow[]): Promise<{ accepted: number; rejected: ContactRejection[] }> {
  const at = deps.now();
  const screen = new ContactScreen();
  // On libs/db `Sql`: a batch's arrays (thousands of rows) go to the pool as they are, not through Prisma's parameters.
  return deps.sql.transaction(
    async (tx) => {
      await lockContactList(tx, campaign.id);
      let seq = await lastSeq(tx, campaign.id);
      const anyListed = await hasDoNotCallNumbers(tx, campaign.tenantId);
      let accepted = 0;
      const rejected: ContactRejection[] = [];
      const write = async (batch: ContactCandidate[]) => {
        const listed = anyListed ? await listedAmong(tx, campaign.tenantId, batch.map((c) => c.number)) : new Set<string>();
        const fresh: Array<NewContact & { candidate: ContactCandidate }> = [];
        for (const c of batch) {
          if (listed.has(c.number)) rejected.push({ row: c.row, to_number: c.sent, error: 'do_not_call' });
          else fresh.push({ seq: ++seq, number: c.number, context: c.context, timezone: c.timezone, candidate: c });
        }
        const inserted = await insertContacts(tx, campaign, fresh, at);
        accepted += inserted.size;
        for (const f of fresh) if (!inserted.has(f.number)) rejected.push({ row: f.candidate.row, to_number: f.candidate.sent, error: 'duplicate' });
      };
      let writing: Promise<void> = Promise.resolve();
      for (let i = 0; i < rows.length; i += CONTACT_BATCH_SIZE) {
        const batch = await screenBatch(screen, rows, i, Math.min(i + CONTACT_BATCH_SIZE, rows.length));
        await writing;
        writing = write(batch);
        // Awaited on the next turn; until then a failure must not count as unhandled (the process would exit).
        writing.catch(() => undefined);
      }
      await writing;
      // Checked last, under the campaign's row lock: a cancel or completion that committed while this upload was
      // writing makes it refuse and roll back, rather than leave pending contacts in a campaign that is over.
      if (!(await touchOpenCampaign(tx, campaign.id, at))) {
        throw invalidState(await campaignStatus(tx, campaign.id), 'given more contacts', 'Create a new campaign for these contacts');
      }
      return { accepted, rejected: [...screen.rejected, ...rejected] };
    },
    { timeoutMs: UPLOAD_TX_TIMEOUT_MS },
  );
}

/** Screens rows [from, to), yielding to the event loop now and then so the batch being written keeps moving. */
async function screenBatch(screen: ContactScreen, rows: ContactRow[], from: number, to: number): Promise<ContactCandidate[]> {
  const out: ContactCandidate[] = [];
  for (let i = from; i < to; i++) {
    const c = screen.screen(rows[i]!);
    if (c) out.push(c);
    if ((i - from) % 500 === 499) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return out;
}
