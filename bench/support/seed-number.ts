import { bootService, type BaseServiceConfig, type SecretBox } from '@callplane/service-kit';
import { createProvisioningModule } from '../../apps/provisioning/src/app';

export interface SeededAgent {
  tenantId: string;
  apiKey: string;
  agentId: string;
}

export interface SeededNumber {
  phoneId: string;
  signingSecret: string;
}

/** A JSON call to the provisioning API with a bearer token; throws on anything but 2xx. */
export type ProvisioningCall = (method: string, path: string, token: string, json: unknown) => Promise<Record<string, unknown>>;

/**
 * Tenant → user → agent through the provisioning API (so the rows are exactly what production writes), then `more`
 * with the same API. Provisioning is stopped before the measured phase: its outbox relay would otherwise share the
 * measured service's work.
 */
export async function seedAgent<T extends object = object>(
  config: BaseServiceConfig,
  secrets: SecretBox,
  publicBaseUrl: string,
  more?: (call: ProvisioningCall, seeded: SeededAgent) => Promise<T>,
): Promise<SeededAgent & T> {
  const provisioning = await bootService({
    name: 'provisioning',
    config,
    handleSignals: false,
    modules: ({ platform, routerDeps }) => [createProvisioningModule({ platform, routerDeps, secrets, publicBaseUrl })],
  });
  try {
    const base = `http://127.0.0.1:${provisioning.port}`;
    const call: ProvisioningCall = async (method, path, token, json) => {
      const res = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(json) });
      const body = (await res.json()) as Record<string, unknown>;
      if (!res.ok) throw new Error(`seeding: ${method} ${path} answered ${res.status}: ${JSON.stringify(body)}`);
      return body;
    };
    const tenant = await call('POST', '/admin/tenants', config.ADMIN_TOKEN, { name: 'Bench tenant' });
    const user = await call('POST', `/admin/tenants/${tenant.id}/users`, config.ADMIN_TOKEN, { email: 'bench@example.com' });
    const apiKey = user.api_key as string;
    const agent = await call('POST', '/voice/agents', apiKey, {
      name: 'Bench agent',
      system_prompt: 'You answer benchmark calls.',
      voice: {
        greeting: 'Hello, this is the benchmark.',
        tts: { provider: 'cartesia', model: 'sonic-2', voice: 'maya' },
        stt: { provider: 'deepgram', model: 'nova-2', language: 'en' },
        max_duration: 600,
        recording: false,
        transcription: false,
      },
    });
    const seeded = { tenantId: tenant.id as string, apiKey, agentId: agent.id as string };
    return { ...seeded, ...((await more?.(call, seeded)) ?? ({} as T)) };
  } finally {
    await provisioning.stop();
  }
}

/** An agent answering on a signed bring-your-own number, assigned and enabled (the webhook bench's caller target). */
export async function seedNumber(config: BaseServiceConfig, secrets: SecretBox, publicBaseUrl: string): Promise<SeededNumber> {
  return seedAgent(config, secrets, publicBaseUrl, async (call, { apiKey, agentId }) => {
    const signingSecret = 'bench-twilio-auth-token-0123456789';
    const number = await call('POST', '/voice/phone-numbers', apiKey, { number: '+1 (415) 555-0142', signing_secret: signingSecret });
    await call('PUT', `/voice/agents/${agentId}/phone`, apiKey, { phone_id: number.id, enabled: true });
    return { phoneId: number.id as string, signingSecret };
  });
}
