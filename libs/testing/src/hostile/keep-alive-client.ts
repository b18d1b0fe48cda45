import http from 'node:http';
import type { HostileRequest } from './hostile-requests';

export interface RawAnswer {
  status: number;
  contentType: string;
  text: string;
}

/**
 * Sends requests exactly as built (raw path, any header, any bytes) over a few keep-alive connections, the way a busy
 * client does. A connection the server closes mid-request (it may, after refusing a body too large to read) is an
 * answer only if the status line arrived first.
 */
export function keepAliveClient(baseUrl: string, maxSockets = 16) {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  const url = new URL(baseUrl);
  const send = (req: HostileRequest): Promise<RawAnswer> =>
    new Promise((resolve, reject) => {
      // Always a length when there is a body: without one node sends a GET's or DELETE's body unframed, and the server
      // would read it as the next request.
      const headers = req.body === undefined ? req.headers : { 'content-length': String(Buffer.byteLength(req.body)), ...req.headers };
      const r = http.request({ agent, host: url.hostname, port: url.port, method: req.method, path: req.path, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      r.on('error', reject);
      r.end(req.body);
    });
  return { send, close: () => agent.destroy() };
}

/** Runs `fn` over `items` with at most `concurrency` in flight, in order of start. */
export async function inPool<T, R>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!, i);
      }
    }),
  );
  return out;
}
