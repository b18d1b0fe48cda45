import { connectPostgres } from '@callplane/db';
import { bootService, type RunningService, SecretBox } from '@callplane/service-kit';
import { randomBytes } from 'node:crypto';
/* eslint-disable @nx/enforce-module-boundaries -- the slice test composes the five services as the all-in-one does */
import { createAnalyticsModule } from '../../analytics/src/app';
import { createDialerModule, dialerSettingsFrom } from '../../dialer/src/app';
import { createProvisioningModule } from '../../provisioning/src/app';
import { createGatewayModule } from '../../telephony-gateway/src/app';
import { createVoiceAgentModule } from '../../voice-agent/src/app';
/* eslint-enable @nx/enforce-module-boundaries */
import { runSliceScenario } from './slice-scenario';

/**
 * Distributed mode: the five services as separate service instances (each its own HTTP server, database
 * pool, Kafka producer/consumers and outbox relay) against real PostgreSQL and the Kafka test broker.
 */
describe('first call slice, distributed (PostgreSQL + Kafka)', () => {
  const adminToken = `admin-${randomBytes(12).toString('hex')}`;
  const credentialsKey = randomBytes(32).toString('base64');
  const publicBaseUrl = 'https://voice.example.com';
  const sipHost = 'sip.livekit.example.com';
  const services: RunningService[] = [];
  const url = (s: RunningService) => `http://127.0.0.1:${s.port}`;

  const config = {
    PORT: 0,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    ADMIN_TOKEN: adminToken,
    SHUTDOWN_GRACE_SECONDS: 5,
    DATABASE_URL: process.env.DATABASE_URL!,
    DATABASE_POOL_SIZE: 4,
    KAFKA_BROKERS: process.env.KAFKA_BROKERS!.split(','),
    KAFKA_IDEMPOTENT: false,
    // Its own topics and groups: other test files' consumers on this broker must not take its events.
    KAFKA_NAMESPACE: `slice${randomBytes(4).toString('hex')}`,
  };

  afterAll(async () => {
    for (const s of services.reverse()) await s.stop();
  });

  it('creates an agent, assigns a number, answers a signed webhook with TwiML, and shows the session to its tenant only', async () => {
    const secrets = new SecretBox(credentialsKey);
    const boot = (name: string, modules: Parameters<typeof bootService>[0]['modules']) =>
      bootService({ name, config, handleSignals: false, modules }).then((s) => (services.push(s), s));

    const provisioning = await boot('provisioning', ({ platform, routerDeps }) => [createProvisioningModule({ platform, routerDeps, secrets, publicBaseUrl })]);
    const gateway = await boot('telephony-gateway', ({ platform, routerDeps }) => [
      createGatewayModule({ platform, routerDeps, secrets, publicBaseUrl, livekitSipHost: sipHost }),
    ]);
    const analytics = await boot('analytics', ({ platform, routerDeps }) => [createAnalyticsModule({ platform, routerDeps })]);
    const dialer = await boot('dialer', ({ platform, routerDeps }) => [createDialerModule({ platform, routerDeps, secrets, settings: dialerSettingsFrom({ TEST_CALL_USER_DAILY_LIMIT: 5, TEST_CALL_DESTINATION_DAILY_LIMIT: 3, TEST_CALL_MAX_SECONDS: 120, TEST_CALL_DISPATCH_TIMEOUT_SECONDS: 90, DIAL_RINGING_TIMEOUT_SECONDS: 30, WEBHOOK_ALLOW_PRIVATE_TARGETS: false }) })]);
    const voiceAgent = await boot('voice-agent', ({ platform }) => [createVoiceAgentModule({ platform })]);

    for (const s of [provisioning, gateway, analytics, dialer, voiceAgent]) {
      const ready = await fetch(`${url(s)}/readyz`);
      expect(ready.status).toBe(200);
    }

    const { sessionId } = await runSliceScenario(
      { provisioning: url(provisioning), gateway: url(gateway), analytics: url(analytics), publicBaseUrl, adminToken },
      sipHost,
    );

    // One session and one `initiating` event, despite the forged, unsigned and retried deliveries.
    const db = connectPostgres({ url: process.env.DATABASE_URL! });
    try {
      const session = await db.prisma.callSession.findUniqueOrThrow({ where: { id: sessionId } });
      expect(await db.prisma.callSession.count({ where: { providerCallId: session.providerCallId } })).toBe(1);
      const events = await db.prisma.outboxEvent.findMany({ where: { key: sessionId } });
      expect(events.map((e) => (e.envelope as { type: string }).type)).toEqual(['call.initiating']);
      expect(events[0]!.publishedAt).not.toBeNull();
      const stored = await db.prisma.phoneNumber.findFirstOrThrow({ where: { id: session.phoneNumberId! } });
      expect(stored.signingSecretEnc).not.toContain('twilio-auth-token');
    } finally {
      await db.close();
    }
  });
});
