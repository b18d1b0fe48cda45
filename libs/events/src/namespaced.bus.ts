import type { BatchSubscription, EventBus } from './event-bus';

/**
 * Prefixes every topic and consumer group with `<namespace>.`, so several Callplane environments
 * (staging and production, or parallel test runs) can share one Kafka cluster without reading each
 * other's events or joining each other's groups. Business code keeps using the plain names.
 */
export function namespacedBus(bus: EventBus, namespace: string): EventBus {
  const prefix = `${namespace}.`;
  const ns = (name: string) => `${prefix}${name}`;
  const batch = bus.subscribeBatch?.bind(bus);
  const lag = bus.consumerLag?.bind(bus);
  return {
    publish: (topic, events) => bus.publish(ns(topic), events),
    subscribe: (sub) => bus.subscribe({ ...sub, group: ns(sub.group), topics: sub.topics.map(ns), ...(sub.lagLabel ? { lagLabel: ns(sub.lagLabel) } : {}) }),
    ...(batch
      ? { subscribeBatch: (sub: BatchSubscription) => batch({ ...sub, group: ns(sub.group), topics: sub.topics.map(ns), ...(sub.lagLabel ? { lagLabel: ns(sub.lagLabel) } : {}) }) }
      : {}),
    // Only this environment's groups, under the plain names: dashboards read the same series in every environment.
    ...(lag
      ? {
          consumerLag: async () =>
            (await lag())
              .filter((l) => l.group.startsWith(prefix) && l.topic.startsWith(prefix))
              .map((l) => ({ ...l, group: l.group.slice(prefix.length), topic: l.topic.slice(prefix.length) })),
        }
      : {}),
    ping: () => bus.ping(),
    close: () => bus.close(),
  };
}
