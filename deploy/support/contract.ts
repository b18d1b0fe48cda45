/**
 * What the deployment artifacts must honour, restated from API.md and ARCHITECTURE.md so the checks
 * below have one source: the deployable apps and their ports, the public path routing, the environment.
 */
export interface AppSpec {
  name: string;
  port: number;
  /** Minimum terminationGracePeriodSeconds: long enough to drain what the app has in flight. */
  minGraceSeconds: number;
  /** The app's drain after SIGTERM when SHUTDOWN_GRACE_SECONDS is unset (apps/<name>/src/config.ts). */
  defaultDrainSeconds: number;
}

export const APPS: readonly AppSpec[] = [
  { name: 'telephony-gateway', port: 3001, minGraceSeconds: 30, defaultDrainSeconds: 25 },
  { name: 'provisioning', port: 3002, minGraceSeconds: 30, defaultDrainSeconds: 25 },
  { name: 'dialer', port: 3003, minGraceSeconds: 60, defaultDrainSeconds: 25 },
  { name: 'analytics', port: 3004, minGraceSeconds: 30, defaultDrainSeconds: 25 },
  // A live call must be able to end: the LiveKit worker drains for up to this long.
  { name: 'voice-agent', port: 3005, minGraceSeconds: 600, defaultDrainSeconds: 600 },
];

/**
 * The studio (the dashboard, API.md "Studio dashboard"): its built files behind nginx-unprivileged, an image of its own
 * (Dockerfile target `studio`), served at `/` behind the same Ingress and edge as the API. It holds no secret.
 */
export const STUDIO = {
  name: 'studio',
  port: 8080,
  /** The base image's unprivileged nginx user. */
  uid: 101,
  /** Kustomize-managed image name, pinned in kustomization.yaml beside the services'. */
  image: 'callplane-studio',
  /** The base image the studio stage serves from (pinned like every image). */
  serverImage: 'nginxinc/nginx-unprivileged',
  nginxConf: 'deploy/studio/nginx.conf',
  confInImage: '/etc/nginx/conf.d/default.conf',
  htmlInImage: '/usr/share/nginx/html',
  buildScript: 'scripts/build-studio.mjs',
  healthPath: '/healthz',
} as const;

/** The all-in-one embeds its database and bus: laptops only, never deployed. */
export const NOT_DEPLOYED = ['all-in-one'];

/**
 * API.md path prefixes and the service that owns each; `exact` routes are one path (an OpenAPI document), not a
 * prefix. The API reference page (`/docs`, libs/service-kit api-docs.ts) is provisioning's, and lists every public
 * service's own document at `/openapi/<service>.json`; `/openapi.json` is provisioning's document.
 */
export const ROUTES: ReadonlyArray<{ prefix: string; service: string; exact?: boolean }> = [
  { prefix: '/admin/trial-pool', service: 'dialer' },
  { prefix: '/admin', service: 'provisioning' },
  { prefix: '/voice/agents', service: 'provisioning' },
  { prefix: '/voice/phone-numbers', service: 'provisioning' },
  { prefix: '/voice/exotel', service: 'provisioning' },
  { prefix: '/voice/outbound', service: 'dialer' },
  { prefix: '/voice/studio', service: 'dialer' },
  { prefix: '/voice/campaigns', service: 'dialer' },
  { prefix: '/voice/dnc', service: 'dialer' },
  { prefix: '/voice/settings', service: 'dialer' },
  { prefix: '/voice/sessions', service: 'analytics' },
  { prefix: '/voice/analytics', service: 'analytics' },
  { prefix: '/voice/leads', service: 'analytics' },
  { prefix: '/twilio', service: 'telephony-gateway' },
  { prefix: '/exotel', service: 'telephony-gateway' },
  { prefix: '/livekit', service: 'telephony-gateway' },
  { prefix: '/docs', service: 'provisioning' },
  { prefix: '/openapi.json', service: 'provisioning', exact: true },
  ...['provisioning', 'dialer', 'analytics', 'telephony-gateway'].map((service) => ({ prefix: `/openapi/${service}.json`, service, exact: true })),
];

/** API.md "Environment contract": every service reads these. */
export const ENV_CONTRACT = [
  'PORT',
  'DATABASE_URL',
  'KAFKA_BROKERS',
  'PUBLIC_BASE_URL',
  'ADMIN_TOKEN',
  'CREDENTIALS_KEY',
  'LIVEKIT_URL',
  'LIVEKIT_API_KEY',
  'LIVEKIT_API_SECRET',
  'LIVEKIT_SIP_HOST',
  'TWILIO_API_BASE_URL',
  'PLIVO_API_BASE_URL',
  'EXOTEL_API_BASE_URL',
  'VOBIZ_API_BASE_URL',
  'WEBHOOK_ALLOW_PRIVATE_TARGETS',
  'LOG_LEVEL',
] as const;

/** Set per workload, next to its container port. */
export const PER_WORKLOAD_ENV = ['PORT'];

/** Must come from a Secret, never a ConfigMap. */
export const SECRET_ENV = ['DATABASE_URL', 'ADMIN_TOKEN', 'CREDENTIALS_KEY', 'LIVEKIT_API_KEY', 'LIVEKIT_API_SECRET'];

/**
 * Default to the carriers' real APIs when unset. Twilio alone spans several hosts (api., trunking.), so
 * no single value equals the default and an empty string is not "unset": deployments leave them out
 * unless pointing at a fake or proxy, and only document them.
 */
export const UNSET_BY_DEFAULT_ENV = ['TWILIO_API_BASE_URL', 'PLIVO_API_BASE_URL', 'EXOTEL_API_BASE_URL', 'VOBIZ_API_BASE_URL'];

export const CONFIGMAP_NAME = 'callplane-config';
export const SECRET_NAME = 'callplane-secrets';
/** The kustomize-managed image name every container uses, so one `images:` entry pins the release. */
export const IMAGE_NAME = 'callplane';
export const MIGRATE_COMMAND = 'node dist/tools/db-migrate.js deploy';
export const PRISMA_DIR_IN_IMAGE = '/app/dist/prisma';
