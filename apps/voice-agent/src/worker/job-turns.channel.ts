import { rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Logger } from 'pino';
import type { TurnObserver } from '../session/turn-metrics';

/**
 * LiveKit Agents runs each call in a child process (job.ts) and offers no way for a job to hand the worker anything,
 * while Prometheus scrapes the worker's `/metrics` only. So the worker listens on a local socket, named after its own
 * pid, and each job process (whose parent that is) writes its turn observations there, one JSON line each. Nothing
 * but this machine's processes can reach it, and it carries no call data: a latency, or a missed turn.
 */
export const jobTurnsSocketPath = (workerPid: number): string => path.join(os.tmpdir(), `callplane-voice-agent-${workerPid}.turns.sock`);

type Line = { answered: number } | { missed: true };

/** The worker's side: observations from job processes go to `observer` (the turn metrics). */
export async function serveJobTurns(socketPath: string, observer: TurnObserver, logger: Logger): Promise<{ close(): Promise<void> }> {
  // A worker that died left its socket file (the container's /tmp outlives a restart, with the same pid).
  rmSync(socketPath, { force: true });
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    createInterface({ input: socket }).on('line', (line) => {
      const turn = parseLine(line);
      if (!turn) return;
      if ('answered' in turn) observer.answered(turn.answered);
      else observer.missed();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => logger.warn({ err }, 'job turn metrics socket failed'));
  return {
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * The job's side: a TurnObserver that writes to the worker's socket. A worker that does not serve one (a job run on
 * its own) just loses the observations: metrics never hold up a call.
 */
export function jobTurnsReporter(socketPath: string, logger: Logger): TurnObserver & { close(): Promise<void> } {
  let socket: net.Socket | null = net.createConnection(socketPath);
  socket.on('error', (err) => {
    logger.debug({ err }, 'the worker takes no turn metrics from this job');
    socket?.destroy();
    socket = null;
  });
  const send = (line: Line) => socket?.write(`${JSON.stringify(line)}\n`);
  return {
    answered: (latencySeconds) => void send({ answered: latencySeconds }),
    missed: () => void send({ missed: true }),
    close: () =>
      new Promise<void>((resolve) => {
        if (!socket || socket.destroyed) return resolve();
        // What is written is flushed before the job process exits (or the socket fails, and it is lost).
        socket.once('close', () => resolve());
        socket.end(() => resolve());
      }),
  };
}

function parseLine(line: string): Line | null {
  try {
    const v = JSON.parse(line) as Partial<{ answered: unknown; missed: unknown }>;
    if (typeof v.answered === 'number' && Number.isFinite(v.answered) && v.answered >= 0) return { answered: v.answered };
    if (v.missed === true) return { missed: true };
  } catch {
    // not a line of ours
  }
  return null;
}
