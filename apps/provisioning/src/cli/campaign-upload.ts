import { contactsUploadResultSchema } from '@callplane/contracts';
import { Presets, SingleBar } from 'cli-progress';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { ApiClient } from './api-client';
import { printRefusal, show } from './cli-output';
import { CliUsageError, type CliContext } from './cli-program';

/** How many rejected rows the upload prints; the rest are counted. */
export const REJECTIONS_SHOWN = 10;

const size = (n: number) => (n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MB` : n >= 1 << 10 ? `${(n / (1 << 10)).toFixed(1)} KB` : `${n} B`);

/**
 * Streams a CSV file to `POST /voice/campaigns/{id}/contacts` as `text/csv` with its length, never holding it in
 * memory, and draws a progress bar of the bytes handed to the connection (the reads follow the socket's
 * backpressure). Then prints how many contacts were accepted and the first rejected rows.
 */
export async function uploadContacts(client: ApiClient, ctx: CliContext, campaignId: string, file: string): Promise<number> {
  let total: number;
  try {
    const s = await stat(file);
    if (!s.isFile()) throw new Error('not a file');
    total = s.size;
  } catch {
    throw new CliUsageError(`Cannot read ${file}: give the path of a CSV file with a to_number column.`);
  }
  // Outside a terminal (a CI log, a pipe) the bar is a line every second instead of a redrawn one.
  const bar = new SingleBar({ stream: ctx.progress, format: 'Uploading [{bar}] {percentage}% | {sent} of {size}', noTTYOutput: true, notTTYSchedule: 1_000, fps: 10 }, Presets.shades_classic);
  bar.start(total, 0, { sent: size(0), size: size(total) });
  const source = createReadStream(file, { highWaterMark: 256 * 1024 });
  let sent = 0;
  source.on('data', (chunk) => {
    sent += chunk.length;
    bar.update(sent, { sent: size(sent) });
  });
  let res: Response;
  try {
    res = await client.request('POST', `/voice/campaigns/${encodeURIComponent(campaignId)}/contacts`, {
      stream: { body: Readable.toWeb(source) as ReadableStream<Uint8Array>, contentType: 'text/csv', length: total },
    });
  } finally {
    bar.stop();
    // An early answer (413: too large) leaves the rest of the file unread.
    source.destroy();
  }
  if (!res.ok) return printRefusal(res, ctx);
  const result = contactsUploadResultSchema.parse(await res.json());
  return show(ctx, result, () => {
    const lines = [`Accepted ${result.accepted} contacts, rejected ${result.rejected.length}.`];
    for (const r of result.rejected.slice(0, REJECTIONS_SHOWN)) lines.push(`  row ${r.row}: ${r.to_number} (${r.error})`);
    if (result.rejected.length > REJECTIONS_SHOWN) lines.push(`  … and ${result.rejected.length - REJECTIONS_SHOWN} more`);
    return `${lines.join('\n')}\n`;
  });
}
