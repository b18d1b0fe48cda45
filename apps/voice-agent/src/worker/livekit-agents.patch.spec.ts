import { initializeLogger, jobLifecycle, ServerOptions, type JobProcessHandle } from '@livekit/agents';
import { execFileSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../../..');

/**
 * `patches/@livekit+agents+1.8.1.patch` (applied by patch-package at install) lets the worker choose the process a
 * job runs in: `ServerOptions.jobProcessFactory`, handed through the process pool to each job executor in place of
 * its fork; and it exports the framework's job lifecycle steps for a process that runs jobs itself (job-host.ts).
 * Without it the option is dropped and every job forks its own process. That the pool creates each job's process
 * with it is what job-host.process.spec.ts shows.
 */
describe('@livekit/agents 1.8.1 patched for several jobs per process', () => {
  it('keeps the jobProcessFactory it is given and exports the job lifecycle (CommonJS build, which the bundles load)', () => {
    const factory = (): JobProcessHandle => Object.assign(new EventEmitter(), { connected: true, exitCode: null, killed: false, send: () => true, kill: () => true });
    expect(new ServerOptions({ agent: 'agent.js', jobProcessFactory: factory }).jobProcessFactory).toBe(factory);
    expect(new ServerOptions({ agent: 'agent.js' }).jobProcessFactory).toBeUndefined();
    expect(Object.keys(jobLifecycle)).toEqual(expect.arrayContaining(['finalizeSession', 'flushJobLogs', 'runShutdownCallbacks', 'validateSessionEndTimeout', 'waitForEntrypointShutdown']));
  });

  it('does the same in the ES module build', () => {
    const script = [
      "import { jobLifecycle, ServerOptions } from '@livekit/agents';",
      "const factory = () => null;",
      "process.stdout.write(JSON.stringify({ kept: new ServerOptions({ agent: 'agent.js', jobProcessFactory: factory }).jobProcessFactory === factory, lifecycle: typeof jobLifecycle.finalizeSession }));",
    ].join('\n');
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({ kept: true, lifecycle: 'function' });
  });
});

/**
 * The same patch lets RoomIO read the caller's track in frames of the length it is asked for (`audioFrameSizeMs` in
 * its input options, handed to rtc-node's native AudioStream as `frameSizeMs`), so the session gets one VAD window
 * per frame cut by the native side (room-io-options.ts). Without it the option is dropped and the track comes in
 * 10 ms frames. The native request is recorded at rtc-node's FFI client (no room here to read a track from).
 */
describe('@livekit/agents 1.8.1 patched to read the track in frames of a given length', () => {
  const dist = (file: string) => path.join(ROOT, 'node_modules', file);
  /* eslint-disable @typescript-eslint/no-require-imports -- the modules RoomIO itself loads, by file: neither package exports them */
  const { FfiClient } = require(dist('@livekit/rtc-node/dist/ffi_client.cjs')) as { FfiClient: { instance: { request(req: unknown): unknown } } };
  const { ParticipantAudioInputStream } = require(dist('@livekit/agents/dist/voice/room_io/_input.cjs')) as {
    ParticipantAudioInputStream: new (opts: Record<string, unknown>) => { createStream(track: unknown): unknown; close(): Promise<void> };
  };
  /* eslint-enable @typescript-eslint/no-require-imports */

  it('asks the native audio stream for frames of audioFrameSizeMs', async () => {
    initializeLogger({ pretty: false, level: 'silent' });
    const asked: Array<{ frameSizeMs?: number; sampleRate: number }> = [];
    const client = FfiClient.instance;
    const request = jest.spyOn(client, 'request').mockImplementation((req) => {
      const { message } = req as { message: { case: string; value: { frameSizeMs?: number; sampleRate: number } } };
      asked.push(message.value);
      throw new Error(`recorded ${message.case}`);
    });
    const room = { on: () => undefined, off: () => undefined, remoteParticipants: new Map() };
    const track = { ffi_handle: { handle: 7n }, registerAudioStream: () => undefined };
    try {
      for (const frameSizeMs of [32, undefined]) {
        const input = new ParticipantAudioInputStream({ room, sampleRate: 16_000, numChannels: 1, frameSizeMs });
        expect(() => input.createStream(track)).toThrow('recorded newAudioStream');
        await input.close();
      }
    } finally {
      request.mockRestore();
    }
    expect(asked.map(({ frameSizeMs, sampleRate }) => ({ frameSizeMs, sampleRate }))).toEqual([
      { frameSizeMs: 32, sampleRate: 16_000 },
      { frameSizeMs: undefined, sampleRate: 16_000 },
    ]);
  });

  it('hands RoomIO\'s audioFrameSizeMs to the track reader it creates (both builds)', () => {
    for (const build of ['room_io.cjs', 'room_io.js']) {
      const source = fs.readFileSync(dist(`@livekit/agents/dist/voice/room_io/${build}`), 'utf8');
      expect(source).toMatch(/ParticipantAudioInputStream\(\{[^}]*frameSizeMs: this\.inputOptions\.audioFrameSizeMs/);
    }
  });
});
