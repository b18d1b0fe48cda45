import { CONTACT_STATES, type CampaignDto } from '@callplane/contracts';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { INTERRUPTED } from './campaign-status';
import { run } from './main';

const API_KEY = 'cp_live_cli_spec_key';

interface Recorded {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

type Handler = (req: Recorded, res: ServerResponse) => void;

/**
 * A stand-in for the campaign API as API.md writes it (paths, bearer auth, bodies, error shape), for the CLI's own
 * spec: it records every request byte for byte, and each test says how it answers.
 */
class FakeCampaignApi {
  readonly requests: Recorded[] = [];
  /** Answers by `METHOD /path`; unset routes are 404 not_found. */
  readonly routes = new Map<string, Handler>();
  /** Bodies declared longer than this are refused with 413 before they are read, as the service's body limit does. */
  maxBodyBytes = Infinity;
  #server: Server | null = null;

  async start(): Promise<string> {
    this.#server = createServer((req, res) => void this.#handle(req, res));
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server!.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse) {
    if (req.headers.authorization !== `Bearer ${API_KEY}`) return json(res, 401, { error: { code: 'unauthorized', message: 'Missing or invalid API key.' } });
    if (Number(req.headers['content-length'] ?? 0) > this.maxBodyBytes) {
      this.requests.push({ method: req.method!, path: req.url!, headers: req.headers, body: Buffer.alloc(0) });
      return json(res, 413, { error: { code: 'payload_too_large', message: 'The request body is too large.' } });
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const recorded = { method: req.method!, path: req.url!, headers: req.headers, body: Buffer.concat(chunks) };
    this.requests.push(recorded);
    const handler = this.routes.get(`${req.method} ${req.url}`);
    if (!handler) return json(res, 404, { error: { code: 'not_found', message: 'The campaign was not found.' } });
    handler(recorded, res);
  }
}

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

const counts = (over: Partial<CampaignDto['counts']> = {}): CampaignDto['counts'] => ({ ...(Object.fromEntries(['total', ...CONTACT_STATES].map((k) => [k, 0])) as CampaignDto['counts']), ...over });

function campaign(over: Partial<CampaignDto> = {}): CampaignDto {
  return {
    id: 'cmp_1',
    name: 'Reminders',
    agent_id: 'agt_1',
    from_numbers: ['+14155550100'],
    timezone: 'America/New_York',
    windows: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00' }],
    start_at: null,
    end_at: null,
    concurrency: 10,
    max_calls_per_second: null,
    retry: { max_attempts: 1, backoff_seconds: 3600, on: ['no_answer', 'busy'] },
    recipient_hours: { start: '08:00', end: '21:00' },
    webhook_url: null,
    status: 'draft',
    counts: counts(),
    created_at: '2026-03-10T14:00:00.000Z',
    launched_at: null,
    completed_at: null,
    ...over,
  };
}

describe('campaigns CLI against the campaign API', () => {
  const api = new FakeCampaignApi();
  let url: string;
  let dir: string;
  beforeAll(async () => {
    url = await api.start();
    dir = mkdtempSync(path.join(tmpdir(), 'callplane-cli-campaigns-'));
  });
  afterAll(async () => {
    await api.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    api.requests.length = 0;
    api.routes.clear();
    api.maxBodyBytes = Infinity;
  });

  const env = (over: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ CALLPLANE_URL: url, CALLPLANE_API_KEY: API_KEY, ...over });
  /** Runs the CLI; collects what it prints (stdout: `output`, stderr: `err`) and what its progress bar draws. */
  async function cli(argv: string[], opts: { env?: NodeJS.ProcessEnv; signal?: AbortSignal } = {}) {
    const printed: string[] = [];
    const errors: string[] = [];
    const progress = new PassThrough();
    const drawn: Buffer[] = [];
    progress.on('data', (c: Buffer) => drawn.push(c));
    const code = await run(argv, opts.env ?? env(), (s) => void printed.push(s), { err: (s) => void errors.push(s), progress, signal: opts.signal, pollMs: 5 });
    return { code, output: printed.join(''), err: errors.join(''), progress: Buffer.concat(drawn).toString('utf8') };
  }
  /** A command line refused before any request: exit 2 and this one line. */
  async function refusedLocally(argv: string[], message: string | RegExp, opts: { env?: NodeJS.ProcessEnv } = {}) {
    const r = await cli(argv, opts);
    expect({ code: r.code, output: r.output }).toEqual({ code: 2, output: '' });
    if (typeof message === 'string') expect(r.err).toContain(message);
    else expect(r.err).toMatch(message);
    expect(r.err.trimEnd().split('\n')).toHaveLength(1);
  }

  describe('create', () => {
    it('sends the campaign the flags describe, with the API key, and prints the created campaign (--json: as JSON)', async () => {
      api.routes.set('POST /voice/campaigns', (req, res) => json(res, 201, campaign({ ...(JSON.parse(req.body.toString()) as object), id: 'cmp_new' })));
      const { code, output } = await cli([
        'campaigns', 'create', '--name', 'Renewals', '--agent', 'agt_1', '--from', '+14155550100', '--from=+14155550101',
        '--timezone', 'America/New_York', '--window', 'mon-fri@09:00-17:00', '--window', 'sat,sun@10:00-14:00', '--window', 'fri-mon@18:00-20:00',
        '--concurrency', '20', '--rate', '2.5', '--max-attempts', '3', '--backoff', '600', '--retry-on', 'no_answer,busy,failed',
        '--recipient-hours', 'off', '--end-at', '2026-04-01T00:00:00Z', '--webhook-url', 'https://acme.example/hooks/campaigns', '--json',
      ]);
      expect(code).toBe(0);
      expect(api.requests).toHaveLength(1);
      const [req] = api.requests;
      expect({ method: req!.method, path: req!.path, type: req!.headers['content-type'] }).toEqual({ method: 'POST', path: '/voice/campaigns', type: 'application/json' });
      expect(JSON.parse(req!.body.toString())).toEqual({
        name: 'Renewals',
        agent_id: 'agt_1',
        from_numbers: ['+14155550100', '+14155550101'],
        timezone: 'America/New_York',
        windows: [
          { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00' },
          { days: ['sat', 'sun'], start: '10:00', end: '14:00' },
          { days: ['fri', 'sat', 'sun', 'mon'], start: '18:00', end: '20:00' },
        ],
        concurrency: 20,
        max_calls_per_second: 2.5,
        retry: { max_attempts: 3, backoff_seconds: 600, on: ['no_answer', 'busy', 'failed'] },
        recipient_hours: null,
        end_at: '2026-04-01T00:00:00Z',
        webhook_url: 'https://acme.example/hooks/campaigns',
      });
      expect(JSON.parse(output)).toMatchObject({ id: 'cmp_new', name: 'Renewals', status: 'draft' });
      const human = await cli(['campaigns', 'create', '--name', 'Renewals', '--agent', 'agt_1', '--from', '+14155550100', '--timezone', 'UTC', '--window', 'mon@09:00-10:00', '--concurrency', '1']);
      expect(human).toMatchObject({ code: 0, output: 'Created Renewals (cmp_new): draft\n' });
    });

    it('--file gives the whole campaign; flags given too override its fields; no retry flag keeps its retry', async () => {
      api.routes.set('POST /voice/campaigns', (req, res) => json(res, 201, campaign(JSON.parse(req.body.toString()) as object)));
      const file = path.join(dir, 'campaign.json');
      const fromFile = { name: 'Surveys', agent_id: 'agt_2', from_numbers: ['+14155550102'], timezone: 'Europe/London', windows: [{ days: ['tue'], start: '10:00', end: '12:00' }], concurrency: 5, retry: { max_attempts: 2, backoff_seconds: 60, on: ['failed'] } };
      writeFileSync(file, JSON.stringify(fromFile));
      const { code } = await cli(['campaigns', 'create', '--file', file, '--concurrency', '50', '--api-key', API_KEY], { env: env({ CALLPLANE_API_KEY: undefined }) });
      expect(code).toBe(0);
      expect(JSON.parse(api.requests[0]!.body.toString())).toEqual({ ...fromFile, concurrency: 50 });
    });

    it('without retry flags the campaign makes one attempt per contact', async () => {
      api.routes.set('POST /voice/campaigns', (req, res) => json(res, 201, campaign(JSON.parse(req.body.toString()) as object)));
      await cli(['campaigns', '--api-key', API_KEY, 'create', '--name', 'R', '--agent', 'agt_1', '--from', '+14155550100', '--timezone', 'UTC', '--window', 'mon@09:00-10:00', '--concurrency', '1']);
      expect(JSON.parse(api.requests[0]!.body.toString())).toMatchObject({ retry: { max_attempts: 1, backoff_seconds: 3600, on: ['no_answer', 'busy'] } });
      expect(JSON.parse(api.requests[0]!.body.toString())).not.toHaveProperty('recipient_hours');
    });

    it('refuses flags it cannot read before any request', async () => {
      const base = ['campaigns', 'create', '--name', 'R', '--agent', 'agt_1', '--from', '+14155550100', '--timezone', 'UTC', '--concurrency', '1'];
      await refusedLocally(base, 'Missing --window (or give the whole campaign with --file <campaign.json>).');
      await refusedLocally(['campaigns', 'create', '--name', 'R'], 'Missing --agent, --from, --timezone, --window, --concurrency');
      await refusedLocally([...base, '--window', 'weekdays@09:00-17:00'], /"weekdays" is not a day/);
      await refusedLocally([...base, '--window', 'mon-fri 9-5'], /write it as days@HH:MM-HH:MM/);
      await refusedLocally([...base, '--window', 'mon@09:00-10:00', '--rate', 'fast'], '--rate must be a number, not "fast".');
      await refusedLocally([...base, '--window', 'mon@09:00-10:00', '--retry-on', 'voicemail'], /"voicemail" is not one of no_answer, busy, failed/);
      await refusedLocally([...base, '--window', 'mon@09:00-10:00', '--recipient-hours', '8-21'], /--recipient-hours 8-21/);
      await refusedLocally([...base, '--window', 'mon@09:00-10:00'], 'Set CALLPLANE_API_KEY (or pass --api-key)', { env: { CALLPLANE_URL: url } });
      await refusedLocally(['campaigns', 'create', '--file', path.join(dir, 'missing.json')], /--file .*missing\.json/);
      expect(api.requests).toEqual([]);
    });

    it("prints the API's refusal and exits 1: in words on stderr, or as the API wrote it with --json", async () => {
      const refusal = { error: { code: 'validation_failed', message: 'Some fields are not valid.', details: [{ field: 'concurrency', message: 'must be at most 1000' }] } };
      api.routes.set('POST /voice/campaigns', (_req, res) => json(res, 400, refusal));
      const args = ['campaigns', 'create', '--name', 'R', '--agent', 'agt_1', '--from', '+14155550100', '--timezone', 'UTC', '--window', 'mon@09:00-10:00', '--concurrency', '5000'];
      expect(await cli(args)).toMatchObject({ code: 1, output: '', err: 'Refused (400 validation_failed): Some fields are not valid.\n  concurrency: must be at most 1000\n' });
      const scripted = await cli([...args, '--json']);
      expect(scripted.code).toBe(1);
      expect(JSON.parse(scripted.output)).toEqual(refusal);
      const wrongKey = await cli(['campaigns', 'status', 'cmp_1', '--json'], { env: env({ CALLPLANE_API_KEY: 'cp_live_wrong' }) });
      expect(wrongKey.code).toBe(1);
      expect(JSON.parse(wrongKey.output)).toMatchObject({ error: { code: 'unauthorized' } });
    });
  });

  describe('upload', () => {
    /** A CSV as spreadsheets write it: a BOM, CRLF, quoted fields with commas, quotes and a line break, extra columns. */
    function contactsCsv(rows: number): Buffer {
      const lines = ['\uFEFFto_number,customer_name,note,timezone'];
      for (let i = 0; i < rows; i++) lines.push(`+1555011${String(i % 100).padStart(2, '0')}${String(1 + (i % 99)).padStart(2, '0')},"Doe, Jane ${i}","said ""call back""\r\nlater",America/Chicago`);
      return Buffer.from(`${lines.join('\r\n')}\r\n`, 'utf8');
    }

    it('streams the file as text/csv, byte for byte, with a progress bar, then prints the counts and the first rejected rows', async () => {
      const csv = contactsCsv(40_000);
      expect(csv.length).toBeGreaterThan(2 * 1024 * 1024); // many reads of the file, many writes to the socket
      const file = path.join(dir, 'contacts.csv');
      writeFileSync(file, csv);
      const rejected = Array.from({ length: 14 }, (_, i) => ({ row: 3 + i * 7, to_number: `+1555010${String(i).padStart(4, '0')}`, error: i === 0 ? 'do_not_call' : i % 2 ? 'duplicate' : 'invalid_number' }));
      api.routes.set('POST /voice/campaigns/cmp_1/contacts', (_req, res) => json(res, 200, { accepted: 40_000 - 14, rejected }));

      const { code, output, progress } = await cli(['campaigns', 'upload', 'cmp_1', file]);
      expect(code).toBe(0);
      expect(api.requests).toHaveLength(1);
      const req = api.requests[0]!;
      expect({ method: req.method, path: req.path, type: req.headers['content-type'], length: req.headers['content-length'] }).toEqual({
        method: 'POST',
        path: '/voice/campaigns/cmp_1/contacts',
        type: 'text/csv',
        length: String(csv.length),
      });
      expect(req.body.equals(csv)).toBe(true);

      expect(output.split('\n').slice(0, 3)).toEqual(['Accepted 39986 contacts, rejected 14.', '  row 3: +15550100000 (do_not_call)', '  row 10: +15550100001 (duplicate)']);
      expect(output).toContain('  row 66: +15550100009 (duplicate)\n');
      expect(output).not.toContain('+15550100010');
      expect(output).toContain('  … and 4 more\n');
      expect(progress).toContain('Uploading [');
      expect(progress).toMatch(/100% \| \d+\.\d MB of \d+\.\d MB/);

      const scripted = await cli(['campaigns', 'upload', 'cmp_1', file, '--json']);
      expect({ code: scripted.code, result: JSON.parse(scripted.output) }).toEqual({ code: 0, result: { accepted: 40_000 - 14, rejected } });
    });

    it('a file over the service\'s limit gets its 413 printed, exit 1', async () => {
      const file = path.join(dir, 'big.csv');
      writeFileSync(file, contactsCsv(5_000));
      api.maxBodyBytes = 1024;
      expect(await cli(['campaigns', 'upload', 'cmp_1', file])).toMatchObject({ code: 1, output: '', err: 'Refused (413 payload_too_large): The request body is too large.\n' });
      expect(api.requests).toHaveLength(1);
    });

    it('a missing file or a missing argument is refused before any request', async () => {
      await refusedLocally(['campaigns', 'upload', 'cmp_1', path.join(dir, 'nope.csv')], /Cannot read .*nope\.csv/);
      await refusedLocally(['campaigns', 'upload', 'cmp_1', dir], /Cannot read/);
      await refusedLocally(['campaigns', 'upload', 'cmp_1'], 'Missing the <file> argument. See: callplane campaigns upload --help');
      expect(api.requests).toEqual([]);
    });
  });

  describe('launch, pause, resume, cancel', () => {
    it('POSTs the transition and prints the new status; a refusal is printed with exit 1', async () => {
      for (const [action, status] of [['launch', 'running'], ['pause', 'paused'], ['resume', 'running'], ['cancel', 'canceled']] as const) {
        api.routes.set(`POST /voice/campaigns/cmp_1/${action}`, (_req, res) => json(res, 200, campaign({ status })));
        const { code, output } = await cli(['campaigns', action, 'cmp_1']);
        expect({ action, code, output }).toEqual({ action, code: 0, output: `Reminders (cmp_1): ${status}\n` });
      }
      expect(api.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['launch', 'pause', 'resume', 'cancel'].map((a) => `POST /voice/campaigns/cmp_1/${a}`));

      api.routes.set('POST /voice/campaigns/cmp_1/launch', (_req, res) => json(res, 409, { error: { code: 'campaign_empty', message: 'Upload contacts before launching.' } }));
      expect(await cli(['campaigns', 'launch', 'cmp_1'])).toMatchObject({ code: 1, output: '', err: 'Refused (409 campaign_empty): Upload contacts before launching.\n' });
      const foreign = await cli(['campaigns', 'launch', 'cmp_of_another_tenant', '--json']);
      expect({ code: foreign.code, error: (JSON.parse(foreign.output) as { error: { code: string } }).error.code }).toEqual({ code: 1, error: 'not_found' });
    });
  });

  describe('status', () => {
    it('prints the counts per contact state', async () => {
      api.routes.set('GET /voice/campaigns/cmp_1', (_req, res) => json(res, 200, campaign({ status: 'running', counts: counts({ total: 12, pending: 4, calling: 3, completed: 2, no_answer: 1, busy: 1, do_not_call: 1 }) })));
      const { code, output } = await cli(['campaigns', 'status', 'cmp_1']);
      expect(code).toBe(0);
      expect(output).toBe('Reminders (cmp_1): running\n  total 12  pending 4  calling 3  retry_scheduled 0  completed 2  no_answer 1  busy 1  failed 0  do_not_call 1  canceled 0\n');
      expect(api.requests).toHaveLength(1);
      const scripted = await cli(['campaigns', 'status', 'cmp_1', '--json']);
      expect(JSON.parse(scripted.output)).toMatchObject({ id: 'cmp_1', status: 'running', counts: { total: 12, pending: 4 } });
    });

    it('--watch asks again until the campaign is over, printing only what changed', async () => {
      const answers = [
        campaign({ status: 'running', counts: counts({ total: 3, pending: 2, calling: 1 }) }),
        campaign({ status: 'running', counts: counts({ total: 3, pending: 2, calling: 1 }) }),
        campaign({ status: 'running', counts: counts({ total: 3, pending: 1, calling: 1, completed: 1 }) }),
        campaign({ status: 'completed', counts: counts({ total: 3, completed: 2, busy: 1 }) }),
      ];
      let asked = 0;
      api.routes.set('GET /voice/campaigns/cmp_1', (_req, res) => json(res, 200, answers[Math.min(asked++, answers.length - 1)]));
      const { code, output } = await cli(['campaigns', 'status', 'cmp_1', '--watch']);
      expect(code).toBe(0);
      expect(asked).toBe(4);
      expect(output.split('\n').filter((l) => l.startsWith('Reminders'))).toEqual(['Reminders (cmp_1): running', 'Reminders (cmp_1): running', 'Reminders (cmp_1): completed']);
      expect(output).toContain('total 3  pending 1  calling 1  retry_scheduled 0  completed 1');
      expect(output).toContain('total 3  pending 0  calling 0  retry_scheduled 0  completed 2  no_answer 0  busy 1');
    });

    it('--watch stops on Ctrl-C', async () => {
      const stop = new AbortController();
      let asked = 0;
      api.routes.set('GET /voice/campaigns/cmp_1', (_req, res) => {
        if (++asked === 3) stop.abort();
        json(res, 200, campaign({ status: 'running', counts: counts({ total: 1, calling: 1 }) }));
      });
      const { code, output } = await cli(['campaigns', 'status', '--watch', 'cmp_1'], { signal: stop.signal });
      expect(code).toBe(INTERRUPTED);
      expect(asked).toBe(3);
      expect(output.match(/Reminders/g)).toHaveLength(1);
    });

    it("another tenant's campaign: the API's 404 is printed, exit 1", async () => {
      expect(await cli(['campaigns', 'status', 'cmp_other'])).toMatchObject({ code: 1, output: '', err: 'Refused (404 not_found): The campaign was not found.\n' });
    });
  });

  describe('results', () => {
    const csv = 'to_number,state,attempts,last_outcome,last_session_id,duration_seconds,customer_name\r\n+15550110005,completed,1,completed,cs_1,5,"Doe, Jane"\r\n';
    beforeEach(() => {
      api.routes.set('GET /voice/campaigns/cmp_1/results.csv', (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/csv' });
        res.end(csv);
      });
    });

    it('prints results.csv, or writes it to --out', async () => {
      expect(await cli(['campaigns', 'results', 'cmp_1'])).toMatchObject({ code: 0, output: csv });
      const file = path.join(dir, 'results.csv');
      const written = await cli(['campaigns', 'results', 'cmp_1', '--out', file]);
      expect(written).toMatchObject({ code: 0, output: `Wrote ${file}\n` });
      expect(readFileSync(file, 'utf8')).toBe(csv);
    });

    it('--json turns the rows into JSON objects keyed by the header', async () => {
      const { code, output } = await cli(['campaigns', 'results', 'cmp_1', '--json']);
      expect(code).toBe(0);
      expect(JSON.parse(output)).toEqual([{ to_number: '+15550110005', state: 'completed', attempts: '1', last_outcome: 'completed', last_session_id: 'cs_1', duration_seconds: '5', customer_name: 'Doe, Jane' }]);
    });
  });
});
