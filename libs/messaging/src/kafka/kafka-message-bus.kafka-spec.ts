// tsconfig.build.json excludes *.spec/int-spec/e2e-spec but not *.kafka-spec: without this the build lacks jest types.
/// <reference types="jest" />
import { Kafka, Partitioners, logLevel, type Consumer, type Producer } from 'kafkajs';
import { deadLetterTopic } from '@rx/contracts';
import { silentLogger } from '../logger';
import type { DeadLetter, IncomingMessage } from '../message-bus.port';
import { cloudEvent, eventually, message, uniqueName } from '../testing/fixtures';
import { KafkaMessageBus, type KafkaMessageBusOptions } from './kafka-message-bus';

jest.setTimeout(90_000);

const brokers = (process.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean);
if (brokers.length === 0) throw new Error('KAFKA_BROKERS is not set: run this suite through `npm run test:kafka` (its global setup provides a broker)');

// Raw kafkajs, only to look at what the adapter wrote and to write what it never would (bad bytes).
const raw = new Kafka({ brokers, clientId: 'kafka-spec', logLevel: logLevel.NOTHING });
const cleanups: Array<() => Promise<unknown>> = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

async function startBus(options: Partial<KafkaMessageBusOptions> = {}): Promise<KafkaMessageBus> {
  const bus = new KafkaMessageBus({ brokers, clientId: uniqueName('spec'), sessionTimeout: 10_000, heartbeatInterval: 500, logger: silentLogger, ...options });
  cleanups.push(() => bus.stop());
  await bus.start();
  return bus;
}

async function rawProducer(): Promise<Producer> {
  const producer = raw.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  cleanups.push(() => producer.disconnect());
  return producer;
}

/** Reads a topic from the beginning with a throwaway group. */
async function rawRead(topic: string): Promise<Array<{ key: string | null; value: string; headers: Record<string, string> }>> {
  const seen: Array<{ key: string | null; value: string; headers: Record<string, string> }> = [];
  const consumer: Consumer = raw.consumer({ groupId: uniqueName('raw'), sessionTimeout: 10_000, heartbeatInterval: 500, maxWaitTimeInMs: 500 });
  cleanups.push(() => consumer.disconnect());
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message: m }) => {
      const headers = Object.fromEntries(Object.entries(m.headers ?? {}).map(([k, v]) => [k, String(v)]));
      seen.push({ key: m.key?.toString() ?? null, value: m.value?.toString() ?? '', headers });
    },
  });
  return seen;
}

const n = (m: IncomingMessage) => (m.event.data as { n: number }).n;

describe('KafkaMessageBus (real broker)', () => {
  it('creates the configured topics and their dead-letter topics with the partitions asked for, idempotently', async () => {
    const topic = uniqueName('rx.spec.topics');
    const bus = await startBus({ topics: [topic], partitions: 4 });
    const again = await startBus({ topics: [topic], partitions: 4 });
    const admin = raw.admin();
    cleanups.push(() => admin.disconnect());
    await admin.connect();
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic, deadLetterTopic(topic)] });
    expect(topics.map((t) => [t.name, t.partitions.length]).sort()).toEqual([
      [topic, 4],
      [deadLetterTopic(topic), 4],
    ].sort());
    expect(await bus.ping()).toMatchObject({ ok: true });
    expect(await again.ping()).toMatchObject({ ok: true });
    const unreachable = new KafkaMessageBus({ brokers: ['127.0.0.1:1'], logger: silentLogger, logLevel: 'silent', pingTimeoutMs: 1_000 });
    expect(await unreachable.ping()).toMatchObject({ ok: false });
  });

  it('round-trips an envelope with its key and ce_ headers', async () => {
    const topic = uniqueName('rx.spec.roundtrip');
    const bus = await startBus({ topics: [topic] });
    const received: IncomingMessage[] = [];
    await bus.consume({ groupId: uniqueName('g'), topics: [topic], handler: async (m) => void received.push(m) });
    const sent = message('RX-42', { n: 1, drug: 'aspirin' });
    await bus.publish(topic, [sent]);
    await eventually(() => received.length === 1, 'the message', 30_000);
    expect(received[0]).toMatchObject({ topic, key: 'RX-42', attempt: 1, event: sent.value });
    expect(received[0].partition).toBeGreaterThanOrEqual(0);
    const onWire = await rawRead(topic);
    await eventually(() => onWire.length === 1, 'the raw read', 30_000);
    expect(onWire[0].headers).toEqual({ ce_type: sent.value.type, ce_id: sent.value.id });
    expect(JSON.parse(onWire[0].value)).toEqual(sent.value);
  });

  it('keeps per-key order across many messages and partitions', async () => {
    const topic = uniqueName('rx.spec.order');
    const bus = await startBus({ topics: [topic] });
    const received: IncomingMessage[] = [];
    await bus.consume({ groupId: uniqueName('g'), topics: [topic], handler: async (m) => void received.push(m) });
    const keys = Array.from({ length: 12 }, (_, i) => `RX-${i}`);
    for (let batch = 0; batch < 10; batch++) {
      await bus.publish(topic, Array.from({ length: 30 }, (_, i) => message(keys[(batch * 30 + i) % keys.length], { n: batch * 30 + i })));
    }
    await eventually(() => received.length === 300, 'all 300 messages', 60_000);
    for (const key of keys) {
      const ofKey = received.filter((m) => m.key === key);
      expect(ofKey.map(n)).toEqual([...ofKey.map(n)].sort((a, b) => a - b));
      expect(new Set(ofKey.map((m) => m.partition)).size).toBe(1);
    }
    expect(new Set(received.map((m) => m.partition)).size).toBeGreaterThan(1);
  });

  it('dead-letters a non-JSON message and an invalid envelope with the reason, and keeps the partition moving', async () => {
    const topic = uniqueName('rx.spec.dlq');
    const bus = await startBus({ topics: [topic], partitions: 1 });
    const received: IncomingMessage[] = [];
    const groupId = uniqueName('g');
    await bus.consume({
      groupId,
      topics: [topic],
      handler: async (m) => void received.push(m),
      validate: (e) => (e.type.startsWith('rx.') ? undefined : `unknown type ${e.type}`),
    });
    const producer = await rawProducer();
    const invalid = JSON.stringify({ ...cloudEvent(), time: 'yesterday' });
    await producer.send({ topic, messages: [{ key: 'RX-1', value: 'not json {' }, { key: 'RX-1', value: invalid }] });
    await bus.publish(topic, [message('RX-1', { n: 1 }, { type: 'other.Thing.v1' }), message('RX-1', { n: 2 })]);
    await eventually(() => received.length === 1, 'the valid message after the bad ones', 30_000);
    expect(received.map(n)).toEqual([2]);

    const dlq = await rawRead(deadLetterTopic(topic));
    await eventually(() => dlq.length === 3, 'three dead letters', 30_000);
    const letters = dlq.map((d) => JSON.parse(d.value) as DeadLetter);
    expect(letters.map((d) => d.offset)).toEqual(['0', '1', '2']);
    expect(letters[0]).toMatchObject({ topic, partition: 0, key: 'RX-1', groupId, payload: 'not json {' });
    expect(letters[0].reason).toMatch(/^invalid envelope: not JSON/);
    expect(letters[1].reason).toBe('invalid envelope: time must be an RFC 3339 timestamp');
    expect(letters[1].payload).toBe(invalid);
    expect(letters[2].reason).toBe('invalid event: unknown type other.Thing.v1');
    expect(Number.isNaN(Date.parse(letters[2].failedAt))).toBe(false);
  });

  it('hands every dead letter (an unreadable record too) to a dead-letter consumer of <topic>.dlq, and counts its own', async () => {
    const topic = uniqueName('rx.spec.dlqread');
    const bus = await startBus({ topics: [topic], partitions: 1 });
    const read: DeadLetter[] = [];
    await bus.consumeDeadLetters({ groupId: uniqueName('auditor'), topics: [topic], handler: async (d) => void read.push(d) });
    await bus.consume({ groupId: uniqueName('g'), topics: [topic], validate: () => 'nope', handler: async () => undefined });
    await bus.publish(topic, [message('RX-1', { n: 1 })]);
    const producer = await rawProducer();
    await producer.send({ topic: deadLetterTopic(topic), messages: [{ key: 'RX-2', value: 'garbage' }] });
    await eventually(() => read.length === 2, 'two dead letters read back', 30_000);
    const [own, garbage] = [read.find((d) => d.key === 'RX-1')!, read.find((d) => d.key === 'RX-2')!];
    expect(own).toMatchObject({ topic, key: 'RX-1', reason: 'invalid event: nope' });
    expect(garbage).toMatchObject({ topic, key: 'RX-2', reason: 'unreadable dead-letter record', payload: 'garbage' });
    expect(bus.deadLetterSummary()).toMatchObject({ count: 1, last: { topic, key: 'RX-1' } });
  });

  it('retries a handler that fails twice and delivers the message once', async () => {
    const topic = uniqueName('rx.spec.retry');
    const bus = await startBus({ topics: [topic] });
    const attempts: number[] = [];
    const done: IncomingMessage[] = [];
    await bus.consume({
      groupId: uniqueName('g'),
      topics: [topic],
      initialBackoffMs: 50,
      handler: async (m) => {
        attempts.push(m.attempt);
        if (m.attempt <= 2) throw new Error('transient');
        done.push(m);
      },
    });
    await bus.publish(topic, [message('RX-1', { n: 1 })]);
    await eventually(() => done.length === 1, 'the successful attempt', 30_000);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(attempts).toEqual([1, 2, 3]);
    expect(done).toHaveLength(1);
    const dlq = await rawRead(deadLetterTopic(topic));
    await new Promise((r) => setTimeout(r, 3_000));
    expect(dlq).toEqual([]);
  });

  it('dead-letters after maxAttempts when the handler keeps failing', async () => {
    const topic = uniqueName('rx.spec.exhaust');
    const bus = await startBus({ topics: [topic] });
    const handled: IncomingMessage[] = [];
    await bus.consume({
      groupId: uniqueName('g'),
      topics: [topic],
      maxAttempts: 3,
      initialBackoffMs: 20,
      handler: async (m) => {
        if (n(m) === 1) throw new Error('poison');
        handled.push(m);
      },
    });
    await bus.publish(topic, [message('RX-1', { n: 1 }), message('RX-1', { n: 2 })]);
    await eventually(() => handled.length === 1, 'the message after the poison one', 30_000);
    const dlq = await rawRead(deadLetterTopic(topic));
    await eventually(() => dlq.length === 1, 'the dead letter', 30_000);
    expect((JSON.parse(dlq[0].value) as DeadLetter).reason).toBe('handler failed after 3 attempt(s): poison');
  });

  it('commits only what was handled: a new consumer in the group resumes without losing a message', async () => {
    const topic = uniqueName('rx.spec.commit');
    const groupId = uniqueName('g');
    const bus = await startBus({ topics: [topic] });
    await bus.publish(topic, Array.from({ length: 40 }, (_, i) => message(`RX-${i % 5}`, { n: i })));
    const first: number[] = [];
    const handle = await bus.consume({
      groupId,
      topics: [topic],
      handler: async (m) => {
        await new Promise((r) => setTimeout(r, 25));
        first.push(n(m));
      },
    });
    await eventually(() => first.length >= 10, 'the first consumer to get going', 30_000);
    await handle.stop();
    const handledBeforeStop = first.length;
    expect(handledBeforeStop).toBeLessThan(40);

    const other = await startBus();
    const second: number[] = [];
    await other.consume({ groupId, topics: [topic], handler: async (m) => void second.push(n(m)) });
    await eventually(() => new Set([...first, ...second]).size === 40, 'every message across both consumers', 30_000);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(first).toHaveLength(handledBeforeStop);
    // Graceful stop commits everything handled: nothing is lost and nothing handled comes back.
    expect([...first, ...second].sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });

  it('splits the partitions between two consumers of one group, which together get every message once', async () => {
    const topic = uniqueName('rx.spec.group');
    const groupId = uniqueName('g');
    const bus = await startBus({ topics: [topic], partitions: 3 });
    const a: IncomingMessage[] = [];
    const b: IncomingMessage[] = [];
    await bus.consume({ groupId, topics: [topic], handler: async (m) => void a.push(m) });
    const otherInstance = await startBus();
    await otherInstance.consume({ groupId, topics: [topic], handler: async (m) => void b.push(m) });
    await bus.publish(topic, Array.from({ length: 60 }, (_, i) => message(`RX-${i % 12}`, { n: i })));
    await eventually(() => a.length + b.length >= 60, 'all 60 messages', 60_000);
    await new Promise((r) => setTimeout(r, 1_000));
    expect([...a, ...b].map(n).sort((x, y) => x - y)).toEqual(Array.from({ length: 60 }, (_, i) => i));
    expect(a.length).toBeGreaterThan(0);
    expect(b.length).toBeGreaterThan(0);
    const partitionsA = new Set(a.map((m) => m.partition));
    expect(b.some((m) => partitionsA.has(m.partition))).toBe(false);
  });

  it('keeps a member alive through a handler slower than the session timeout (no eviction, no redelivery)', async () => {
    const topic = uniqueName('rx.spec.slow');
    const bus = await startBus({ topics: [topic], sessionTimeout: 6_000, heartbeatInterval: 500 });
    const calls: IncomingMessage[] = [];
    await bus.consume({
      groupId: uniqueName('g'),
      topics: [topic],
      handler: async (m) => {
        calls.push(m);
        if (n(m) === 1) await new Promise((r) => setTimeout(r, 9_000));
      },
    });
    await bus.publish(topic, [message('RX-1', { n: 1 }), message('RX-1', { n: 2 })]);
    await eventually(() => calls.length === 2, 'both messages', 40_000);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(calls.map(n)).toEqual([1, 2]);
    expect(calls.map((m) => m.attempt)).toEqual([1, 1]);
  });

  it('refuses to publish before start and publishes nothing that is not JSON', async () => {
    const topic = uniqueName('rx.spec.guard');
    const idle = new KafkaMessageBus({ brokers, logger: silentLogger });
    await expect(idle.publish(topic, [message('RX-1', { n: 1 })])).rejects.toThrow(/not started/);
    const bus = await startBus({ topics: [topic] });
    await expect(bus.publish(topic, [message('RX-1', { big: 1n as unknown as number })])).rejects.toThrow(/not JSON-serializable/);
  });
});
