import { randomBytes, randomInt } from 'node:crypto';
import { toE164 } from '@callplane/contracts';
import type { PrismaClient } from '@callplane/db';
import { bootService, createLogger, type BootOptions, type Logger, type RunningService } from '@callplane/service-kit';

export interface TestServiceConfig {
  PORT: number;
  HOST: string;
  LOG_LEVEL: string;
  ADMIN_TOKEN: string;
  SHUTDOWN_GRACE_SECONDS: number;
  DATABASE_URL: string;
  DATABASE_POOL_SIZE: number;
  CREDENTIALS_KEY: string;
}

export interface TestService {
  /** `http://127.0.0.1:<port>` */
  url: string;
  adminToken: string;
  running: RunningService;
  /** The service's own client on the test database, for asserting what was (or was not) written. */
  prisma: PrismaClient;
  stop(): Promise<void>;
}

/**
 * Boots service modules through the real `bootService` on port 0 against this test file's database
 * (DATABASE_URL, set per file by the jest setup), with the in-process bus (KAFKA_BROKERS left unset)
 * and a random operator token.
 */
export async function bootTestService(opts: {
  name: string;
  modules: BootOptions<TestServiceConfig>['modules'];
  adminToken?: string;
  /** Where the service logs; by default pino at TEST_LOG_LEVEL (silent). Tests that read logs pass `captureLogs().logger`. */
  logger?: BootOptions<TestServiceConfig>['logger'];
  /** false: express answers the lean routes too (to compare the two paths). */
  leanRoutes?: boolean;
}): Promise<TestService> {
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) throw new Error('DATABASE_URL is unset: run through jest, whose globalSetup creates the test database');
  const adminToken = opts.adminToken ?? `admin-${randomBytes(16).toString('hex')}`;
  const config: TestServiceConfig = {
    PORT: 0,
    HOST: '127.0.0.1',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ADMIN_TOKEN: adminToken,
    SHUTDOWN_GRACE_SECONDS: 5,
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_SIZE: 8,
    CREDENTIALS_KEY: randomBytes(32).toString('base64'),
  };
  const running = await bootService({
    name: opts.name,
    config,
    handleSignals: false,
    leanRoutes: opts.leanRoutes,
    modules: opts.modules,
    ...(opts.logger ? { logger: opts.logger } : {}),
  });
  return {
    url: `http://127.0.0.1:${running.port}`,
    adminToken,
    running,
    prisma: running.platform.db.prisma,
    stop: () => running.stop(),
  };
}

export interface HttpResponse {
  status: number;
  text: string;
  /** Parsed JSON object body; `{}` when the body is empty or not JSON (TwiML, 204). */
  body: Record<string, unknown>;
  headers: Headers;
}

/** One HTTP request as a client sends it: bearer token, JSON or form body, extra headers. */
export async function httpRequest(
  method: string,
  url: string,
  opts: { token?: string; json?: unknown; form?: Record<string, string>; headers?: Record<string, string>; rawBody?: string } = {},
): Promise<HttpResponse> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: string | undefined = opts.rawBody;
  if (opts.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.json);
  } else if (opts.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(opts.form).toString();
  }
  const res = await fetch(url, { method, headers, body });
  const text = await res.text();
  let parsed: Record<string, unknown> = {};
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === 'object') parsed = value as Record<string, unknown>;
  } catch {
    // not JSON (TwiML, empty 204)
  }
  return { status: res.status, text, body: parsed, headers: res.headers };
}

export interface ApiErrorBody {
  code: string;
  message: string;
  details?: Array<{ field: string; message: string }>;
}

/**
 * The `error` of an error response, after checking it has API.md's shape
 * (`{"error": {"code", "message", "details?"}}` and nothing else at the top level).
 */
export function apiError(res: HttpResponse): ApiErrorBody {
  const keys = Object.keys(res.body);
  const error = res.body.error as Partial<ApiErrorBody> | undefined;
  if (keys.length !== 1 || !error || typeof error.code !== 'string' || typeof error.message !== 'string' || error.message.length === 0) {
    throw new Error(`not an API error body (status ${res.status}): ${res.text}`);
  }
  return error as ApiErrorBody;
}

/** Field names listed in `error.details` of a validation failure. */
export const detailFields = (res: HttpResponse): string[] => (apiError(res).details ?? []).map((d) => d.field);

/** A short random suffix so names and emails never collide between tests running in parallel. */
export const uniqueSuffix = (): string => randomBytes(5).toString('hex');

/** Creates a tenant and one user through the operator API; returns the user's API key. */
export async function createTenantUser(baseUrl: string, adminToken: string, label = 'Tenant'): Promise<{ tenantId: string; userId: string; apiKey: string }> {
  const suffix = uniqueSuffix();
  const tenant = await httpRequest('POST', `${baseUrl}/admin/tenants`, { token: adminToken, json: { name: `${label} ${suffix}` } });
  if (tenant.status !== 201) throw new Error(`creating a tenant failed: ${tenant.status} ${tenant.text}`);
  const user = await httpRequest('POST', `${baseUrl}/admin/tenants/${tenant.body.id}/users`, { token: adminToken, json: { email: `user-${suffix}@example.com` } });
  if (user.status !== 201) throw new Error(`creating a user failed: ${user.status} ${user.text}`);
  return { tenantId: String(tenant.body.id), userId: String(user.body.id), apiKey: String(user.body.api_key) };
}

const US_AREA_CODES = ['212', '213', '305', '312', '404', '415', '503', '512', '617', '646', '702', '206', '303', '919'];
const issued = new Set<string>();

/** A valid, random US number in E.164. Phone numbers are unique across all tenants, so every test needs its own. */
export function uniquePhoneNumber(): string {
  for (;;) {
    const area = US_AREA_CODES[randomInt(US_AREA_CODES.length)]!;
    const exchange = String(randomInt(200, 1000));
    const line = String(randomInt(0, 10_000)).padStart(4, '0');
    const e164 = toE164(`+1${area}${exchange}${line}`);
    if (e164 && !issued.has(e164)) {
      issued.add(e164);
      return e164;
    }
  }
}

/** A Twilio-format call SID: `CA` + 32 hex characters. */
export const newCallSid = (): string => `CA${randomBytes(16).toString('hex')}`;

/** A debug-level logger whose every line is kept, for asserting what a service did (and did not) log. */
export function captureLogs(name = 'test'): { logger: Logger; text(): string } {
  const lines: string[] = [];
  const logger = createLogger({ name, level: 'debug', destination: { write: (line: string) => void lines.push(line) } });
  return { logger, text: () => lines.join('') };
}
