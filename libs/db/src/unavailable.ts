/**
 * Whether an error means the database could not be reached or dropped the connection (the server restarting, failing
 * over, refusing connections, a network cut), as opposed to a query the database refused. Such a request is worth
 * retrying a moment later; the API answers it 503, not 500.
 *
 * Recognised as Prisma reports them through the pg driver adapter (a Prisma code, or the adapter's cause: its
 * `kind`, or PostgreSQL's SQLSTATE) and as `pg` reports them for statements sent on the pool directly.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, errorCode, meta, message } = e as { code?: unknown; errorCode?: unknown; meta?: { driverAdapterError?: { cause?: AdapterCause } }; message?: unknown };
    if (typeof code === 'string' && (PRISMA_CODES.has(code) || isUnavailableSqlState(code) || NODE_CODES.has(code))) return true;
    if (typeof errorCode === 'string' && PRISMA_CODES.has(errorCode)) return true;
    const cause = meta?.driverAdapterError?.cause;
    if (cause && (ADAPTER_KINDS.has(cause.kind ?? '') || (cause.kind === 'postgres' && isUnavailableSqlState(cause.code ?? '')))) return true;
    if (typeof message === 'string' && PG_MESSAGES.some((m) => message.includes(m))) return true;
  }
  return false;
}

interface AdapterCause {
  kind?: string;
  code?: string;
}

/** P1001 can't reach the server, P1002 it timed out, P1008 operation timed out, P1017 the server closed the connection, P2024 no pooled connection in time. */
const PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
/** The driver adapter's kinds for the same. */
const ADAPTER_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections']);
const NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND']);
/** node-postgres' own words when the socket goes away under a query or a checkout. */
const PG_MESSAGES = ['Connection terminated unexpectedly', 'Connection terminated due to connection timeout', 'timeout exceeded when trying to connect'];

/** Class 08 (connection exception), 57P01–57P03 (admin shutdown, crash shutdown, cannot connect now), 53300 (too many connections). */
function isUnavailableSqlState(code: string): boolean {
  return /^08[0-9A-Z]{3}$/.test(code) || code === '57P01' || code === '57P02' || code === '57P03' || code === '53300';
}
