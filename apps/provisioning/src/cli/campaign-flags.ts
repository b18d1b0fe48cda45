import { readFileSync } from 'node:fs';
import { RETRYABLE_OUTCOMES, WEEKDAYS, type CampaignWindow } from '@callplane/contracts';
import { CliUsageError, type OptionValues } from './cli-program';

type Weekday = (typeof WEEKDAYS)[number];

/** Defaults the CLI fills in when the flags say nothing of retries: one attempt, no retry. */
export const CLI_RETRY_DEFAULTS = { maxAttempts: 1, backoffSeconds: 3600, on: ['no_answer', 'busy'] } as const;

/**
 * A calling window as people write it: `mon-fri@09:00-17:00`, `sat,sun@10:00-14:00`, `fri-mon@…` (a range may
 * wrap past Sunday). The times are checked by the API (in the campaign's time zone); this only reads the shape.
 */
export function parseWindow(spec: string): CampaignWindow {
  const m = /^([a-z,-]+)@(\d{2}:\d{2})-(\d{2}:\d{2})$/i.exec(spec.trim());
  if (!m) throw new CliUsageError(`--window ${spec}: write it as days@HH:MM-HH:MM, for example mon-fri@09:00-17:00.`);
  const days: Weekday[] = [];
  for (const part of m[1]!.toLowerCase().split(',')) {
    const [from, to] = part.split('-');
    const a = WEEKDAYS.indexOf(from as Weekday);
    const b = to === undefined ? a : WEEKDAYS.indexOf(to as Weekday);
    if (a < 0 || b < 0 || part.split('-').length > 2) throw new CliUsageError(`--window ${spec}: "${part}" is not a day or a range of days (mon…sun).`);
    for (let i = a; ; i = (i + 1) % 7) {
      if (!days.includes(WEEKDAYS[i]!)) days.push(WEEKDAYS[i]!);
      if (i === b) break;
    }
  }
  return { days, start: m[2]!, end: m[3]! };
}

function number(flag: string, v: unknown): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n)) throw new CliUsageError(`--${flag} must be a number, not "${String(v)}".`);
  return n;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * `POST /voice/campaigns`'s body from the create flags, over the `--file` campaign's when given (flags win). Without
 * `--file`, the fields the API requires must be flags; their values are left for the API to judge, so its
 * `validation_failed` names the field as the API knows it.
 */
export function campaignBody(o: OptionValues): Record<string, unknown> {
  let body: Record<string, unknown> = {};
  const file = str(o.file);
  if (file) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new CliUsageError(`--file ${file}: ${(err as Error).message}`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new CliUsageError(`--file ${file}: must hold one JSON object, the campaign.`);
    body = parsed as Record<string, unknown>;
  } else {
    const missing = ['name', 'agent', 'from', 'timezone', 'window', 'concurrency'].filter((k) => o[k] === undefined);
    if (missing.length > 0) throw new CliUsageError(`Missing ${missing.map((k) => `--${k}`).join(', ')} (or give the whole campaign with --file <campaign.json>).`);
  }
  const set = (key: string, value: unknown) => {
    if (value !== undefined) body[key] = value;
  };
  set('name', str(o.name));
  set('agent_id', str(o.agent));
  set('from_numbers', o.from);
  set('timezone', str(o.timezone));
  set('windows', (o.window as string[] | undefined)?.map(parseWindow));
  set('concurrency', number('concurrency', o.concurrency));
  set('max_calls_per_second', number('rate', o.rate));
  set('start_at', str(o['start-at']));
  set('end_at', str(o['end-at']));
  set('webhook_url', str(o['webhook-url']));
  const hours = str(o['recipient-hours']);
  if (hours !== undefined) {
    if (hours === 'off') body.recipient_hours = null;
    else {
      const h = /^(\d{2}:\d{2})-(\d{2}:\d{2})$/.exec(hours);
      if (!h) throw new CliUsageError(`--recipient-hours ${hours}: write HH:MM-HH:MM (for example 08:00-21:00) or off.`);
      body.recipient_hours = { start: h[1], end: h[2] };
    }
  }
  const retryFlags = o['max-attempts'] !== undefined || o.backoff !== undefined || o['retry-on'] !== undefined;
  if (retryFlags || body.retry === undefined) {
    const held = (body.retry ?? {}) as Record<string, unknown>;
    const on = str(o['retry-on'])
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    for (const outcome of on ?? []) if (!(RETRYABLE_OUTCOMES as readonly string[]).includes(outcome)) throw new CliUsageError(`--retry-on: "${outcome}" is not one of ${RETRYABLE_OUTCOMES.join(', ')}.`);
    body.retry = {
      max_attempts: number('max-attempts', o['max-attempts']) ?? held.max_attempts ?? CLI_RETRY_DEFAULTS.maxAttempts,
      backoff_seconds: number('backoff', o.backoff) ?? held.backoff_seconds ?? CLI_RETRY_DEFAULTS.backoffSeconds,
      on: on ?? held.on ?? [...CLI_RETRY_DEFAULTS.on],
    };
  }
  return body;
}
