import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { pollUntil } from '@callplane/testing';
import { turnMetrics } from '../session/turn-metrics';
import { jobTurnsReporter, jobTurnsSocketPath, serveJobTurns } from './job-turns.channel';

const logger = pino({ level: 'silent' });

describe('job turns channel (job process → worker)', () => {
  it('is named after the worker: a job finds it from its parent pid', () => {
    expect(jobTurnsSocketPath(4242)).toBe(path.join(os.tmpdir(), 'callplane-voice-agent-4242.turns.sock'));
  });

  it("carries each job's observations to the worker's metrics, and ignores lines that are not observations", async () => {
    const socket = path.join(os.tmpdir(), `callplane-spec-${randomBytes(4).toString('hex')}.sock`);
    const registry = new Registry();
    const server = await serveJobTurns(socket, turnMetrics(registry), logger);
    try {
      const [jobA, jobB] = [jobTurnsReporter(socket, logger), jobTurnsReporter(socket, logger)];
      jobA.answered(0.9);
      jobB.answered(1.7);
      jobB.missed();
      await Promise.all([jobA.close(), jobB.close()]);
      const stray = jobTurnsReporter(socket, logger) as unknown as { answered(v: unknown): void; close(): Promise<void> };
      stray.answered(Number.NaN);
      stray.answered(-1);
      await stray.close();

      await pollUntil(async () => (await registry.metrics()).includes('voice_agent_missed_turns_total 1'), { description: 'the missed turn' });
      await pollUntil(async () => (await registry.metrics()).includes('voice_agent_turn_latency_seconds_count 2'), { description: 'both latencies' });
      const scrape = await registry.metrics();
      expect(scrape).toContain('voice_agent_turn_latency_seconds_sum 2.6');
      expect(scrape).toContain('voice_agent_turn_latency_seconds_bucket{le="1"} 1');
    } finally {
      await server.close();
    }
  });

  it('a job whose worker serves no socket loses its observations and carries on', async () => {
    const job = jobTurnsReporter(path.join(os.tmpdir(), `callplane-spec-absent-${randomBytes(4).toString('hex')}.sock`), logger);
    job.answered(1);
    job.missed();
    await expect(job.close()).resolves.toBeUndefined();
  });
});
