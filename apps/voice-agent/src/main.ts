import { bootService, exitOnStartupError } from '@callplane/service-kit';
import { initializeLogger } from '@livekit/agents';
import { createVoiceAgentModule } from './app';
import { loadVoiceAgentConfig } from './config';

async function main() {
  const config = loadVoiceAgentConfig();
  // LiveKit's agents framework logs through its own process-wide logger, which must exist before any session starts.
  initializeLogger({ pretty: false, level: process.env.AGENTS_LOG ?? 'warn' });
  const livekit =
    config.LIVEKIT_URL && config.LIVEKIT_API_KEY && config.LIVEKIT_API_SECRET
      ? { url: config.LIVEKIT_URL, apiKey: config.LIVEKIT_API_KEY, apiSecret: config.LIVEKIT_API_SECRET }
      : undefined;
  await bootService({ name: 'voice-agent', config, modules: ({ platform }) => [createVoiceAgentModule({ platform, livekit })] });
}

main().catch(exitOnStartupError);
