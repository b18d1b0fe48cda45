import { randomBytes } from 'node:crypto';
import { SecretBox } from '@callplane/service-kit';
import { apiClient, bootTestService, type TestService } from '@callplane/testing';
import { createProvisioningModule } from './app';

export const PUBLIC_BASE_URL = 'https://voice.example.com';

/**
 * Boots provisioning over HTTP for one spec file (beforeAll/afterAll) and hands back its API client. No LiveKit;
 * `sandboxNumbers` turns on sandbox mode's numbers (every tenant given one to call from), as the composition roots do.
 */
export function useProvisioningService(opts: { sandboxNumbers?: boolean } = {}) {
  let svc: TestService | undefined;
  const secrets = new SecretBox(randomBytes(32));
  const service = (): TestService => {
    if (!svc) throw new Error('provisioning is not booted yet: use it inside a test');
    return svc;
  };
  beforeAll(async () => {
    svc = await bootTestService({
      name: 'provisioning',
      modules: ({ platform, routerDeps }) => [createProvisioningModule({ platform, routerDeps, secrets, publicBaseUrl: PUBLIC_BASE_URL, sandboxNumbers: opts.sandboxNumbers })],
    });
  });
  afterAll(async () => {
    await svc?.stop();
  });
  return { service, secrets, ...apiClient(service) };
}
