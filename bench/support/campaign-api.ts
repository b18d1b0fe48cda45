import { sandboxBehaviour } from '@callplane/contracts';

/** How long a load-range call lasts from the dial to its hang-up, as the sandbox carrier plays it. */
export function callSeconds(number: string): number {
  const b = sandboxBehaviour(number);
  if (b?.kind !== 'load') throw new Error(`${number} is not a sandbox load-range number`);
  return b.ringMs / 1000 + b.holdSeconds;
}

/**
 * `n` distinct numbers of the sandbox carrier's load range (API.md: `+1555011XXYY` answers after a second, hangs up
 * `YY` seconds later), the shortest calls first: a hundred numbers (`XX`) share each duration.
 */
export function loadRangeNumbers(n: number): string[] {
  if (n > 10_000) throw new Error('the load range has 10,000 numbers');
  return Array.from({ length: n }, (_, i) => `+1555011${String(i % 100).padStart(2, '0')}${String(Math.floor(i / 100)).padStart(2, '0')}`);
}

interface Campaign {
  id: string;
  status: string;
  counts: Record<string, number>;
}

/** The dialer's campaign API as customers call it (API.md "Campaigns"). */
export class CampaignApi {
  constructor(
    private readonly baseUrl: string,
    private readonly apiKey: string,
  ) {}

  create(body: unknown): Promise<Campaign> {
    return this.call('POST', '/voice/campaigns', JSON.stringify(body), 'application/json');
  }

  get(id: string): Promise<Campaign> {
    return this.call('GET', `/voice/campaigns/${id}`);
  }

  uploadCsv(id: string, csv: string): Promise<{ accepted: number; rejected: unknown[] }> {
    return this.call('POST', `/voice/campaigns/${id}/contacts`, csv, 'text/csv');
  }

  launch(id: string): Promise<Campaign> {
    return this.call('POST', `/voice/campaigns/${id}/launch`);
  }

  private async call<T>(method: string, path: string, body?: string, contentType?: string): Promise<T> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.apiKey}`, ...(contentType ? { 'content-type': contentType } : {}) },
      body,
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text.slice(0, 500)}`);
    return JSON.parse(text) as T;
  }
}
