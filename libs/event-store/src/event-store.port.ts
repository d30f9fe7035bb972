/**
 * The event store port. Three adapters implement it (SQLite for the embedded mode, PostgreSQL and
 * EventStoreDB for production) and one contract suite holds them to the same behaviour.
 */
export interface Actor {
  role: string;
  id: string;
}

/** What the caller supplies; the store adds the integrity fields. */
export interface EventMetadataInput {
  correlationId: string;
  causationId: string;
  actor: Actor;
  /** ISO-8601 instant at which the fact happened (the injected clock's time, not the store's). */
  occurredAt: string;
}

export interface EventMetadata extends EventMetadataInput {
  /** sha-256 (hex) of the canonical encoding of this event and `prevHash`. */
  hash: string;
  /** The hash of the previous event of the same stream; GENESIS_HASH for revision 0. */
  prevHash: string;
}

export interface NewEvent<TType extends string = string, TData = unknown> {
  /** A UUID. Appending an id already stored in the stream is a no-op (idempotency). */
  id: string;
  type: TType;
  data: TData;
  metadata: EventMetadataInput;
}

export interface RecordedEvent<TType extends string = string, TData = unknown> {
  id: string;
  streamId: string;
  /** 0-based index of the event within its stream. */
  revision: number;
  /** Position in the store's global order; strictly increasing across all streams. */
  position: bigint;
  type: TType;
  data: TData;
  metadata: EventMetadata;
}

/**
 * `no_stream`: the stream must not exist yet. `any`: no check. A number: the revision of the
 * stream's last event must be exactly that.
 */
export type ExpectedRevision = 'no_stream' | 'any' | number;

export interface AppendOptions {
  expectedRevision: ExpectedRevision;
}

export interface AppendResult {
  /** Revision of the stream's last event after the append (pass it as the next expected revision). */
  nextExpectedRevision: number;
  /** Global position of the last event written (or already stored, for an idempotent no-op). */
  position: bigint;
  /** False when every event id was already stored, so nothing was written. */
  written: boolean;
}

export interface ReadStreamOptions {
  /** First revision to read (inclusive); default 0. */
  fromRevision?: number;
  /** Only events whose `occurredAt` is at or before this instant (as-of queries). */
  upTo?: Date;
  maxCount?: number;
  /**
   * The caller is about to append to this stream (a command's load). An adapter may keep the
   * stream to answer the reads and the append that follow; what is returned is the same.
   */
  forAppend?: boolean;
}

export interface EventFilter {
  /** Keep events whose stream id starts with one of these prefixes. */
  streamPrefixes?: readonly string[];
  /** Keep events of these types. */
  eventTypes?: readonly string[];
}

export interface ReadAllOptions extends EventFilter {
  /** Exclusive: events strictly after this position; default: from the beginning. */
  after?: bigint;
  /** Inclusive: events at or before this position; default: to the end. */
  upTo?: bigint;
  maxCount?: number;
}

export type SubscriptionHandler = (event: RecordedEvent) => Promise<void> | void;

export interface SubscribeOptions extends EventFilter {
  /** Exclusive checkpoint: deliver events strictly after it; undefined = from the beginning. */
  after?: bigint;
  handler: SubscriptionHandler;
  /** Called once if the handler throws or the store fails; the subscription is then stopped. */
  onError?: (error: unknown) => void;
  /** Called each time the subscription has caught up with the store (no more events for now). */
  onCaughtUp?: (position: bigint | undefined) => void;
}

/** A live subscription: catch-up from the checkpoint, then live. Events arrive one at a time, in order. */
export interface Subscription {
  /** The position of the last event handled. */
  readonly lastPosition: bigint | undefined;
  stop(): Promise<void>;
}

export interface StreamVerification {
  streamId: string;
  ok: boolean;
  eventCount: number;
  /** Revision of the first event whose hash or chain link does not match, if any. */
  brokenAt?: number;
  reason?: string;
}

/**
 * What no stream's hash chain can show: a stream deleted whole, or events cut from the end of the
 * store. Positions (decimal strings, JSON-safe) are inclusive ranges that should hold an event and
 * do not. `checked: false` where the store cannot tell (its positions are not a dense sequence).
 */
export interface StoreCompleteness {
  checked: boolean;
  ok: boolean;
  /** Events in the store, where counted. */
  eventCount?: number;
  /** Highest position the store has assigned, as far as its own records show. */
  lastAssigned?: string;
  /** The first 100 missing ranges. */
  missing: Array<{ from: string; to: string; evidence: string }>;
  /** Why nothing was checked, where so. */
  detail?: string;
}

export interface EventStore {
  readonly kind: 'sqlite' | 'eventstoredb' | 'postgres';
  append(streamId: string, events: readonly NewEvent[], options: AppendOptions): Promise<AppendResult>;
  /** The stream's events in order; an empty array for a stream that does not exist. */
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /** One batch of events in global order. Page with `after` = the last position returned. */
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  subscribe(options: SubscribeOptions): Subscription;
  /**
   * The position of the last event committed, internal ones included, or undefined for an empty
   * store: every event a later `readAll` can return beyond it is newer.
   */
  headPosition(): Promise<bigint | undefined>;
  /** Every stream id in the store (for integrity sweeps), optionally by prefix. */
  listStreams(prefix?: string): Promise<string[]>;
  /** Durable checkpoints for relays and projections, kept in the same store. */
  loadCheckpoint(name: string): Promise<bigint | undefined>;
  saveCheckpoint(name: string, position: bigint): Promise<void>;
  /** Store-wide completeness (integrity sweeps): events missing from the global sequence. */
  verifyCompleteness(): Promise<StoreCompleteness>;
  /** Reports whether the store answers, for /health. */
  ping(): Promise<{ ok: boolean; detail?: string }>;
  close(): Promise<void>;
}

export const EVENT_STORE = Symbol('EventStore');
