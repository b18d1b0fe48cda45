import type { BatchSubscription, EventBus } from './event-bus';

/**
 * Prefixes every topic and consumer group with `<namespace>.`, so several Callplane environments
 * (staging and production, or parallel test runs) can share one Kafka cluster without reading each
 * other's events or joining each other's groups. Business code keeps using the plain names.
 */
export function namespacedBus(bus: EventBus, namespace: string): EventBus {
  const ns = (name: string) => `${namespace}.${name}`;
  const batch = bus.subscribeBatch?.bind(bus);
  return {
    publish: (topic, events) => bus.publish(ns(topic), events),
    subscribe: (sub) => bus.subscribe({ ...sub, group: ns(sub.group), topics: sub.topics.map(ns) }),
    ...(batch ? { subscribeBatch: (sub: BatchSubscription) => batch({ ...sub, group: ns(sub.group), topics: sub.topics.map(ns) }) } : {}),
    ping: () => bus.ping(),
    close: () => bus.close(),
  };
}
