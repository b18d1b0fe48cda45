import type { PrismaClient } from '@callplane/db';
import type { LiveKitSip } from '@callplane/livekit';
import type { ByokImporters } from '@callplane/providers';
import type { SecretBox } from '@callplane/service-kit';

/** LiveKit as provisioning uses it: the SIP API, and the host carriers send calls to. */
export interface ImportLiveKit {
  sip: LiveKitSip;
  sipHost: string;
}

export interface ProvisioningDeps {
  prisma: PrismaClient;
  secrets: SecretBox;
  publicBaseUrl: string;
  /** Wakes the outbox relay after a commit so events leave at once rather than at the next poll. */
  outbox: { notify(): void };
  /** One importer per BYOK provider. */
  importers: ByokImporters;
  /** Unset when LiveKit is not configured: imports are refused (`409 livekit_not_configured`). */
  livekit?: ImportLiveKit;
  /** Sandbox mode (LiveKit not configured): every tenant is given a sandbox number to place calls from. */
  sandboxNumbers?: boolean;
}
