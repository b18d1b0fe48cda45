import type { ComposeFile } from './compose-checks';
import { APPS } from './contract';

export interface LiveKitConfig {
  keys?: Record<string, string>;
  redis?: { address?: string };
  webhook?: { api_key?: string; urls?: string[] };
}
export interface SipConfig {
  api_key?: string;
  api_secret?: string;
  redis?: { address?: string };
}

/** KEY=value lines of an env file; commented lines are documentation, not values. */
export function parseEnvFile(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split(/\r?\n/)
      .map((l) => /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(l.trim()))
      .flatMap((m) => (m ? [[m[1], m[2]] as [string, string]] : [])),
  );
}

/** `${NAME:-default}` in a compose value → default. */
const composeDefault = (value: unknown, name: string): string | undefined =>
  new RegExp(`\\$\\{${name}:-([^}]*)\\}`).exec(String(value ?? ''))?.[1];

/**
 * LiveKit posts room/SIP events to the gateway's /livekit/webhook, signing with a key the stack shares;
 * both LiveKit parts use the stack's Redis, and no secret sits in the committed files.
 */
export function liveKitProblems(lk: LiveKitConfig, sip: SipConfig, compose: ComposeFile, envExample: Record<string, string>): string[] {
  const problems: string[] = [];
  const gateway = APPS.find((a) => a.name === 'telephony-gateway');
  const expected = `http://telephony-gateway:${gateway?.port}/livekit/webhook`;
  const urls = lk.webhook?.urls ?? [];
  if (!urls.includes(expected)) problems.push(`livekit.yaml: webhook urls ${JSON.stringify(urls)} lack ${expected}`);
  for (const u of urls) {
    const host = new URL(u).hostname;
    const port = new URL(u).port;
    const target = compose.services[host];
    if (!target) problems.push(`livekit.yaml: webhook host ${host} is not a compose service`);
    else if (String(target.environment?.PORT) !== port) problems.push(`livekit.yaml: webhook port ${port} is not ${host}'s PORT`);
  }
  const keyName = lk.webhook?.api_key;
  const composeKey = composeDefault(compose.services['telephony-gateway']?.environment?.LIVEKIT_API_KEY, 'LIVEKIT_API_KEY');
  if (!keyName) problems.push('livekit.yaml: webhook.api_key missing (LiveKit signs webhooks with it)');
  if (keyName !== composeKey) problems.push(`livekit.yaml: webhook.api_key ${keyName} != the stack's default LIVEKIT_API_KEY ${composeKey}`);
  if (keyName !== envExample.LIVEKIT_API_KEY) problems.push(`livekit.yaml: webhook.api_key ${keyName} != .env.example LIVEKIT_API_KEY ${envExample.LIVEKIT_API_KEY}`);
  if (lk.keys) problems.push('livekit.yaml: API secrets belong in LIVEKIT_KEYS from .env, not in the file');
  if (sip.api_secret || sip.api_key) problems.push('sip.yaml: API key/secret belong in the environment, not in the file');
  for (const [file, addr] of [['livekit.yaml', lk.redis?.address], ['sip.yaml', sip.redis?.address]] as const) {
    const host = addr?.split(':')[0] ?? '';
    if (!compose.services[host]) problems.push(`${file}: redis address ${addr} is not a compose service`);
  }
  return problems;
}
