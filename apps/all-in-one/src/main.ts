/**
 * All-in-one: every app in one process on one port, with an embedded PostgreSQL (PGlite) under .data/
 * and the in-process bus. Same code as the distributed services; only the drivers differ.
 */
import { livekitKeyPair, livekitSettings, localUrl, removeListenRecord, replicaName, writeListenRecord } from '@callplane/config';
import { bootService, exitOnStartupError, secretBoxFromConfig } from '@callplane/service-kit';
import { initializeLogger } from '@livekit/agents';
/* eslint-disable @nx/enforce-module-boundaries -- the all-in-one is the one composition root that runs every app in one process (ARCHITECTURE.md, Modes); Nx forbids importing apps without exception, so the exemption is stated here, for these lines only. */
import { createAnalyticsModule } from '../../analytics/src/app';
import { createDialerModule, dialerSettingsFrom } from '../../dialer/src/app';
import { createProvisioningModule, defaultAdapters, defaultImporters } from '../../provisioning/src/app';
import { createGatewayModule } from '../../telephony-gateway/src/app';
import { createVoiceAgentModule } from '../../voice-agent/src/app';
import { workerSettingsFrom } from '../../voice-agent/src/config';
import { routeAgentsLogs } from '../../voice-agent/src/session/agents-log';
/* eslint-enable @nx/enforce-module-boundaries */
import { loadAllInOneConfig } from './config';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { defaultSandboxFromNumber, seedDefaultTenant, type SeedResult } from './seed';
import { createStudioSiteModule, studioBuilt } from './studio-site';
import { welcomeText } from './welcome';

/** `env` defaults to the process's own (read by loadAllInOneConfig); tests pass theirs. */
export async function startAllInOne(env?: NodeJS.ProcessEnv, opts: { handleSignals?: boolean } = {}) {
  const config = loadAllInOneConfig(env);
  const secrets = secretBoxFromConfig(config);
  // The sandbox media plane runs LiveKit's AgentSession in this process, and the framework logs through its own
  // process-wide logger, which must exist before any session starts (AGENTS_LOG=debug to see it); its lines are
  // written by ours, in our format.
  initializeLogger({ pretty: false, level: config.AGENTS_LOG });
  routeAgentsLogs({ service: 'all-in-one' });
  let seeded: SeedResult | null = null;
  const running = await bootService({
    name: 'all-in-one',
    config,
    dataDir: `${config.dataDir}/pglite`,
    handleSignals: opts.handleSignals,
    modules: ({ platform, routerDeps, registry }) => [
      createProvisioningModule({
        platform,
        routerDeps,
        secrets,
        publicBaseUrl: config.PUBLIC_BASE_URL,
        adapters: defaultAdapters(config),
        importers: defaultImporters(config),
        livekit: livekitSettings(config, { sipHost: true }),
        // Sandbox mode, decided where the voice agent's and the dialer's are: LiveKit not configured.
        sandboxNumbers: !livekitSettings(config),
      }),
      createGatewayModule({ platform, routerDeps, registry, secrets, publicBaseUrl: config.PUBLIC_BASE_URL, livekitSipHost: config.LIVEKIT_SIP_HOST, exotel: { apiBaseUrl: config.EXOTEL_API_BASE_URL }, livekit: livekitKeyPair(config) }),
      createDialerModule({
        platform,
        routerDeps,
        registry,
        secrets,
        settings: dialerSettingsFrom(config),
        livekit: livekitSettings(config),
        publicBaseUrl: config.PUBLIC_BASE_URL,
        replica: replicaName(config),
      }),
      createAnalyticsModule({ platform, routerDeps, registry }),
      // The same LiveKit settings as the dialer's: without them the voice agent runs the sandbox media plane the dialer then uses.
      createVoiceAgentModule({ platform, routerDeps, registry, livekit: livekitSettings(config), worker: workerSettingsFrom(config), replica: replicaName(config) }),
      // Last: the dashboard answers only what no API route did.
      ...(studioBuilt(config.studioDir) ? [createStudioSiteModule({ routerDeps, dir: config.studioDir })] : []),
    ],
    beforeListen: async ({ platform }) => {
      // Before the modules start, so provisioning's start gives the new tenant its sandbox number like any other.
      seeded = await seedDefaultTenant(platform.db.prisma);
    },
  });
  const sandbox = livekitSettings(config) ? null : await defaultSandboxFromNumber(running.platform.db.prisma);
  // Where `npm run demo` finds the tenant that owns the sandbox from-number (ids only, nothing secret).
  if (sandbox) writeFileSync(path.join(config.dataDir, 'sandbox.json'), `${JSON.stringify({ tenant_id: sandbox.tenantId, from_number: sandbox.number }, null, 2)}\n`);
  // Where the local tools (the CLI, `npm run demo`, `npm run call:sandbox`) find it when CALLPLANE_URL is unset.
  writeListenRecord(config.dataDir, { url: localUrl(config.HOST, running.port), port: running.port, pid: process.pid });
  return { running, config, seeded: seeded as SeedResult | null, sandbox };
}

if (require.main === module) {
  startAllInOne()
    .then(({ config, seeded, sandbox }) => {
      process.once('exit', () => removeListenRecord(config.dataDir, process.pid));
      process.stdout.write(welcomeText(config, seeded, sandbox));
    })
    .catch(exitOnStartupError);
}
