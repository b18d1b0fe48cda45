import { callplaneTarget, describeTarget, localAdminToken, type CallplaneTarget } from '@callplane/config';
import { CliFailure, CliUsageError } from './cli-program';

export interface ApiRequest {
  json?: unknown;
  /** A streamed body (`duplex: 'half'`), sent with `contentType` and, when known, its length. */
  stream?: { body: ReadableStream<Uint8Array>; contentType: string; length?: number };
  signal?: AbortSignal;
}

/**
 * Calls the API with a bearer token. Answers are returned as they come (the caller decides what a refusal means);
 * no answer at all, or an answer that is not the API's (another server on that port), is a CliFailure naming the URL
 * and where it came from.
 */
export class ApiClient {
  constructor(
    readonly target: CallplaneTarget,
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
    let res: Response;
    try {
      res = await fetch(`${this.target.url}${path}`, { method, headers, body, signal: init.signal, ...(init.stream ? { duplex: 'half' } : {}) } as RequestInit);
    } catch (err) {
      if (init.signal?.aborted) throw err;
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (err as Error).message;
      throw new CliFailure(`Cannot reach Callplane at ${this.target.url} (${why}; ${describeTarget(this.target)}). Is it running? \`npm start\` starts it on this machine.`);
    }
    // Our API answers refusals in JSON; anything else came from something that is not Callplane.
    if (!res.ok && !(res.headers.get('content-type') ?? '').includes('json')) {
      throw new CliFailure(`${this.target.url} answered HTTP ${res.status} (${res.headers.get('content-type') ?? 'no content type'}), which is not Callplane's API (${describeTarget(this.target)}).`);
    }
    return res;
  }
}

/** The operator API: ADMIN_TOKEN, else the token the local all-in-one keeps in its data folder. */
export function operatorClient(env: NodeJS.ProcessEnv): ApiClient {
  const { token, file } = localAdminToken(env);
  if (!token) throw new CliUsageError(`Set ADMIN_TOKEN to the operator token (there is none at ${file}, where the all-in-one keeps its own).`);
  return new ApiClient(callplaneTarget(env), token);
}

/** A customer API key: --api-key, else CALLPLANE_API_KEY. */
export function customerClient(env: NodeJS.ProcessEnv, flag: unknown): ApiClient {
  const key = typeof flag === 'string' && flag ? flag : env.CALLPLANE_API_KEY;
  if (!key) throw new CliUsageError('Set CALLPLANE_API_KEY (or pass --api-key) to a customer API key.');
  return new ApiClient(callplaneTarget(env), key);
}
