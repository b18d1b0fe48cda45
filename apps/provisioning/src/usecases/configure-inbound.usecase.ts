import type { ByokProviderName } from '@callplane/contracts';
import { ProviderError, type NumberImporter } from '@callplane/providers';
import { AppError, type Logger } from '@callplane/service-kit';
import type { ProvisioningDeps } from './deps';
import { describeError, rebuildPlan } from './number-plan';

export type ConfigureInboundOutcome = { configured: true } | { configured: false; manual_steps: string };

/**
 * `POST /voice/exotel/byok/configure-inbound/{phone_id}`: points an imported number's inbound routing at us again,
 * for carriers whose importer can (`configureInbound`: Exotel's VoiceUrl); safe to repeat. When the carrier refuses,
 * the number shows the manual steps. Null when the tenant has no such number by this id (the route answers 404).
 */
export async function configureInbound(deps: ProvisioningDeps, log: Logger, tenantId: string, phoneId: string): Promise<ConfigureInboundOutcome | null> {
  const p = await deps.prisma.phoneNumber.findFirst({ where: { id: phoneId, tenantId } });
  const importer = p?.byok ? (deps.importers[p.provider as ByokProviderName] as NumberImporter<unknown> | undefined) : undefined;
  if (!p || !importer?.configureInbound) return null;
  if (p.state !== 'active') {
    throw new AppError('number_not_active', `This number is ${p.state.replace('_', ' ')}: finish or delete the import first.`, { status: 409 });
  }
  const { plan, credentials, ctx } = rebuildPlan(deps, p);
  try {
    await importer.configureInbound(credentials, ctx);
  } catch (err) {
    if (!(err instanceof ProviderError)) throw err;
    log.warn({ phone_id: p.id, provider: p.provider, err: describeError(err) }, 'inbound configuration failed; manual steps shown');
    await deps.prisma.phoneNumber.update({ where: { id: p.id }, data: { inboundConfigured: false, inboundManualSteps: plan.inbound.manualSteps } });
    return { configured: false, manual_steps: plan.inbound.manualSteps };
  }
  await deps.prisma.phoneNumber.update({ where: { id: p.id }, data: { inboundConfigured: true, inboundManualSteps: null } });
  return { configured: true };
}
