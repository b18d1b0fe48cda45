import type { CreateOutboundInput, SipAuth, SipTransportName } from '@callplane/livekit';
import type { ImportContext, ImportStep, StepOutputs } from './import-plan';

/** Metadata the dispatch rule hands the voice agent for every call on the number. */
export function dispatchMetadata(ctx: ImportContext): Record<string, string> {
  return { phone_id: ctx.phoneId, tenant_id: ctx.tenantId, number: ctx.number };
}

/**
 * LiveKit inbound trunk for the number plus a dispatch rule that puts each call in its own room with the
 * `voice-agent` dispatched. `auth`: the SIP credentials the carrier (or our TwiML) presents.
 */
export function livekitInboundStep(ctx: ImportContext, opts: { auth?: SipAuth; allowedAddresses?: string[] } = {}): ImportStep {
  return {
    name: 'livekit.inbound',
    async run() {
      const ids = await ctx.livekit.createInbound({
        number: ctx.number,
        name: `${ctx.label} inbound`,
        metadata: dispatchMetadata(ctx),
        ...(opts.auth ? { auth: opts.auth } : {}),
        ...(opts.allowedAddresses ? { allowedAddresses: opts.allowedAddresses } : {}),
      });
      return { trunk_id: ids.trunkId, dispatch_rule_id: ids.dispatchRuleId };
    },
    async undo(output) {
      await ctx.livekit.remove({ dispatchRuleId: output.dispatch_rule_id, inboundTrunkId: output.trunk_id });
    },
  };
}

/** LiveKit outbound trunk to the carrier; `target` reads the carrier trunk's address from earlier steps. */
export function livekitOutboundStep(
  ctx: ImportContext,
  target: (outputs: StepOutputs) => { address: string; auth?: SipAuth; transport?: SipTransportName },
): ImportStep {
  return {
    name: 'livekit.outbound',
    async run(outputs) {
      const t = target(outputs);
      const input: CreateOutboundInput = { number: ctx.number, name: `${ctx.label} outbound`, address: t.address, ...(t.auth ? { auth: t.auth } : {}), ...(t.transport ? { transport: t.transport } : {}) };
      const { trunkId } = await ctx.livekit.createOutbound(input);
      return { trunk_id: trunkId };
    },
    async undo(output) {
      await ctx.livekit.remove({ outboundTrunkId: output.trunk_id });
    },
  };
}
