import { CliUsageError } from './cli-program';

/** The deployment the CLI talks to: CALLPLANE_URL, default the all-in-one on this machine. */
export function baseUrl(env: NodeJS.ProcessEnv): string {
  return (env.CALLPLANE_URL ?? 'http://localhost:3000').replace(/\/+$/, '');
}

/** Could not reach the deployment, or it answered something that is not our API: the message, exit 1. */
export class CliFailure extends Error {
  override readonly name = 'CliFailure';
}

export interface ApiRequest {
  json?: unknown;
  /** A streamed body (`duplex: 'half'`), sent with `contentType` and, when known, its length. */
  stream?: { body: ReadableStream<Uint8Array>; contentType: string; length?: number };
  signal?: AbortSignal;
}

/** Calls the public API with a bearer token; answers are returned as they come (the caller decides what an error means). */
export class ApiClient {
  constructor(
    private readonly base: string,
    private readonly token: string,
  ) {}

  async request(method: string, path: string, init: ApiRequest = {}): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}` };
    let body: RequestInit['body'];
    if (init.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.json);
    } else if (init.stream) {
      headers['content-type'] = init.stream.contentType;
      // Lets the service refuse an oversized upload (413) before reading it.
      if (init.stream.length !== undefined) headers['content-length'] = String(init.stream.length);
      body = init.stream.body;
    }
    try {
      return await fetch(`${this.base}${path}`, { method, headers, body, signal: init.signal, ...(init.stream ? { duplex: 'half' } : {}) } as RequestInit);
    } catch (err) {
      if (init.signal?.aborted) throw err;
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new CliFailure(`Could not reach ${this.base}: ${cause?.code ?? cause?.message ?? (err as Error).message}.`);
    }
  }
}

/** The customer API key of a campaign command: --api-key, else CALLPLANE_API_KEY. */
export function customerClient(env: NodeJS.ProcessEnv, flag: unknown): ApiClient {
  const key = typeof flag === 'string' && flag ? flag : env.CALLPLANE_API_KEY;
  if (!key) throw new CliUsageError('Set CALLPLANE_API_KEY (or pass --api-key) to a customer API key.');
  return new ApiClient(baseUrl(env), key);
}

/** Prints an API refusal as the API wrote it (`{"error": …}`) and gives the exit code for it. */
export async function printRefusal(res: Response, out: (s: string) => void): Promise<number> {
  out(`${await res.text()}\n`);
  return 1;
}
