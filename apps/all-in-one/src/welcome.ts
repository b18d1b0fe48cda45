import { livekitSettings } from '@callplane/config';
import type { AllInOneConfig } from './config';
import { studioBuilt } from './studio-site';
import { SANDBOX_NUMBERS } from '@callplane/contracts';
import type { SandboxFromNumber, SeedResult } from './seed';

export function welcomeText(config: AllInOneConfig, seeded: SeedResult | null, sandbox: SandboxFromNumber | null = null): string {
  const base = config.PUBLIC_BASE_URL;
  const lines = [
    '',
    `Callplane all-in-one is running on ${base}`,
    studioBuilt(config.studioDir) ? `  dashboard:       ${base}/   (sign in with the API key)` : '  dashboard:       not built: npm run build:studio, then restart',
    `  data:            ${config.dataDir} (embedded PostgreSQL${config.DATABASE_URL ? ' replaced by DATABASE_URL' : ''})`,
    `  bus:             ${config.KAFKA_BROKERS ? `Kafka ${config.KAFKA_BROKERS.join(',')}` : 'in-process'}`,
    // The operator token is printed on the first start only; afterwards stdout may well be collected logs.
    seeded?.apiKey ? `  operator token:  ${config.ADMIN_TOKEN}   (kept in ${config.dataDir}/secrets.json)` : `  operator token:  in ${config.dataDir}/secrets.json`,
    `  API reference:   ${base}/docs   (OpenAPI: ${base}/openapi.json)`,
  ];
  // The voice agent runs the sandbox media plane exactly when LiveKit is not configured.
  if (sandbox && !livekitSettings(config)) lines.push(`  sandbox calls:   from ${sandbox.number} to ${SANDBOX_NUMBERS.answers} (answers and talks): try npm run demo`);
  if (seeded?.apiKey) {
    lines.push(
      `  default tenant:  ${seeded.tenantId}`,
      `  API key:         ${seeded.apiKey}   (shown once: save it now)`,
      '',
      'Try it:',
      `  curl -s -X POST ${base}/voice/agents \\`,
      `    -H "Authorization: Bearer ${seeded.apiKey}" -H "Content-Type: application/json" \\`,
      `    -d '{"name":"Acme support","system_prompt":"You are a friendly support agent.","voice":{"greeting":"Hi, thanks for calling Acme. How can I help you today?","tts":{"provider":"cartesia","model":"sonic-2","voice":"maya"},"stt":{"provider":"deepgram","model":"nova-2","language":"en"},"max_duration":600}}'`,
    );
  } else {
    lines.push('', `Issue an API key: npm run cli -- users create --tenant <tenant_id> --email you@example.com   (or POST ${base}/admin/tenants/<tenant_id>/users with the operator token)`);
  }
  return `${lines.join('\n')}\n\n`;
}
