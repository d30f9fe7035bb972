import type { CloudEvent } from '@rx/contracts';

export interface OutgoingMessage {
  /** Partition key: the prescription id, so one prescription's events stay in order. */
  key: string;
  value: CloudEvent;
}

export interface IncomingMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  /** The validated envelope. */
  event: CloudEvent;
  /** 1 on first delivery, then counts retries within this consumer. */
  attempt: number;
}

export type MessageHandler = (message: IncomingMessage) => Promise<void>;

/**
 * A handler throws this for a message that can never succeed however often it is retried (its
 * facts break a rule, or it names something that cannot exist): the message is dead-lettered at
 * once with the reason, instead of holding its partition through every retry.
 */
export class UnprocessableMessageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UnprocessableMessageError';
  }
}

export interface ConsumerOptions {
  /** Consumer group: instances of one app share it and split the partitions. */
  groupId: string;
  topics: readonly string[];
  handler: MessageHandler;
  /**
   * Extra validation of the envelope's type and data (the context's contract). Return a reason to
   * refuse: the message goes to the dead-letter topic at once, without retries.
   */
  validate?: (event: CloudEvent) => string | undefined;
  /** Handler attempts before a message is dead-lettered; default 5. */
  maxAttempts?: number;
  /** First retry delay in ms, doubled each attempt; default 100. */
  initialBackoffMs?: number;
}

export interface ConsumerHandle {
  readonly groupId: string;
  stop(): Promise<void>;
}

/** A message that failed validation or kept failing, as it is written to `<topic>.dlq`. */
export interface DeadLetter {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  reason: string;
  /** The original bytes as text (they may not be JSON). */
  payload: string;
  groupId: string;
  failedAt: string;
}

/** Reads dead letters back: the audit context records each one (never a silent dead letter). */
export interface DeadLetterConsumerOptions {
  groupId: string;
  /** Source topics (`rx.x.v1`): their `<topic>.dlq` are read. */
  topics: readonly string[];
  /** Retried with backoff until it succeeds: a dead letter is never dropped. */
  handler: (deadLetter: DeadLetter) => Promise<void>;
  /** First retry delay in ms, doubled each attempt; default 100. */
  initialBackoffMs?: number;
}

/** What this process's consumers have dead-lettered since it started (for `/health`). */
export interface DeadLetterSummary {
  count: number;
  last?: Pick<DeadLetter, 'topic' | 'groupId' | 'key' | 'reason' | 'failedAt'>;
}

export interface MessageBus {
  readonly kind: 'memory' | 'kafka';
  /** Creates topics (and their dead-letter topics) and connects; idempotent. */
  start(): Promise<void>;
  /** Resolves once the broker has acknowledged every message (in-process: once every consumer handled it). */
  publish(topic: string, messages: readonly OutgoingMessage[]): Promise<void>;
  consume(options: ConsumerOptions): Promise<ConsumerHandle>;
  /** Consumes `<topic>.dlq` of the given topics, from the oldest dead letter the group has not handled. */
  consumeDeadLetters(options: DeadLetterConsumerOptions): Promise<ConsumerHandle>;
  deadLetterSummary(): DeadLetterSummary;
  ping(): Promise<{ ok: boolean; detail?: string }>;
  /** Stops consumers first, then producers. */
  stop(): Promise<void>;
}

export const MESSAGE_BUS = Symbol('MessageBus');
