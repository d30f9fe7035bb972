import { deadLetterTopic, parseCloudEvent } from '@rx/contracts';
import {
  Kafka,
  Partitioners,
  logLevel as KafkaLogLevel,
  type Admin,
  type Consumer,
  type EachBatchPayload,
  type KafkaMessage,
  type Producer,
  type logCreator,
} from 'kafkajs';
import {
  DEFAULT_INITIAL_BACKOFF_MS,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_MAX_BACKOFF_MS,
  backoffMs,
  deadLetterRecord,
  DeadLetterTally,
  decodeDeadLetter,
  encodeMessage,
  errorMessage,
  nonNegative,
  positiveInt,
  runValidate,
  sleep,
} from '../codec';
import { jsonLinesLogger, type LogLevel, type MessagingLogger } from '../logger';
import {
  UnprocessableMessageError,
  type ConsumerHandle,
  type ConsumerOptions,
  type DeadLetterConsumerOptions,
  type DeadLetterSummary,
  type MessageBus,
  type OutgoingMessage,
} from '../message-bus.port';

export interface KafkaMessageBusOptions {
  brokers: readonly string[];
  clientId?: string;
  /** Partitions of every topic this bus creates; default 3. */
  partitions?: number;
  /**
   * Partitions one consumer handles at the same time; default `partitions` (at most 8). Order is
   * kept within a partition (so per prescription); handlers of different partitions run together,
   * which the event store's expected revision makes safe.
   */
  partitionsConsumedConcurrently?: number;
  /** Default 1 (a single local broker). */
  replicationFactor?: number;
  /**
   * Created with their `.dlq` at start when missing (the topics this process consumes). Others are
   * created on first publish (the topic alone: its `.dlq` belongs to its consumers) or consume
   * (with its `.dlq`, where this consumer puts what it refuses).
   */
  topics?: readonly string[];
  /** Consumer session timeout (ms); default 30 000. Handlers heartbeat while they run. */
  sessionTimeout?: number;
  /** Default a tenth of the session timeout, at most 3 000. */
  heartbeatInterval?: number;
  /** kafkajs' own log output, at this level and above; default warn. */
  logLevel?: LogLevel | 'silent';
  logger?: MessagingLogger;
  /** Resolved offsets are committed at least this often (ms) inside a long batch, and after every batch; default 1 000. */
  commitIntervalMs?: number;
  /** Cap on retries' delay (ms); default 30 s. */
  maxBackoffMs?: number;
  /** describeCluster timeout for ping (ms); default 3 000. */
  pingTimeoutMs?: number;
  connectionTimeout?: number;
  requestTimeout?: number;
  /** SASL/SCRAM credentials of this app's principal (issue 21); absent: an unauthenticated broker. */
  sasl?: { mechanism: 'scram-sha-512' | 'scram-sha-256'; username: string; password: string };
  /** TLS to the broker: `true` trusts the system CAs, `{ ca }` the given PEM certificates. */
  ssl?: boolean | { ca: string[] };
}

const TO_KAFKAJS: Record<LogLevel | 'silent', KafkaLogLevel> = {
  silent: KafkaLogLevel.NOTHING,
  error: KafkaLogLevel.ERROR,
  warn: KafkaLogLevel.WARN,
  info: KafkaLogLevel.INFO,
  debug: KafkaLogLevel.DEBUG,
};

function fromKafkajs(level: KafkaLogLevel): LogLevel {
  if (level === KafkaLogLevel.ERROR) return 'error';
  if (level === KafkaLogLevel.WARN) return 'warn';
  if (level === KafkaLogLevel.INFO) return 'info';
  return 'debug';
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Thrown inside a batch when the consumer is stopping mid-retry: the message is left uncommitted. */
class Interrupted extends Error {}

/**
 * The Kafka adapter (kafkajs stays inside this file). At-least-once: an offset is committed only
 * after its message was handled or dead-lettered, so a crash redelivers, never loses; consumers
 * are idempotent by event id.
 */
export class KafkaMessageBus implements MessageBus {
  readonly kind = 'kafka' as const;
  private readonly kafka: Kafka;
  private readonly logger: MessagingLogger;
  private readonly partitions: number;
  private readonly partitionsConsumedConcurrently: number;
  private readonly replicationFactor: number;
  private readonly sessionTimeout: number;
  private readonly heartbeatInterval: number;
  private readonly commitIntervalMs: number;
  private readonly maxBackoffMs: number;
  private readonly pingTimeoutMs: number;
  private admin?: Admin;
  private producer?: Producer;
  private starting?: Promise<void>;
  private readonly consumers = new Set<Consumer>();
  private readonly knownTopics = new Set<string>();
  private topicLock: Promise<unknown> = Promise.resolve();
  private readonly tally = new DeadLetterTally();

  constructor(private readonly options: KafkaMessageBusOptions) {
    if (!options.brokers || options.brokers.length === 0) throw new TypeError('KafkaMessageBus needs at least one broker');
    this.logger = options.logger ?? jsonLinesLogger({ name: 'kafka-bus' });
    this.partitions = positiveInt('partitions', options.partitions, 3);
    this.partitionsConsumedConcurrently = positiveInt('partitionsConsumedConcurrently', options.partitionsConsumedConcurrently, Math.min(this.partitions, 8));
    this.replicationFactor = positiveInt('replicationFactor', options.replicationFactor, 1);
    this.sessionTimeout = positiveInt('sessionTimeout', options.sessionTimeout, 30_000);
    this.heartbeatInterval = positiveInt('heartbeatInterval', options.heartbeatInterval, Math.min(3_000, Math.floor(this.sessionTimeout / 10)));
    this.commitIntervalMs = positiveInt('commitIntervalMs', options.commitIntervalMs, 1_000);
    this.maxBackoffMs = nonNegative('maxBackoffMs', options.maxBackoffMs, DEFAULT_MAX_BACKOFF_MS);
    this.pingTimeoutMs = positiveInt('pingTimeoutMs', options.pingTimeoutMs, 3_000);
    const logger = this.logger;
    const creator: logCreator =
      () =>
      ({ namespace, level, log }) => {
        const { message, timestamp: _timestamp, logger: _name, ...extra } = log;
        logger.log(fromKafkajs(level), `kafkajs ${namespace}: ${message}`, extra);
      };
    this.kafka = new Kafka({
      clientId: options.clientId ?? 'rx-circulation',
      brokers: [...options.brokers],
      connectionTimeout: options.connectionTimeout ?? 3_000,
      requestTimeout: options.requestTimeout ?? 30_000,
      logLevel: TO_KAFKAJS[options.logLevel ?? 'warn'],
      logCreator: creator,
      ...(options.ssl ? { ssl: options.ssl === true ? true : { ca: options.ssl.ca } } : {}),
      ...(options.sasl ? { sasl: options.sasl.mechanism === 'scram-sha-512' ? { ...options.sasl, mechanism: 'scram-sha-512' as const } : { ...options.sasl, mechanism: 'scram-sha-256' as const } } : {}),
    });
  }

  start(): Promise<void> {
    this.starting ??= this.connect().catch(async (e) => {
      this.starting = undefined;
      await this.disconnectClients();
      throw e;
    });
    return this.starting;
  }

  async publish(topic: string, messages: readonly OutgoingMessage[]): Promise<void> {
    const encoded = messages.map(encodeMessage);
    if (encoded.length === 0) return;
    const producer = await this.ready();
    await this.ensureTopics([topic], false);
    await producer.send({
      topic,
      acks: -1,
      messages: encoded.map((m) => ({ key: m.key, value: m.value, headers: { ce_type: m.type, ce_id: m.id } })),
    });
  }

  async consume(options: ConsumerOptions): Promise<ConsumerHandle> {
    if (!options.groupId) throw new TypeError('groupId is required');
    if (!options.topics || options.topics.length === 0) throw new TypeError('at least one topic is required');
    const settings = {
      maxAttempts: positiveInt('maxAttempts', options.maxAttempts, DEFAULT_MAX_ATTEMPTS),
      initialBackoffMs: nonNegative('initialBackoffMs', options.initialBackoffMs, DEFAULT_INITIAL_BACKOFF_MS),
    };
    return this.runConsumer(options.groupId, options.topics, (payload) => this.eachBatch(options, settings, payload));
  }

  async consumeDeadLetters(options: DeadLetterConsumerOptions): Promise<ConsumerHandle> {
    if (!options.groupId) throw new TypeError('groupId is required');
    if (!options.topics || options.topics.length === 0) throw new TypeError('at least one topic is required');
    const initialBackoffMs = nonNegative('initialBackoffMs', options.initialBackoffMs, DEFAULT_INITIAL_BACKOFF_MS);
    await this.ready();
    await this.ensureTopics(options.topics);
    return this.runConsumer(options.groupId, options.topics.map(deadLetterTopic), (payload) => this.eachDeadLetterBatch(options, initialBackoffMs, payload));
  }

  deadLetterSummary(): DeadLetterSummary {
    return this.tally.summary();
  }

  private async runConsumer(groupId: string, topics: readonly string[], eachBatch: (payload: EachBatchPayload) => Promise<void>): Promise<ConsumerHandle> {
    await this.ready();
    await this.ensureTopics(topics.filter((t) => !t.endsWith('.dlq')));
    const options = { groupId, topics };
    const consumer = this.kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: this.sessionTimeout,
      heartbeatInterval: this.heartbeatInterval,
      allowAutoTopicCreation: false,
      // Short fetch waits keep stop() and rebalances quick; data is returned as soon as it exists anyway.
      maxWaitTimeInMs: 1_000,
    });
    consumer.on(consumer.events.CRASH, ({ payload }) =>
      this.logger.log('error', 'consumer crashed', { groupId: options.groupId, error: errorMessage(payload.error), restart: payload.restart }),
    );
    this.consumers.add(consumer);
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [...options.topics], fromBeginning: true });
      // eachBatch with manual resolve: an offset is resolved only once its message is done, and kafkajs
      // commits resolved offsets after each batch, on stop and before a rebalance; commitOffsetsIfNecessary
      // adds a commit every commitIntervalMs inside long batches.
      await consumer.run({
        autoCommit: true,
        autoCommitInterval: this.commitIntervalMs,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: this.partitionsConsumedConcurrently,
        eachBatch,
      });
    } catch (e) {
      this.consumers.delete(consumer);
      await consumer.disconnect().catch(() => undefined);
      throw e;
    }
    let stopping: Promise<void> | undefined;
    return {
      groupId: options.groupId,
      stop: () => {
        stopping ??= consumer.disconnect().finally(() => this.consumers.delete(consumer));
        return stopping;
      },
    };
  }

  async ping(): Promise<{ ok: boolean; detail?: string }> {
    const own = this.admin;
    const admin = own ?? this.kafka.admin();
    try {
      const cluster = await withTimeout(
        (async () => {
          if (!own) await admin.connect();
          return admin.describeCluster();
        })(),
        this.pingTimeoutMs,
        'describeCluster',
      );
      return { ok: true, detail: `${cluster.brokers.length} broker(s), controller ${cluster.controller ?? 'unknown'}` };
    } catch (e) {
      return { ok: false, detail: errorMessage(e) };
    } finally {
      if (!own) void admin.disconnect().catch(() => undefined);
    }
  }

  async stop(): Promise<void> {
    const consumers = [...this.consumers];
    this.consumers.clear();
    const results = await Promise.allSettled(consumers.map((c) => c.disconnect()));
    for (const r of results) if (r.status === 'rejected') this.logger.log('warn', 'consumer disconnect failed', { error: errorMessage(r.reason) });
    await this.disconnectClients();
    this.starting = undefined;
    this.knownTopics.clear();
  }

  private async connect(): Promise<void> {
    this.admin = this.kafka.admin();
    await this.admin.connect();
    await this.ensureTopics(this.options.topics ?? []);
    // The idempotent producer needs acks=-1 and one request in flight to keep per-partition order on retries.
    this.producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await this.producer.connect();
  }

  private async disconnectClients(): Promise<void> {
    const producer = this.producer;
    const admin = this.admin;
    this.producer = undefined;
    this.admin = undefined;
    if (producer) await producer.disconnect().catch((e) => this.logger.log('warn', 'producer disconnect failed', { error: errorMessage(e) }));
    if (admin) await admin.disconnect().catch((e) => this.logger.log('warn', 'admin disconnect failed', { error: errorMessage(e) }));
  }

  private async ready(): Promise<Producer> {
    if (!this.starting) throw new Error('KafkaMessageBus is not started: call start() first');
    await this.starting;
    if (!this.producer) throw new Error('KafkaMessageBus is stopped');
    return this.producer;
  }

  /**
   * Creates missing topics (and their dead-letter topics when asked); serialized so concurrent
   * callers don't race. Under ACLs a principal sees only the topics it may use, so it is asked only
   * for those: a producer for its topic, a consumer for its topics and their dead-letter topics.
   */
  private ensureTopics(topics: readonly string[], withDeadLetters = true): Promise<void> {
    const wanted = [...new Set(topics.flatMap((t) => (withDeadLetters ? [t, deadLetterTopic(t)] : [t])))].filter((t) => !this.knownTopics.has(t));
    if (wanted.length === 0) return Promise.resolve();
    const run = this.topicLock.then(() => this.createTopics(wanted));
    this.topicLock = run.catch(() => undefined);
    return run;
  }

  private async createTopics(wanted: string[]): Promise<void> {
    const admin = this.admin;
    if (!admin) throw new Error('KafkaMessageBus is not started');
    for (let attempt = 1; ; attempt++) {
      const existing = new Set(await admin.listTopics());
      const missing = wanted.filter((t) => !existing.has(t));
      try {
        if (missing.length > 0) {
          await admin.createTopics({
            waitForLeaders: true,
            topics: missing.map((topic) => ({ topic, numPartitions: this.partitions, replicationFactor: this.replicationFactor })),
          });
          this.logger.log('info', 'topics created', { topics: missing, partitions: this.partitions });
        }
        for (const t of wanted) this.knownTopics.add(t);
        return;
      } catch (e) {
        if (/authoriz/i.test(errorMessage(e)) || (e as { type?: string }).type?.includes('AUTHORIZATION')) {
          throw new Error(
            `topics ${missing.join(', ')} do not exist or are not visible to this principal, and it may not create them: a broker with ACLs needs them provisioned (tools/kafka/provision.ts) and this principal granted them (${errorMessage(e)})`,
          );
        }
        // Another process may have created some of them in between: list again and retry once.
        if (attempt >= 2) throw e;
      }
    }
  }

  private async eachBatch(
    options: ConsumerOptions,
    settings: { maxAttempts: number; initialBackoffMs: number },
    { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }: EachBatchPayload,
  ): Promise<void> {
    for (const message of batch.messages) {
      if (!isRunning() || isStale()) break;
      try {
        await this.handleMessage(options, settings, batch.topic, batch.partition, message, heartbeat, isRunning);
      } catch (e) {
        if (e instanceof Interrupted) break;
        throw e;
      }
      resolveOffset(message.offset);
      await commitOffsetsIfNecessary();
      await heartbeat();
    }
  }

  /** Dead letters are never dead-lettered again nor skipped: a failing handler holds its partition and retries. */
  private async eachDeadLetterBatch(
    options: DeadLetterConsumerOptions,
    initialBackoffMs: number,
    { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }: EachBatchPayload,
  ): Promise<void> {
    for (const message of batch.messages) {
      if (!isRunning() || isStale()) break;
      const key = message.key ? message.key.toString('utf8') : null;
      const raw = message.value ? message.value.toString('utf8') : '';
      for (let attempt = 1; ; attempt++) {
        try {
          await this.whileHeartbeating(heartbeat, () => options.handler(decodeDeadLetter(raw, { topic: batch.topic, partition: batch.partition, offset: message.offset, key })));
          break;
        } catch (e) {
          this.logger.log(attempt === 1 ? 'warn' : 'error', 'dead-letter handler failed; retrying', { topic: batch.topic, partition: batch.partition, offset: message.offset, groupId: options.groupId, attempt, error: errorMessage(e) });
        }
        if (!isRunning()) return;
        await this.whileHeartbeating(heartbeat, () => sleep(backoffMs(attempt, initialBackoffMs, this.maxBackoffMs)));
        if (!isRunning()) return;
      }
      resolveOffset(message.offset);
      await commitOffsetsIfNecessary();
      await heartbeat();
    }
  }

  private async handleMessage(
    options: ConsumerOptions,
    settings: { maxAttempts: number; initialBackoffMs: number },
    topic: string,
    partition: number,
    message: KafkaMessage,
    heartbeat: () => Promise<void>,
    isRunning: () => boolean,
  ): Promise<void> {
    const key = message.key ? message.key.toString('utf8') : null;
    const deadLetter = (reason: string) => this.deadLetter(options.groupId, topic, partition, message, key, reason);
    const first = parseCloudEvent(message.value);
    if (!first.ok) return deadLetter(`invalid envelope: ${first.reason}`);
    const refused = runValidate(options.validate, first.value);
    if (refused) return deadLetter(refused);
    for (let attempt = 1; ; attempt++) {
      const parsed = attempt === 1 ? first : parseCloudEvent(message.value);
      if (!parsed.ok) return deadLetter(`invalid envelope: ${parsed.reason}`);
      try {
        await this.whileHeartbeating(heartbeat, () =>
          options.handler({ topic, partition, offset: message.offset, key, event: parsed.value, attempt }),
        );
        return;
      } catch (e) {
        if (e instanceof UnprocessableMessageError) return deadLetter(`unprocessable: ${errorMessage(e)}`);
        if (attempt >= settings.maxAttempts) return deadLetter(`handler failed after ${attempt} attempt(s): ${errorMessage(e)}`);
        this.logger.log('info', 'handler failed; retrying', { topic, partition, offset: message.offset, groupId: options.groupId, attempt, error: errorMessage(e) });
      }
      if (!isRunning()) throw new Interrupted();
      await this.whileHeartbeating(heartbeat, () => sleep(backoffMs(attempt, settings.initialBackoffMs, this.maxBackoffMs)));
      if (!isRunning()) throw new Interrupted();
    }
  }

  /** Keeps the member alive through a long handler or backoff, so the group does not evict it mid-message. */
  private async whileHeartbeating<T>(heartbeat: () => Promise<void>, work: () => Promise<T>): Promise<T> {
    const timer = setInterval(() => {
      // A rebalance surfaces again at the next heartbeat between messages, where kafkajs handles it.
      heartbeat().catch(() => undefined);
    }, this.heartbeatInterval);
    try {
      return await work();
    } finally {
      clearInterval(timer);
    }
  }

  private async deadLetter(groupId: string, topic: string, partition: number, message: KafkaMessage, key: string | null, reason: string): Promise<void> {
    const record = deadLetterRecord({
      topic,
      partition,
      offset: message.offset,
      key,
      reason,
      payload: message.value ? message.value.toString('utf8') : '',
      groupId,
    });
    const producer = await this.ready();
    // If this send fails the batch throws, the offset stays uncommitted and the message comes back: never skipped silently.
    await producer.send({
      topic: deadLetterTopic(topic),
      acks: -1,
      messages: [{ key, value: JSON.stringify(record), headers: { dlq_group: groupId } }],
    });
    this.tally.note(record);
    this.logger.log('warn', 'message dead-lettered', { deadLetterTopic: deadLetterTopic(topic), topic, partition, offset: message.offset, key, groupId, reason });
  }
}
