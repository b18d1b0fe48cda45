import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';

/** The unit of the times in /proc/<pid>/stat (USER_HZ, `getconf CLK_TCK`): 100 on every Linux that Node runs on. */
const TICKS_PER_SECOND = 100;

export interface ProcStat {
  pid: number;
  ppid: number;
  /** Its own CPU and that of its children it has reaped: utime + stime + cutime + cstime. */
  cpuTicks: number;
}

/** One `/proc/<pid>/stat` (proc(5)); null when it is not one. */
export function parseProcStat(text: string): ProcStat | null {
  // The command name (field 2) is in parentheses and may itself hold spaces and parentheses: the fields after it are
  // counted from the last ')'.
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const pid = Number(text.slice(0, open));
  // From field 3 (state) on: field n is at n - 3.
  const fields = text.slice(close + 1).trim().split(/\s+/);
  const ppid = Number(fields[1]);
  const ticks = [11, 12, 13, 14].map((i) => Number(fields[i]));
  if (![pid, ppid, ...ticks].every(Number.isFinite) || fields.length < 15) return null;
  return { pid, ppid, cpuTicks: ticks.reduce((sum, t) => sum + t, 0) };
}

/**
 * The CPU of `root` and every process below it, in ticks. A process counts however many calls it holds. One that has
 * exited still counts: the kernel adds a reaped child's CPU to its parent's cutime and cstime (and Node reaps the
 * processes it forks), so the sum does not drop when a job process ends. Lost only: a grandchild whose parent exited
 * before it (it is reparented out of the tree).
 */
export function treeCpuTicks(stats: readonly ProcStat[], root: number): number | null {
  const children = new Map<number, ProcStat[]>();
  let top: ProcStat | undefined;
  for (const s of stats) {
    if (s.pid === root) top = s;
    else {
      const siblings = children.get(s.ppid);
      if (siblings) siblings.push(s);
      else children.set(s.ppid, [s]);
    }
  }
  if (!top) return null;
  let ticks = 0;
  const queue = [top];
  for (let s = queue.pop(); s; s = queue.pop()) {
    ticks += s.cpuTicks;
    queue.push(...(children.get(s.pid) ?? []));
  }
  return ticks;
}

/**
 * CPU seconds used so far by this process and all it has forked (the job processes, the inference process); null
 * where /proc cannot be read (not Linux). Reads every process's stat: a pod sees its own few.
 */
export async function processTreeCpuSeconds(root: number = process.pid, procDir = '/proc'): Promise<number | null> {
  let names: string[];
  try {
    names = await readdir(procDir);
  } catch {
    return null;
  }
  const stats = await Promise.all(
    names.filter((n) => /^\d+$/.test(n)).map((n) => readFile(`${procDir}/${n}/stat`, 'utf8').then(parseProcStat, () => null)),
  );
  const ticks = treeCpuTicks(stats.filter((s): s is ProcStat => s !== null), root);
  return ticks === null ? null : ticks / TICKS_PER_SECOND;
}

/** cgroup v2's `cpu.max` ("<quota> <period>", or "max <period>" for none) as cores; null when there is no quota. */
export function parseCpuMax(text: string): number | null {
  const [quota, period = '100000'] = text.trim().split(/\s+/);
  if (quota === 'max') return null;
  const cores = Number(quota) / Number(period);
  return Number.isFinite(cores) && cores > 0 ? cores : null;
}

/**
 * The cores the worker may use. A pod with a CPU limit gets that much whatever the node has (its cgroup's quota,
 * /sys/fs/cgroup/cpu.max under cgroup v2), and `availableParallelism` counts the node's: the smaller of the two.
 */
export function availableCores(cpuMax: string | null = readIfPresent('/sys/fs/cgroup/cpu.max')): number {
  const quota = cpuMax === null ? null : parseCpuMax(cpuMax);
  return Math.min(availableParallelism(), quota ?? Infinity);
}

function readIfPresent(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}
