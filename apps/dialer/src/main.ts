import { bootService, exitOnStartupError } from '@callplane/service-kit';
import { createDialerModule } from './app';
import { loadDialerConfig } from './config';

async function main() {
  const config = loadDialerConfig();
  await bootService({ name: 'dialer', config, modules: ({ platform, routerDeps }) => [createDialerModule({ platform, routerDeps })] });
}

main().catch(exitOnStartupError);
