export type { EventBus, EventHandler, Subscription } from './event-bus';
export { KafkaEventBus, type KafkaEventBusOptions } from './kafka.driver';
export { InProcessEventBus, type InProcessEventBusOptions } from './in-process.driver';
export { enqueueEvent, type EnqueueEventInput } from './outbox.writer';
export { OutboxRelay, type OutboxRelayOptions, type RelayBatchResult } from './outbox.relay';
export { subscribeDeduped, type DedupedSubscription } from './dedupe.consumer';
export { decodeEnvelope, encodeEnvelope, type DecodeResult } from './envelope-codec';
export { backoffDelay, type BackoffOptions } from './backoff';
export { namespacedBus } from './namespaced.bus';
