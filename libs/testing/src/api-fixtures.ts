import { expect } from '@jest/globals';
import { apiError, createTenantUser, httpRequest, uniquePhoneNumber, uniqueSuffix, type HttpResponse, type TestService } from './service-harness';

/** A complete, valid `POST /voice/agents` body (API.md's example), with a unique name. */
export function agentRequestBody(name = `Acme support ${uniqueSuffix()}`) {
  return {
    name,
    system_prompt: 'You are a friendly support agent for Acme.',
    voice: {
      greeting: 'Hi, thanks for calling Acme. How can I help you today?',
      tts: { provider: 'cartesia', model: 'sonic-2', voice: 'maya' },
      stt: { provider: 'deepgram', model: 'nova-2', language: 'en' },
      max_duration: 600,
      recording: true,
      transcription: true,
    },
    after_hours: {
      timezone: 'Asia/Kolkata',
      open: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '18:00' }],
      message: "We're closed. Please call back during business hours.",
    },
    status_webhook_url: null as string | null,
  };
}

/** A copy of `body` with the value at a dotted path (`voice.tts.provider`, `after_hours.open.0.start`) replaced, or removed when `value` is undefined. */
export function withField(body: object, path: string, value: unknown): Record<string, unknown> {
  const copy = structuredClone(body) as Record<string, unknown>;
  const keys = path.split('.');
  let node = copy;
  for (const k of keys.slice(0, -1)) node = node[k] as Record<string, unknown>;
  const last = keys[keys.length - 1]!;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy;
}

/** Asserts an error response: this status, this code, and API.md's error shape. */
export function expectApiError(res: HttpResponse, status: number, code: string): void {
  expect({ status: res.status, code: apiError(res).code }).toEqual({ status, code });
}

/**
 * Customer-API calls against a booted service, for specs: `service` is read on each call, so the client can
 * be built while the describe block is collected and the service booted later in `beforeAll`.
 */
export function apiClient(service: () => TestService) {
  const call = (method: string, path: string, opts: Parameters<typeof httpRequest>[2] = {}) => httpRequest(method, `${service().url}${path}`, opts);
  return {
    call,
    newTenant: (label = 'Tenant') => createTenantUser(service().url, service().adminToken, label),
    countAgents: (tenantId: string) => service().prisma.agent.count({ where: { tenantId } }),
    countNumbers: (tenantId: string) => service().prisma.phoneNumber.count({ where: { tenantId } }),
    /** Creates an agent and expects 201. */
    async createAgent(apiKey: string, body: unknown = agentRequestBody()) {
      const res = await call('POST', '/voice/agents', { token: apiKey, json: body });
      expect(res.status).toBe(201);
      return res.body as { id: string; name: string } & Record<string, unknown>;
    },
    /** Adds a bring-your-own number (a fresh one unless given) and expects 201. */
    async addNumber(apiKey: string, body: Record<string, unknown> = { number: uniquePhoneNumber() }) {
      const res = await call('POST', '/voice/phone-numbers', { token: apiKey, json: body });
      expect(res.status).toBe(201);
      return res.body as { id: string; number: string } & Record<string, unknown>;
    },
  };
}
