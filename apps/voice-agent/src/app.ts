import type { Platform, ServiceModule } from '@callplane/service-kit';

export interface VoiceAgentModuleOptions {
  platform: Platform;
  livekit?: { url: string; apiKey: string; apiSecret: string };
}

/**
 * The LiveKit Agents worker that runs the media loop. Until the voice-agent issue lands it registers
 * no worker and takes no calls; it still starts, reports health and drains like every service.
 */
export function createVoiceAgentModule(opts: VoiceAgentModuleOptions): ServiceModule {
  const log = opts.platform.logger.child({ module: 'voice-agent' });
  return {
    name: 'voice-agent',
    routers: [],
    async start() {
      log.info({ livekit: opts.livekit ? opts.livekit.url : 'not configured' }, 'voice-agent worker idle: media loop not enabled yet');
    },
  };
}
