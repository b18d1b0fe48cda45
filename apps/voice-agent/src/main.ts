import { livekitSettings, replicaName } from '@callplane/config';
import { describeRecordingStorage } from '@callplane/livekit';
import { bootService, exitOnStartupError } from '@callplane/service-kit';
import { initializeLogger } from '@livekit/agents';
import { createVoiceAgentModule } from './app';
import { loadVoiceAgentConfig, workerSettingsFrom } from './config';
import { routeAgentsLogs } from './session/agents-log';

async function main() {
  const config = loadVoiceAgentConfig();
  const { recordings } = config;
  // LiveKit's agents framework logs through its own process-wide logger, which must exist before any session starts;
  // its options (the level) go to every job process it forks. Its lines are written by ours, in our format.
  initializeLogger({ pretty: false, level: config.AGENTS_LOG });
  routeAgentsLogs({ service: 'voice-agent' });
  const livekit = livekitSettings(config);
  // Live calls get the grace period less a margin to hang up and close before the forced exit.
  const drainGraceMs = Math.max(5, config.SHUTDOWN_GRACE_SECONDS - 15) * 1000;
  await bootService({
    name: 'voice-agent',
    config,
    modules: ({ platform, logger, registry }) => {
      logger.info({ recording: recordings ? describeRecordingStorage(recordings) : 'off' }, 'call recording storage');
      return [
      createVoiceAgentModule({
        platform,
        registry,
        livekit,
        drainGraceMs,
        worker: workerSettingsFrom(config),
        onWorkerFatal: () => process.exit(1),
        replica: replicaName(config),
      }),
      ];
    },
  });
}

main().catch(exitOnStartupError);
