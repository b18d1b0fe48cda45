import { bootService, exitOnStartupError } from '@callplane/service-kit';
import { createAnalyticsModule } from './app';
import { loadAnalyticsConfig } from './config';

async function main() {
  const config = loadAnalyticsConfig();
  await bootService({ name: 'analytics', config, modules: ({ platform, routerDeps, registry }) => [createAnalyticsModule({ platform, routerDeps, registry })] });
}

main().catch(exitOnStartupError);
