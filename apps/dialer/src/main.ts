import { bootService, exitOnStartupError, secretBoxFromConfig } from '@callplane/service-kit';
import { createDialerModule, dialerSettingsFrom } from './app';
import { loadDialerConfig } from './config';

async function main() {
  const config = loadDialerConfig();
  const { LIVEKIT_URL: url, LIVEKIT_API_KEY: apiKey, LIVEKIT_API_SECRET: apiSecret } = config;
  await bootService({
    name: 'dialer',
    config,
    modules: ({ platform, routerDeps }) => [
      createDialerModule({
        platform,
        routerDeps,
        secrets: secretBoxFromConfig(config),
        settings: dialerSettingsFrom(config),
        livekit: url && apiKey && apiSecret ? { url, apiKey, apiSecret } : undefined,
      }),
    ],
  });
}

main().catch(exitOnStartupError);
