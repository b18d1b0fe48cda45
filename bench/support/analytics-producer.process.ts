/**
 * Publishes call events for the analytics bench from its own process (its own event loop and CPU), with a
 * plain kafkajs producer. Each event's `occurred_at` is stamped when it is sent, so the consumer side can
 * measure publish → committed-in-PostgreSQL lag. Whole calls (`callStream`, 11 events each) are sent
 * in call order per session; sessions are interleaved, as many concurrent calls are.
 */
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { TOPICS, type EventEnvelope } from '@callplane/contracts';
import { encodeEnvelope } from '@callplane/events';
import { callStream } from '../../apps/analytics/src/testing/call-stream';

export interface ProducerJob {
  brokers: string[];
  namespace: string;
  tenantId: string;
  /** Session ids to publish, in order; each is one call. */
  sessions: string[];
  /** Events per second, or 0 for as fast as the producer goes. */
  rate: number;
}

const topicOf = (e: EventEnvelope) => (e.type === 'call.transcript' ? TOPICS.callTranscript : e.type === 'call.usage' ? TOPICS.callUsage : TOPICS.callLifecycle);

export interface ProducerResult {
  sent: number;
  seconds: number;
  /** CPU time this process spent (user + system) while sending, in ms. */
  cpuMs: number;
  /** Epoch ms of the first send (after the process started and connected): where a run's clock starts. */
  startedAt: number;
}

async function run(job: ProducerJob): Promise<ProducerResult> {
  const kafka = new Kafka({ clientId: 'analytics-bench-producer', brokers: job.brokers, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  // Interleave: the i-th event of every call in a group of 100 concurrent calls, then the next event.
  const streams = job.sessions.map((sessionId) => callStream({ tenantId: job.tenantId, sessionId }));
  const order: EventEnvelope[] = [];
  for (let g = 0; g < streams.length; g += 100) {
    const group = streams.slice(g, g + 100);
    const longest = Math.max(...group.map((s) => s.length));
    for (let i = 0; i < longest; i++) for (const s of group) if (s[i]) order.push(s[i]!);
  }
  const chunk = 250;
  const lastStamp = new Map<string, number>();
  const started = Date.now();
  const cpuAtStart = process.cpuUsage();
  let sent = 0;
  while (sent < order.length) {
    if (job.rate > 0) {
      const due = started + (sent / job.rate) * 1000;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    const slice = order.slice(sent, sent + (job.rate > 0 ? Math.max(1, Math.ceil(job.rate / 100)) : chunk));
    const now = Date.now();
    const byTopic = new Map<string, EventEnvelope[]>();
    for (const e of slice) {
      // Strictly increasing per call: two events of one call never share a timestamp (a tie between two terminal events would be decided by id).
      const at = Math.max(now, (lastStamp.get(e.key) ?? 0) + 1);
      lastStamp.set(e.key, at);
      byTopic.set(topicOf(e), [...(byTopic.get(topicOf(e)) ?? []), { ...e, occurred_at: new Date(at).toISOString() }]);
    }
    await producer.sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, events]) => ({ topic: `${job.namespace}.${topic}`, messages: events.map((e) => ({ key: e.key, value: encodeEnvelope(e) })) })),
    });
    sent += slice.length;
  }
  const seconds = (Date.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuAtStart);
  await producer.disconnect();
  return { sent, seconds, cpuMs: (cpu.user + cpu.system) / 1000, startedAt: started };
}

process.once('message', (job: ProducerJob) => {
  run(job).then(
    (result) => process.send!({ result }, () => process.exit(0)),
    (err: unknown) => process.send!({ error: err instanceof Error ? err.stack : String(err) }, () => process.exit(1)),
  );
});
