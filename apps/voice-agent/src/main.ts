import { describeRecordingStorage, recordingStorageFromEnv } from '@callplane/livekit';
import { bootService, exitOnStartupError } from '@callplane/service-kit';
import { initializeLogger } from '@livekit/agents';
import { createVoiceAgentModule } from './app';
import { liveKitOf, loadVoiceAgentConfig } from './config';

async function main() {
  const config = loadVoiceAgentConfig();
  // Read again by each call's job process; checked here so a bad setting stops the worker at start, not a call.
  const recordings = recordingStorageFromEnv(process.env);
  // LiveKit's agents framework logs through its own process-wide logger, which must exist before any session starts.
  initializeLogger({ pretty: false, level: process.env.AGENTS_LOG ?? 'warn' });
  const livekit = liveKitOf(config);
  // Live calls get the grace period less a margin to hang up and close before the forced exit.
  const drainGraceMs = Math.max(5, config.SHUTDOWN_GRACE_SECONDS - 15) * 1000;
  await bootService({
    name: 'voice-agent',
    config,
    modules: ({ platform, logger }) => {
      logger.info({ recording: recordings ? describeRecordingStorage(recordings) : 'off' }, 'call recording storage');
      return [
      createVoiceAgentModule({
        platform,
        livekit,
        drainGraceMs,
        worker: { healthPort: config.AGENT_HEALTH_PORT, idleProcesses: config.AGENT_IDLE_PROCESSES, loadThreshold: config.AGENT_LOAD_THRESHOLD },
        onWorkerFatal: () => process.exit(1),
      }),
      ];
    },
  });
}

main().catch(exitOnStartupError);
