import { livekitKeyPair } from '@callplane/config';
import { bootService, exitOnStartupError, secretBoxFromConfig } from '@callplane/service-kit';
import { createGatewayModule } from './app';
import { loadGatewayConfig } from './config';

async function main() {
  const config = loadGatewayConfig();
  await bootService({
    name: 'telephony-gateway',
    config,
    modules: ({ platform, routerDeps, registry }) => [
      createGatewayModule({
        platform,
        routerDeps,
        registry,
        secrets: secretBoxFromConfig(config),
        publicBaseUrl: config.PUBLIC_BASE_URL,
        livekitSipHost: config.LIVEKIT_SIP_HOST,
        exotel: { apiBaseUrl: config.EXOTEL_API_BASE_URL },
        livekit: livekitKeyPair(config),
      }),
    ],
  });
}

main().catch(exitOnStartupError);
