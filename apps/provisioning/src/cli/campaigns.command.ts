import type { CampaignDto } from '@callplane/contracts';
import { parse } from 'csv-parse';
import { createWriteStream } from 'node:fs';
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { customerClient } from './api-client';
import { campaignBody, CLI_RETRY_DEFAULTS } from './campaign-flags';
import { campaignHeadline, campaignStatus } from './campaign-status';
import { uploadContacts } from './campaign-upload';
import { printRefusal, show } from './cli-output';
import type { CliContext, CommandSpec, OptionSpec } from './cli-program';

/** On the group, so it may come before or after the command's own flags. */
export const API_KEY_OPTION: OptionSpec = { flags: '--api-key <key>', description: 'a customer API key (default: CALLPLANE_API_KEY)' };

const CREATE_OPTIONS: OptionSpec[] = [
  { flags: '--name <name>', description: "the campaign's name" },
  { flags: '--agent <agent_id>', description: 'the agent that talks (agt_…)' },
  { flags: '--from <number>', description: 'a number of yours with outbound calling, E.164; repeat for a rotation', repeatable: true },
  { flags: '--timezone <tz>', description: 'IANA time zone of the windows, e.g. America/New_York' },
  { flags: '--window <days@start-end>', description: 'a calling window, e.g. mon-fri@09:00-17:00; repeat for more', repeatable: true },
  { flags: '--concurrency <n>', description: 'calls in progress at once (1-1000)' },
  { flags: '--rate <calls_per_second>', description: 'new calls per second (0.01-100; default: no pace limit)' },
  { flags: '--max-attempts <n>', description: `attempts per contact, the first included (default ${CLI_RETRY_DEFAULTS.maxAttempts})` },
  { flags: '--backoff <seconds>', description: `wait before a retry (default ${CLI_RETRY_DEFAULTS.backoffSeconds})` },
  { flags: '--retry-on <outcomes>', description: `outcomes to retry, comma-separated: no_answer,busy,failed (default ${CLI_RETRY_DEFAULTS.on.join(',')})` },
  { flags: '--recipient-hours <start-end>', description: "hours in the recipient's time zone, e.g. 08:00-21:00 (the default), or off" },
  { flags: '--start-at <iso>', description: 'do not call before, e.g. 2026-03-10T14:00:00Z' },
  { flags: '--end-at <iso>', description: 'close the campaign at' },
  { flags: '--webhook-url <url>', description: 'where campaign.completed is sent' },
  { flags: '--file <campaign.json>', description: 'the campaign as the API takes it (JSON); flags given as well override its fields' },
];

const transition = (ctx: CliContext, action: 'launch' | 'pause' | 'resume' | 'cancel', description: string): CommandSpec => ({
  name: `${action} <campaign_id>`,
  description,
  run: async ([id], o) => {
    const res = await customerClient(ctx.env, o['api-key']).request('POST', `/voice/campaigns/${encodeURIComponent(id!)}/${action}`);
    if (!res.ok) return printRefusal(res, ctx);
    const campaign = (await res.json()) as CampaignDto;
    return show(ctx, campaign, () => `${campaignHeadline(campaign)}\n`);
  },
});

/** `callplane campaigns …`: the campaign API (API.md "Campaigns") for people and scripts, against any deployment. */
export const campaignCommands = (ctx: CliContext): CommandSpec[] => [
  {
    name: 'create',
    description: 'Create a campaign (draft)',
    options: CREATE_OPTIONS,
    run: async (_args, o) => {
      const body = campaignBody(o);
      const res = await customerClient(ctx.env, o['api-key']).request('POST', '/voice/campaigns', { json: body });
      if (!res.ok) return printRefusal(res, ctx);
      const campaign = (await res.json()) as CampaignDto;
      return show(ctx, campaign, () => `Created ${campaignHeadline(campaign)}\n`);
    },
  },
  {
    name: 'upload <campaign_id> <file>',
    description: 'Upload contacts from a CSV file (header row with to_number; other columns become context) with a progress bar',
    run: ([id, file], o) => uploadContacts(customerClient(ctx.env, o['api-key']), ctx, id!, file!),
  },
  transition(ctx, 'launch', 'Start calling (scheduled when start_at is ahead)'),
  transition(ctx, 'pause', 'Start no new call; calls in progress go on'),
  transition(ctx, 'resume', 'Go on calling after a pause'),
  transition(ctx, 'cancel', 'Cancel: contacts not yet called become canceled'),
  {
    name: 'status <campaign_id>',
    description: 'Print the counts per contact state; with --watch, live until the campaign is over (Ctrl-C stops)',
    options: [{ flags: '--watch', description: 'ask every second and print changes until completed or canceled' }],
    run: ([id], o) => campaignStatus(customerClient(ctx.env, o['api-key']), ctx, id!, o.watch === true),
  },
  {
    name: 'results <campaign_id>',
    description: 'Download results.csv: one row per contact with its state, attempts and last outcome (--json: the rows as JSON objects)',
    options: [{ flags: '--out <file>', description: 'write it to this file (default: print it)' }],
    run: async ([id], o) => {
      const res = await customerClient(ctx.env, o['api-key']).request('GET', `/voice/campaigns/${encodeURIComponent(id!)}/results.csv`);
      if (!res.ok || !res.body) return printRefusal(res, ctx);
      const csv = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
      // Streamed either way: a campaign of a million contacts is never held whole.
      const stages: Array<NodeJS.ReadableStream | NodeJS.ReadWriteStream> = ctx.json ? [csv, parse({ columns: true, bom: true }), jsonArray()] : [csv];
      await pipeline([...stages, typeof o.out === 'string' ? createWriteStream(o.out) : printer(ctx)]);
      if (typeof o.out === 'string' && !ctx.json) ctx.out(`Wrote ${o.out}\n`);
      return 0;
    },
  },
];

/** Writes what it is given to the command's output, as text. */
function printer(ctx: CliContext): Writable {
  const text = new TextDecoder();
  return new Writable({
    write(chunk: Buffer | string, _enc, done) {
      ctx.out(typeof chunk === 'string' ? chunk : text.decode(chunk, { stream: true }));
      done();
    },
    final(done) {
      const rest = text.decode();
      if (rest) ctx.out(rest);
      done();
    },
  });
}

/** Objects in, the text of one JSON array out, an element per line. */
function jsonArray(): Transform {
  let first = true;
  return new Transform({
    writableObjectMode: true,
    transform(row: unknown, _enc, done) {
      done(null, `${first ? '[\n' : ',\n'}${JSON.stringify(row)}`);
      first = false;
    },
    flush(done) {
      done(null, first ? '[]\n' : '\n]\n');
    },
  });
}
