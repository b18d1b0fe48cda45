import type { CallLifecycleData, EventEnvelope } from '@callplane/contracts';
import type { DbTx } from '@callplane/db';
import type { DialerDeps } from './deps';

/** Runs for every `call.lifecycle` event of an outbound call, in the consumer's deduplicated transaction. */
export async function recordCallProgress(_deps: DialerDeps, _event: EventEnvelope<CallLifecycleData>, _tx: DbTx): Promise<void> {}
