import { bootService, exitOnStartupError } from '@callplane/service-kit';
import { createAnalyticsModule } from './app';
import { loadAnalyticsConfig } from './config';

async function main() {
  const config = loadAnalyticsConfig();
  await bootService({ name: 'analytics', config, modules: ({ platform, routerDeps }) => [createAnalyticsModule({ platform, routerDeps })] });
}

main().catch(exitOnStartupError);
