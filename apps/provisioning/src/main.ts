import { livekitSettings } from '@callplane/config';
import { bootService, exitOnStartupError, secretBoxFromConfig } from '@callplane/service-kit';
import { createProvisioningModule, defaultAdapters, defaultImporters } from './app';
import { loadProvisioningConfig } from './config';

async function main() {
  const config = loadProvisioningConfig();
  await bootService({
    name: 'provisioning',
    config,
    modules: ({ platform, routerDeps }) => [
      createProvisioningModule({
        platform,
        routerDeps,
        secrets: secretBoxFromConfig(config),
        publicBaseUrl: config.PUBLIC_BASE_URL,
        adapters: defaultAdapters(config),
        importers: defaultImporters(config),
        livekit: livekitSettings(config, { sipHost: true }),
        sandboxNumbers: !livekitSettings(config),
      }),
    ],
  });
}

main().catch(exitOnStartupError);
