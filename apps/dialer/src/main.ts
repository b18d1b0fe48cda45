import { livekitSettings, replicaName } from '@callplane/config';
import { bootService, exitOnStartupError, secretBoxFromConfig } from '@callplane/service-kit';
import { createDialerModule, dialerSettingsFrom } from './app';
import { loadDialerConfig } from './config';

async function main() {
  const config = loadDialerConfig();
  await bootService({
    name: 'dialer',
    config,
    modules: ({ platform, routerDeps, registry }) => [
      createDialerModule({
        platform,
        routerDeps,
        registry,
        secrets: secretBoxFromConfig(config),
        settings: dialerSettingsFrom(config),
        livekit: livekitSettings(config),
        publicBaseUrl: config.PUBLIC_BASE_URL,
        replica: replicaName(config),
      }),
    ],
  });
}

main().catch(exitOnStartupError);
