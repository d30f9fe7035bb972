// The test's own view of the broker (raw kafkajs): consumer-group progress, a topic read with a
// throwaway group, and a producer for bytes the apps would never write.
import { randomUUID } from 'node:crypto';
import { AssignerProtocol, Kafka, Partitioners, logLevel, type Admin, type Consumer, type KafkaConfig, type Producer } from 'kafkajs';
import { eventually } from './e2e-http';

export interface RawRecord {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string;
}

export class KafkaProbe {
  private readonly kafka: Kafka;
  private admin?: Admin;
  private producer?: Producer;
  private readonly consumers: Consumer[] = [];

  /** `security`: TLS and SASL settings for a secured broker (the probe then acts as that principal). */
  constructor(brokers: string[], security: Pick<KafkaConfig, 'ssl' | 'sasl'> = {}) {
    this.kafka = new Kafka({ brokers, clientId: `e2e-probe-${randomUUID().slice(0, 8)}`, logLevel: logLevel.NOTHING, ...security });
  }

  private async connectedAdmin(): Promise<Admin> {
    if (!this.admin) {
      const admin = this.kafka.admin();
      await admin.connect();
      this.admin = admin;
    }
    return this.admin;
  }

  /** The same partitioner as the apps' producer, so one key lands on the partition the apps would use. */
  async produce(topic: string, messages: { key: string; value: string | Buffer }[]): Promise<{ partition: number; offset: string }[]> {
    if (!this.producer) {
      const producer = this.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
      await producer.connect();
      this.producer = producer;
    }
    const out: { partition: number; offset: string }[] = [];
    // One send per message, so each one's offset is known (baseOffset of a one-message batch).
    for (const m of messages) {
      const [meta] = await this.producer.send({ topic, acks: -1, messages: [m] });
      out.push({ partition: meta.partition, offset: meta.baseOffset ?? meta.offset ?? '' });
    }
    return out;
  }

  /** Reads topics from the beginning with a fresh group; the returned array fills as records arrive. */
  async read(topics: string[]): Promise<RawRecord[]> {
    const seen: RawRecord[] = [];
    const consumer = this.kafka.consumer({ groupId: `e2e-reader-${randomUUID()}`, sessionTimeout: 10_000, heartbeatInterval: 500, maxWaitTimeInMs: 300 });
    this.consumers.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        seen.push({ topic, partition, offset: message.offset, key: message.key?.toString('utf8') ?? null, value: message.value?.toString('utf8') ?? '' });
      },
    });
    return seen;
  }

  /** Members of a consumer group and the partitions each holds. */
  async groupMembers(groupId: string): Promise<{ clientId: string; memberId: string; partitions: number }[]> {
    const admin = await this.connectedAdmin();
    const { groups } = await admin.describeGroups([groupId]);
    const group = groups[0];
    if (!group || group.state !== 'Stable') return [];
    return group.members.map((m) => ({ clientId: m.clientId, memberId: m.memberId, partitions: assignedPartitionCount(m.memberAssignment) }));
  }

  /**
   * Waits until `groupId` has committed, on every partition of `topics`, at least the end offsets
   * the topics have now: everything published before this call has then been handled by the group
   * (the apps commit an offset only after its message was handled or dead-lettered).
   */
  async waitForGroupToCatchUp(groupId: string, topics: string[], timeoutMs = 30_000): Promise<void> {
    const admin = await this.connectedAdmin();
    const targets = new Map<string, bigint>();
    for (const topic of topics) {
      for (const p of await admin.fetchTopicOffsets(topic)) targets.set(`${topic}/${p.partition}`, BigInt(p.high));
    }
    await eventually(`consumer group ${groupId} to catch up on ${topics.join(', ')}`, async () => {
      const committed = new Map<string, bigint>();
      for (const t of await admin.fetchOffsets({ groupId, topics })) {
        for (const p of t.partitions) committed.set(`${t.topic}/${p.partition}`, BigInt(p.offset));
      }
      const behind = [...targets].filter(([k, high]) => high > 0n && (committed.get(k) ?? -1n) < high);
      if (behind.length === 0) return true;
      throw new Error(`behind on ${behind.map(([k, high]) => `${k} (committed ${committed.get(k) ?? 'none'} < end ${high})`).join(', ')}`);
    }, { timeoutMs, intervalMs: 250 });
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.consumers.splice(0).map((c) => c.disconnect()));
    await this.producer?.disconnect().catch(() => undefined);
    await this.admin?.disconnect().catch(() => undefined);
  }
}

function assignedPartitionCount(assignment: Buffer): number {
  const decoded = AssignerProtocol.MemberAssignment.decode(assignment);
  return decoded ? Object.values(decoded.assignment).reduce((n, partitions) => n + partitions.length, 0) : 0;
}
