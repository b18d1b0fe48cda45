import type { CampaignDto } from '@callplane/contracts';
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { customerClient, printRefusal } from './api-client';
import { campaignBody, CLI_RETRY_DEFAULTS } from './campaign-flags';
import { campaignHeadline, campaignStatus } from './campaign-status';
import { uploadContacts } from './campaign-upload';
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
  { flags: '--json <file>', description: 'the campaign as the API takes it; flags given as well override its fields' },
];

const transition = (ctx: CliContext, action: 'launch' | 'pause' | 'resume' | 'cancel', description: string): CommandSpec => ({
  name: `${action} <campaign_id>`,
  description,
  run: async ([id], o) => {
    const res = await customerClient(ctx.env, o['api-key']).request('POST', `/voice/campaigns/${encodeURIComponent(id!)}/${action}`);
    if (!res.ok) return printRefusal(res, ctx.out);
    ctx.out(`${campaignHeadline((await res.json()) as CampaignDto)}\n`);
    return 0;
  },
});

/** `callplane campaigns …`: the campaign API (API.md "Campaigns") for people and scripts, against any deployment. */
export const campaignCommands = (ctx: CliContext): CommandSpec[] => [
  {
    name: 'create',
    description: 'Create a campaign (draft) and print it as JSON',
    options: CREATE_OPTIONS,
    run: async (_args, o) => {
      const body = campaignBody(o);
      const res = await customerClient(ctx.env, o['api-key']).request('POST', '/voice/campaigns', { json: body });
      ctx.out(`${await res.text()}\n`);
      return res.ok ? 0 : 1;
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
    description: 'Download results.csv: one row per contact with its state, attempts and last outcome',
    options: [{ flags: '--out <file>', description: 'write it to this file (default: print it)' }],
    run: async ([id], o) => {
      const res = await customerClient(ctx.env, o['api-key']).request('GET', `/voice/campaigns/${encodeURIComponent(id!)}/results.csv`);
      if (!res.ok || !res.body) return printRefusal(res, ctx.out);
      const body = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
      if (typeof o.out === 'string') {
        await pipeline(body, createWriteStream(o.out));
        ctx.out(`Wrote ${o.out}\n`);
      } else {
        const text = new TextDecoder();
        for await (const chunk of body) ctx.out(text.decode(chunk as Uint8Array, { stream: true }));
        ctx.out(text.decode());
      }
      return 0;
    },
  },
];
