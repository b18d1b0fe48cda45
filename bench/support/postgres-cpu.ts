import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

/**
 * CPU time (ms) used so far by the PostgreSQL server processes on this machine (Linux `/proc`), or null where that
 * cannot be read. The difference across a run is the database's share of the work: on a small machine the server,
 * the load generator and PostgreSQL share the same cores, so what one request costs PostgreSQL bounds throughput as
 * much as what it costs the server. Backends that exit during the run take their time with them (the bench's pools
 * keep theirs open).
 */
export function postgresCpuMs(): number | null {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
    ticksPerSecond ??= clockTicks();
  } catch {
    return null;
  }
  let ticks = 0;
  let found = false;
  for (const pid of pids) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    const close = stat.lastIndexOf(')');
    if (stat.slice(stat.indexOf('(') + 1, close) !== 'postgres') continue;
    // Fields after the command: state is field 3, utime 14, stime 15 (proc(5)).
    const fields = stat.slice(close + 2).split(' ');
    ticks += Number(fields[11]) + Number(fields[12]);
    found = true;
  }
  return found ? (ticks / ticksPerSecond) * 1000 : null;
}

/** CPU time (ms) one process has used so far (Linux `/proc/<pid>/stat`), or null once it has exited. */
export function processCpuMs(pid: number): number | null {
  try {
    ticksPerSecond ??= clockTicks();
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) / ticksPerSecond) * 1000;
  } catch {
    return null;
  }
}

const clockTicks = () => Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
