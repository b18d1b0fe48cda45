import type { LoadResult } from './load-types';

export interface Row {
  label: string;
  result: LoadResult;
  /** CPU time the server process spent per answered request (its event loop, the relay, the database driver). */
  serverCpuMsPerRequest: number;
  /** PostgreSQL's CPU per answered request, when the database runs on this machine (`postgres-cpu.ts`). */
  dbCpuMsPerRequest?: number | null;
}

const num = (v: number, digits: number) => (Number.isFinite(v) ? v.toFixed(digits) : '—');

/** The compact table: one line per run, rps and latency as the generator measured them. */
export function formatTable(rows: Row[]): string {
  const width = Math.max(...rows.map((r) => r.label.length), 10) + 2;
  const db = rows.some((r) => typeof r.dbCpuMsPerRequest === 'number');
  const head = `${''.padEnd(width)}${'rps'.padStart(8)}${'p50 ms'.padStart(9)}${'p90 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'max ms'.padStart(9)}${'errors'.padStart(9)}${'cpu ms/req'.padStart(12)}${db ? 'db ms/req'.padStart(11) : ''}`;
  const lines = rows.map(({ label, result: r, serverCpuMsPerRequest, dbCpuMsPerRequest }) =>
    [
      label.padEnd(width),
      num(r.rps, 0).padStart(8),
      num(r.latencyMs.p50, 1).padStart(9),
      num(r.latencyMs.p90, 1).padStart(9),
      num(r.latencyMs.p99, 1).padStart(9),
      num(r.latencyMs.max, 1).padStart(9),
      String(r.errors).padStart(9),
      num(serverCpuMsPerRequest, 2).padStart(12),
      db ? num(dbCpuMsPerRequest ?? Number.NaN, 2).padStart(11) : '',
    ].join(''),
  );
  return [head, ...lines].join('\n');
}

export const verdict = (met: boolean) => (met ? 'met' : 'MISSED');
