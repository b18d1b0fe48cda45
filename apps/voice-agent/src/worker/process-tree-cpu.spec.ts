import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { availableParallelism } from 'node:os';
import { availableCores, parseCpuMax, parseProcStat, processTreeCpuSeconds, treeCpuTicks, type ProcStat } from './process-tree-cpu';

/** A stat line as the kernel writes it, with utime, stime, cutime and cstime set. */
function statLine(pid: number, comm: string, ppid: number, [utime, stime, cutime, cstime]: number[]): string {
  const before = `S ${ppid} ${pid} ${pid} 0 -1 4194560 1000 0 0 0`;
  return `${pid} (${comm}) ${before} ${utime} ${stime} ${cutime} ${cstime} 20 0 11 0 86512 1000000 3000 18446744073709551615 1 1 0 0 0 0 0 0 0 17 1 0 0 0 0 0`;
}

describe('process tree CPU', () => {
  it("reads a process's CPU and its reaped children's from /proc/<pid>/stat, whatever its command name", () => {
    expect(parseProcStat(statLine(4242, 'node', 1, [150, 30, 12, 8]))).toEqual({ pid: 4242, ppid: 1, cpuTicks: 200 });
    // A name with spaces and a closing parenthesis, as a job process can set through process.title.
    expect(parseProcStat(statLine(7, 'job (a) b) ', 5, [1, 2, 3, 4]))).toEqual({ pid: 7, ppid: 5, cpuTicks: 10 });
    expect(parseProcStat('')).toBeNull();
    expect(parseProcStat('12 (node) S 1 2')).toBeNull();
  });

  it('sums a process and everything below it, and nothing beside it', () => {
    const stats: ProcStat[] = [
      { pid: 1, ppid: 0, cpuTicks: 1_000 },
      { pid: 10, ppid: 1, cpuTicks: 5 }, // the worker
      { pid: 11, ppid: 10, cpuTicks: 7 }, // a job process
      { pid: 12, ppid: 10, cpuTicks: 11 }, // the inference process
      { pid: 13, ppid: 11, cpuTicks: 13 }, // something a job forked
      { pid: 20, ppid: 1, cpuTicks: 500 }, // another service
    ];
    expect(treeCpuTicks(stats, 10)).toBe(36);
    expect(treeCpuTicks(stats, 99)).toBeNull();
  });

  it('counts a live child, and goes on counting it once it has exited', async () => {
    const before = await processTreeCpuSeconds();
    const ownBefore = process.cpuUsage();
    // The child burns 0.3 s of CPU, says how much it used (getrusage: measured apart from /proc), and waits to be let go.
    const child = spawn(process.execPath, [
      '-e',
      `const t = process.cpuUsage(); while (process.cpuUsage(t).user < 300000);
       const c = process.cpuUsage(); console.log((c.user + c.system) / 1e6); process.stdin.resume(); process.stdin.on('end', () => process.exit(0));`,
    ]);
    const [line] = (await once(child.stdout, 'data')) as [Buffer];
    const childSeconds = Number(line.toString());
    expect(childSeconds).toBeGreaterThanOrEqual(0.3);

    // One tick (10 ms) of rounding for each of the two processes in each of the two readings.
    const tolerance = 0.04;
    const alive = await processTreeCpuSeconds();
    expect(before).not.toBeNull();
    expect(alive! - before!).toBeGreaterThanOrEqual(childSeconds - tolerance);

    child.stdin.end();
    await once(child, 'exit');
    const gone = await processTreeCpuSeconds();
    const own = process.cpuUsage(ownBefore);
    expect(gone! - before!).toBeGreaterThanOrEqual(childSeconds + (own.user + own.system) / 1e6 - tolerance);
  });

  it("takes the pod's CPU limit (cgroup v2 cpu.max) when it sets one, else the machine's cores", () => {
    expect(parseCpuMax('max 100000\n')).toBeNull();
    expect(parseCpuMax('250000 100000\n')).toBe(2.5);
    expect(parseCpuMax('50000')).toBe(0.5);
    expect(parseCpuMax('nonsense')).toBeNull();
    expect(availableCores('50000 100000')).toBe(0.5);
    expect(availableCores('max 100000')).toBe(availableParallelism());
    expect(availableCores(null)).toBe(availableParallelism());
    expect(availableCores(`${(availableParallelism() + 8) * 100_000} 100000`)).toBe(availableParallelism());
  });
});
