import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { freePort, pollUntil, startChild, type ChildService } from '@callplane/testing';
import { http, runSliceScenario } from './slice-scenario';

const ROOT = path.resolve(__dirname, '../../..');
const SERVICES = ['provisioning', 'telephony-gateway', 'analytics', 'dialer', 'voice-agent'] as const;
type Service = (typeof SERVICES)[number];

/**
 * Distributed mode as operators run it: each service its own process, configured only through the
 * environment, on PostgreSQL and the Kafka test broker; SIGTERM drains each to exit 0. The slice runs the
 * production bundles (`npm run build`'s `node dist/apps/<app>/main.js`); the refusal test runs the
 * `nx serve` command (tsx on the sources).
 */
describe('services as separate processes', () => {
  const running = new Map<Service, { proc: ChildService; url: string }>();
  const adminToken = `admin-${randomBytes(12).toString('hex')}`;
  const sipHost = 'sip.livekit.example.com';
  const publicBaseUrl = 'https://calls.example.com';
  const namespace = `procs${randomBytes(4).toString('hex')}`;

  // Inside the repo, so the bundles resolve node_modules as they do next to dist/ in the image.
  const distDir = path.join(ROOT, 'dist', `test-${process.pid}-${randomBytes(3).toString('hex')}`);

  afterAll(async () => {
    await Promise.all([...running.values()].map((r) => r.proc.stop('SIGKILL')));
    rmSync(distDir, { recursive: true, force: true });
  });

  const baseEnv = (port: number): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    DATABASE_URL: process.env.DATABASE_URL,
    DATABASE_POOL_SIZE: '4',
    KAFKA_BROKERS: process.env.KAFKA_BROKERS,
    // librdkafka's mock cluster has no controller, so the idempotent producer can't initialise there.
    KAFKA_IDEMPOTENT: 'false',
    KAFKA_NAMESPACE: namespace,
    PUBLIC_BASE_URL: `${publicBaseUrl}/`,
    ADMIN_TOKEN: adminToken,
    CREDENTIALS_KEY: randomBytes(32).toString('base64'),
    LIVEKIT_SIP_HOST: sipHost,
    SHUTDOWN_GRACE_SECONDS: '10',
  });

  it('refuses to start with bad settings, naming each bad variable', async () => {
    const env: NodeJS.ProcessEnv = { ...baseEnv(await freePort()), ADMIN_TOKEN: 'short', CREDENTIALS_KEY: 'not-base64-32-bytes' };
    delete env.DATABASE_URL;
    const proc = startChild(path.join(ROOT, 'node_modules/.bin/tsx'), ['apps/provisioning/src/main.ts'], { cwd: ROOT, env });
    expect(await proc.exited).toBe(1);
    expect(proc.output()).toMatch(/ADMIN_TOKEN: must be at least 16 characters/);
    expect(proc.output()).toMatch(/CREDENTIALS_KEY: must be 32 random bytes/);
    expect(proc.output()).toMatch(/DATABASE_URL: is required/);
  });

  jest.setTimeout(180_000);

  it('run the first call slice across five processes and drain on SIGTERM', async () => {
    // Every service gets the same shared secrets, as from one Kubernetes Secret.
    const shared = { CREDENTIALS_KEY: randomBytes(32).toString('base64') };
    execFileSync(process.execPath, ['scripts/build.mjs', '--dist', distDir, ...SERVICES], { cwd: ROOT, stdio: 'pipe' });
    for (const svc of SERVICES) {
      const port = await freePort();
      const proc = startChild(process.execPath, [path.join(distDir, 'apps', svc, 'main.js')], { cwd: ROOT, env: { ...baseEnv(port), ...shared } });
      running.set(svc, { proc, url: `http://127.0.0.1:${port}` });
    }
    for (const [svc, { proc, url }] of running) {
      await pollUntil(
        async () => {
          if (proc.child.exitCode !== null) throw new Error(`${svc} exited: ${proc.output()}`);
          return (await fetch(`${url}/readyz`).then((r) => r.status === 200, () => false)) || null;
        },
        { timeoutMs: 60_000, intervalMs: 100, description: `${svc} to be ready` },
      );
      const health = await http('GET', `${url}/healthz`);
      expect(health.json).toEqual({ status: 'ok' });
      const metrics = await http('GET', `${url}/metrics`);
      expect(metrics.text).toContain(`service="${svc}"`);
    }
    const u = (s: Service) => running.get(s)!.url;

    await runSliceScenario({ provisioning: u('provisioning'), gateway: u('telephony-gateway'), analytics: u('analytics'), publicBaseUrl, adminToken }, sipHost);

    // Each service publishes its own contract; the gateway's lists the provider webhooks, not the agents API.
    const gatewayDoc = await http('GET', `${u('telephony-gateway')}/openapi.json`);
    expect(Object.keys(gatewayDoc.json.paths as object).sort()).toEqual([
      '/exotel/incoming/{phone_id}',
      '/exotel/status/{phone_id}',
      '/livekit/webhook',
      '/twilio/incoming/{phone_id}',
      '/twilio/status/{phone_id}',
    ]);

    // The bundles serve the API reference page, its assets resolved from node_modules beside dist/, and each
    // service's own document at the path the edge routes to it.
    for (const svc of ['provisioning', 'telephony-gateway'] as const) {
      const page = await http('GET', `${u(svc)}/docs`);
      expect({ svc, status: page.status, type: page.headers.get('content-type') }).toEqual({ svc, status: 200, type: 'text/html; charset=utf-8' });
      const bundle = await fetch(`${u(svc)}/docs/assets/swagger-ui-bundle.js`);
      expect({ svc, status: bundle.status, type: bundle.headers.get('content-type') }).toEqual({ svc, status: 200, type: 'text/javascript; charset=utf-8' });
      expect((await http('GET', `${u(svc)}/openapi/${svc}.json`)).json).toEqual((await http('GET', `${u(svc)}/openapi.json`)).json);
    }
    expect((await http('GET', `${u('provisioning')}/docs/init.js`)).text).toContain('"url":"/openapi/telephony-gateway.json"');

    for (const [svc, { proc }] of running) {
      const code = await proc.stop('SIGTERM');
      expect({ svc, code }).toEqual({ svc, code: 0 });
      expect(proc.output()).not.toMatch(/"level":"(error|fatal)"/);
    }
  });
});
