import { AsyncLocalStorage } from 'node:async_hooks';
import { deadLetterTopic, parseCloudEvent } from '@rx/contracts';
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
} from './codec';
import { jsonLinesLogger, type MessagingLogger } from './logger';
import {
  UnprocessableMessageError,
  type ConsumerHandle,
  type ConsumerOptions,
  type DeadLetter,
  type DeadLetterConsumerOptions,
  type DeadLetterSummary,
  type MessageBus,
  type OutgoingMessage,
} from './message-bus.port';

export interface InMemoryMessageBusOptions {
  logger?: MessagingLogger;
  /** Cap on retries' delay (ms); default 30 s. */
  maxBackoffMs?: number;
  /**
   * Messages kept per topic for consumer groups that have not joined yet or have no member right
   * now (a Kafka topic's retention, in miniature); the oldest go first. Default 10 000.
   */
  maxRetainedPerTopic?: number;
  /** Dead letters kept per topic; default 10 000. */
  maxDeadLettersPerTopic?: number;
  now?: () => Date;
}

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
}

interface StoredMessage {
  offset: number;
  /** Bus-wide publish order: dispatch follows it, so delivery is deterministic. */
  seq: number;
  key: string;
  value: string;
  /** Publishers waiting for a group to finish with this message. */
  waiters: Map<string, Deferred>;
}

interface TopicLog {
  name: string;
  /** Offset of messages[0]. */
  base: number;
  messages: StoredMessage[];
  deadLetters: DeadLetter[];
  /** Messages lost to the retention cap so far (logged once per topic, then counted). */
  droppedByRetention: number;
}

interface Member {
  group: Group;
  topics: ReadonlySet<string>;
  options: ConsumerOptions;
  /** Set for a member reading `<topic>.dlq`: records are dead letters, not envelopes. */
  deadLetterHandler?: DeadLetterConsumerOptions['handler'];
  maxAttempts: number;
  initialBackoffMs: number;
  inFlight: Set<Promise<void>>;
  stopped: boolean;
}

interface Group {
  id: string;
  members: Member[];
  /** Next offset to dispatch, per topic; a new group starts at the oldest retained message. */
  cursors: Map<string, number>;
}

/** Marks code running inside a handler, so a publish from there is delivered depth-first instead of queued behind itself. */
interface Frame {
  active: boolean;
  member: Member;
}

function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

function hashKey(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * The in-process bus of the embedded mode.
 *
 * - `publish` resolves only once every consumer group that has a member for the topic has finished
 *   with each message (handled, or dead-lettered after its retries). That is what makes a relay's
 *   checkpoint safe in one process.
 * - Delivery is sequential across the whole bus, in publish order, so per-key (indeed per-topic)
 *   order holds for every group. Within a group a key always goes to the same member.
 * - A publish made from inside a handler (directly, or through anything the handler awaits) is
 *   delivered at once, depth-first, rather than queued behind the handler that is waiting for it:
 *   no deadlock. A handler must not wait for a publish started outside its own call chain.
 * - Values travel as JSON text and are parsed per delivery, validated like on Kafka; invalid ones
 *   are dead-lettered at once, failing handlers retried with exponential backoff, then
 *   dead-lettered. Dead letters are kept per topic (`deadLetters(topic)`) and logged.
 */
export class InMemoryMessageBus implements MessageBus {
  readonly kind = 'memory' as const;
  private readonly logger: MessagingLogger;
  private readonly maxBackoffMs: number;
  private readonly maxRetained: number;
  private readonly maxDeadLetters: number;
  private readonly now: () => Date;
  private readonly frames = new AsyncLocalStorage<Frame>();
  private readonly topics = new Map<string, TopicLog>();
  private readonly groups = new Map<string, Group>();
  private readonly tally = new DeadLetterTally();
  private seq = 0;
  private pumping = false;
  private stopped = false;

  constructor(options: InMemoryMessageBusOptions = {}) {
    this.logger = options.logger ?? jsonLinesLogger({ name: 'in-memory-bus' });
    this.maxBackoffMs = nonNegative('maxBackoffMs', options.maxBackoffMs, DEFAULT_MAX_BACKOFF_MS);
    this.maxRetained = positiveInt('maxRetainedPerTopic', options.maxRetainedPerTopic, 10_000);
    this.maxDeadLetters = positiveInt('maxDeadLettersPerTopic', options.maxDeadLettersPerTopic, 10_000);
    this.now = options.now ?? (() => new Date());
  }

  /** Nothing to connect; also re-opens a stopped bus. Publishing before `start` is allowed. */
  async start(): Promise<void> {
    this.stopped = false;
  }

  async publish(topic: string, messages: readonly OutgoingMessage[]): Promise<void> {
    if (this.stopped) throw new Error('message bus is stopped');
    // Encode everything first: a bad message fails the whole call before anything is appended.
    const encoded = messages.map(encodeMessage);
    if (encoded.length === 0) return;
    const log = this.topicLog(topic);
    const targets = [...this.groups.values()].filter((g) => g.cursors.has(topic) && this.membersFor(g, topic).length > 0);
    const waits: Promise<void>[] = [];
    for (const m of encoded) {
      const stored: StoredMessage = { offset: log.base + log.messages.length, seq: this.seq++, key: m.key, value: m.value, waiters: new Map() };
      for (const g of targets) {
        const d = deferred();
        stored.waiters.set(g.id, d);
        waits.push(d.promise);
      }
      log.messages.push(stored);
    }
    this.enforceRetention(log);
    if (this.frames.getStore()?.active) {
      for (const g of targets) await this.drainInline(g, topic);
    } else {
      this.schedule();
    }
    await Promise.all(waits);
  }

  async consume(options: ConsumerOptions): Promise<ConsumerHandle> {
    return this.join(options);
  }

  async consumeDeadLetters(options: DeadLetterConsumerOptions): Promise<ConsumerHandle> {
    const topics = options.topics.map(deadLetterTopic);
    return this.join(
      { groupId: options.groupId, topics, handler: async () => undefined, initialBackoffMs: options.initialBackoffMs },
      options.handler,
    );
  }

  deadLetterSummary(): DeadLetterSummary {
    return this.tally.summary();
  }

  private join(options: ConsumerOptions, deadLetterHandler?: DeadLetterConsumerOptions['handler']): ConsumerHandle {
    if (this.stopped) throw new Error('message bus is stopped');
    if (!options.groupId) throw new TypeError('groupId is required');
    if (!options.topics || options.topics.length === 0) throw new TypeError('at least one topic is required');
    let group = this.groups.get(options.groupId);
    if (!group) {
      group = { id: options.groupId, members: [], cursors: new Map() };
      this.groups.set(group.id, group);
    }
    for (const t of options.topics) if (!group.cursors.has(t)) group.cursors.set(t, this.topicLog(t).base);
    const member: Member = {
      group,
      topics: new Set(options.topics),
      options,
      deadLetterHandler,
      maxAttempts: positiveInt('maxAttempts', options.maxAttempts, DEFAULT_MAX_ATTEMPTS),
      initialBackoffMs: nonNegative('initialBackoffMs', options.initialBackoffMs, DEFAULT_INITIAL_BACKOFF_MS),
      inFlight: new Set(),
      stopped: false,
    };
    group.members.push(member);
    this.schedule();
    return { groupId: group.id, stop: () => this.leave(member) };
  }

  async ping(): Promise<{ ok: boolean; detail?: string }> {
    return this.stopped ? { ok: false, detail: 'stopped' } : { ok: true, detail: 'in-process' };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const members = [...this.groups.values()].flatMap((g) => g.members);
    await Promise.all(members.map((m) => this.leave(m)));
  }

  /** Dead letters of a topic (`rx.x.v1` or `rx.x.v1.dlq`), oldest first. */
  deadLetters(topic: string): DeadLetter[] {
    const source = topic.endsWith('.dlq') ? topic.slice(0, -'.dlq'.length) : topic;
    return (this.topics.get(source)?.deadLetters ?? []).map((d) => ({ ...d }));
  }

  /** Messages published to a topic and still retained (for tests and diagnostics). */
  retained(topic: string): Array<{ offset: number; key: string; value: string }> {
    return (this.topics.get(topic)?.messages ?? []).map(({ offset, key, value }) => ({ offset, key, value }));
  }

  private async leave(member: Member): Promise<void> {
    if (!member.stopped) {
      member.stopped = true;
      const group = member.group;
      group.members = group.members.filter((m) => m !== member);
      // Nobody left to serve a topic: publishers must not wait on it (the messages stay for a later member).
      for (const t of member.topics) if (this.membersFor(group, t).length === 0) this.releaseWaiters(group, t);
    }
    // Stopping from inside one's own handler must not wait for that handler.
    if (this.frames.getStore()?.member === member) return;
    await Promise.all([...member.inFlight]);
  }

  private releaseWaiters(group: Group, topic: string): void {
    for (const m of this.topics.get(topic)?.messages ?? []) {
      m.waiters.get(group.id)?.resolve();
      m.waiters.delete(group.id);
    }
  }

  private topicLog(name: string): TopicLog {
    let log = this.topics.get(name);
    if (!log) {
      log = { name, base: 0, messages: [], deadLetters: [], droppedByRetention: 0 };
      this.topics.set(name, log);
    }
    return log;
  }

  private membersFor(group: Group, topic: string): Member[] {
    return group.members.filter((m) => m.topics.has(topic));
  }

  private schedule(): void {
    if (this.pumping) return;
    this.pumping = true;
    // The pump must not inherit the caller's handler frame.
    this.frames.exit(() => void this.pump());
  }

  private async pump(): Promise<void> {
    try {
      for (let work = this.nextWork(); work; work = this.nextWork()) await this.dispatch(work.group, work.topic);
    } finally {
      this.pumping = false;
    }
  }

  /** The pending (group, topic) whose next message was published first. */
  private nextWork(): { group: Group; topic: string } | undefined {
    let best: { group: Group; topic: string; seq: number } | undefined;
    for (const group of this.groups.values()) {
      for (const [topic, cursor] of group.cursors) {
        const next = this.peek(group, topic, cursor);
        if (next && this.membersFor(group, topic).length > 0 && (!best || next.seq < best.seq)) best = { group, topic, seq: next.seq };
      }
    }
    return best;
  }

  private peek(group: Group, topic: string, cursor: number): StoredMessage | undefined {
    const log = this.topics.get(topic);
    if (!log) return undefined;
    if (cursor < log.base) {
      this.logger.log('warn', 'consumer group fell behind retention; skipping trimmed messages', {
        groupId: group.id,
        topic,
        skipped: log.base - cursor,
      });
      group.cursors.set(topic, log.base);
      cursor = log.base;
    }
    return log.messages[cursor - log.base];
  }

  private async drainInline(group: Group, topic: string): Promise<void> {
    for (;;) {
      const cursor = group.cursors.get(topic);
      if (cursor === undefined || !this.peek(group, topic, cursor) || this.membersFor(group, topic).length === 0) return;
      await this.dispatch(group, topic);
    }
  }

  private async dispatch(group: Group, topic: string): Promise<void> {
    const message = this.peek(group, topic, group.cursors.get(topic)!);
    const members = this.membersFor(group, topic);
    if (!message || members.length === 0) return;
    group.cursors.set(topic, message.offset + 1);
    // The same key always lands on the same member, like a partition.
    const member = members[hashKey(message.key) % members.length];
    const done = this.deliver(member, topic, message).finally(() => {
      member.inFlight.delete(done);
      message.waiters.get(group.id)?.resolve();
      message.waiters.delete(group.id);
      this.trim(topic);
    });
    member.inFlight.add(done);
    await done;
  }

  private async deliver(member: Member, topic: string, message: StoredMessage): Promise<void> {
    if (member.deadLetterHandler) return this.deliverDeadLetter(member, member.deadLetterHandler, topic, message);
    const { options } = member;
    const deadLetter = (reason: string): void => this.deadLetter(topic, message, options.groupId, reason);
    const first = parseCloudEvent(message.value);
    if (!first.ok) return deadLetter(`invalid envelope: ${first.reason}`);
    const refused = runValidate(options.validate, first.value);
    if (refused) return deadLetter(refused);
    for (let attempt = 1; ; attempt++) {
      // A fresh copy per attempt: a handler that mutated the event cannot poison its retry.
      const parsed = attempt === 1 ? first : parseCloudEvent(message.value);
      if (!parsed.ok) return deadLetter(`invalid envelope: ${parsed.reason}`);
      const frame: Frame = { active: true, member };
      try {
        await this.frames.run(frame, () =>
          options.handler({ topic, partition: 0, offset: String(message.offset), key: message.key, event: parsed.value, attempt }),
        );
        return;
      } catch (e) {
        if (e instanceof UnprocessableMessageError) return deadLetter(`unprocessable: ${errorMessage(e)}`);
        if (attempt >= member.maxAttempts) return deadLetter(`handler failed after ${attempt} attempt(s): ${errorMessage(e)}`);
        this.logger.log('info', 'handler failed; retrying', {
          topic,
          offset: message.offset,
          groupId: options.groupId,
          attempt,
          error: errorMessage(e),
        });
      } finally {
        frame.active = false;
      }
      await sleep(backoffMs(attempt, member.initialBackoffMs, this.maxBackoffMs));
    }
  }

  /** A dead letter is never dropped: its handler is retried (with backoff) until it succeeds or the member stops. */
  private async deliverDeadLetter(member: Member, handler: DeadLetterConsumerOptions['handler'], topic: string, message: StoredMessage): Promise<void> {
    for (let attempt = 1; !member.stopped; attempt++) {
      const record = decodeDeadLetter(message.value, { topic, partition: 0, offset: String(message.offset), key: message.key }, this.now());
      const frame: Frame = { active: true, member };
      try {
        await this.frames.run(frame, () => handler(record));
        return;
      } catch (e) {
        this.logger.log(attempt === 1 ? 'warn' : 'error', 'dead-letter handler failed; retrying', { topic, offset: message.offset, groupId: member.group.id, attempt, error: errorMessage(e) });
      } finally {
        frame.active = false;
      }
      await sleep(backoffMs(attempt, member.initialBackoffMs, this.maxBackoffMs));
    }
  }

  private deadLetter(topic: string, message: StoredMessage, groupId: string, reason: string): void {
    const record = deadLetterRecord(
      { topic, partition: 0, offset: String(message.offset), key: message.key, reason, payload: message.value, groupId },
      this.now(),
    );
    const log = this.topicLog(topic);
    log.deadLetters.push(record);
    if (log.deadLetters.length > this.maxDeadLetters) log.deadLetters.splice(0, log.deadLetters.length - this.maxDeadLetters);
    this.tally.note(record);
    // Onto `<topic>.dlq` like on Kafka, for dead-letter consumers; nobody publishing waits for it.
    const dlq = this.topicLog(deadLetterTopic(topic));
    dlq.messages.push({ offset: dlq.base + dlq.messages.length, seq: this.seq++, key: message.key, value: JSON.stringify(record), waiters: new Map() });
    this.enforceRetention(dlq);
    this.schedule();
    this.logger.log('warn', 'message dead-lettered', { deadLetterTopic: deadLetterTopic(topic), topic, offset: message.offset, key: message.key, groupId, reason });
  }

  /** Drops what every group with a cursor on the topic has been handed. */
  private trim(topic: string): void {
    const log = this.topics.get(topic);
    if (!log) return;
    let min = Infinity;
    for (const g of this.groups.values()) {
      const c = g.cursors.get(topic);
      if (c !== undefined) min = Math.min(min, c);
    }
    if (min === Infinity) return;
    const drop = Math.min(min - log.base, log.messages.length);
    if (drop > 0) {
      log.messages.splice(0, drop);
      log.base += drop;
    }
  }

  /** Only drops what no publisher is waiting for: a live group's backlog is never lost to the cap. */
  private enforceRetention(log: TopicLog): void {
    let drop = 0;
    while (log.messages.length - drop > this.maxRetained && log.messages[drop].waiters.size === 0) drop++;
    if (drop === 0) return;
    log.messages.splice(0, drop);
    log.base += drop;
    // Typical cause: a topic nobody consumes in this mode. Say so once, not on every publish.
    if (log.droppedByRetention === 0) {
      this.logger.log('warn', 'topic retention exceeded; oldest messages are dropped from now on', { topic: log.name, maxRetainedPerTopic: this.maxRetained });
    }
    log.droppedByRetention += drop;
  }
}
