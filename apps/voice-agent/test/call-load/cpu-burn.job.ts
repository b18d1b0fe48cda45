/**
 * A LiveKit job entry whose call costs a set share of a core and nothing else: CPU_BURN_MS of busy work in every
 * 100 ms, without joining the room. It writes its own CPU since the call began (getrusage, apart from the /proc reading
 * under test) to CPU_BURN_DIR/<job id>.json, for call-load.process.spec.ts.
 */
import { defineAgent, type JobContext } from '@livekit/agents';
import { renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export default defineAgent({
  entry: async (ctx: JobContext) => {
    const burnMs = Number(process.env.CPU_BURN_MS);
    const report = path.join(process.env.CPU_BURN_DIR ?? '', `${ctx.job.id}.json`);
    const cpuAtStart = process.cpuUsage();
    const startedAt = performance.now();
    let rounds = 0;
    const burn = setInterval(() => {
      const until = performance.now() + burnMs;
      while (performance.now() < until) {
        // Busy: the CPU is the point.
      }
      if (++rounds % 5 !== 0) return;
      const cpu = process.cpuUsage(cpuAtStart);
      const figures = { pid: process.pid, cpuSeconds: (cpu.user + cpu.system) / 1e6, wallSeconds: (performance.now() - startedAt) / 1000 };
      // Whole or not at all: the spec reads it while this process writes.
      writeFileSync(`${report}.tmp`, JSON.stringify(figures));
      renameSync(`${report}.tmp`, report);
    }, 100);
    ctx.addShutdownCallback(async () => clearInterval(burn));
  },
});
