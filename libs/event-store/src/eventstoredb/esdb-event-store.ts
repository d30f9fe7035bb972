import {
  BACKWARDS,
  END,
  ErrorType,
  EventStoreDBClient,
  NO_STREAM,
  START,
  StreamNotFoundError,
  WrongExpectedVersionError,
  eventTypeFilter,
  excludeSystemEvents,
  isCommandError,
  jsonEvent,
  streamNameFilter,
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  type Filter,
  type JSONType,
  type Position,
  type ReadPosition,
  type RecordedEvent as EsdbRecordedEvent,
} from '@eventstore/db-client';
import { storedMetadata, validateAppend, validateExpectedRevision } from '../append-validation';
import { ConcurrencyError, EventStoreUnavailableError, InvalidAppendError, PartialDuplicateError } from '../errors';
import type {
  AppendOptions,
  AppendResult,
  EventMetadata,
  EventStore,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StoreCompleteness,
  SubscribeOptions,
  Subscription,
} from '../event-store.port';
import { computeEventHash, GENESIS_HASH } from '../integrity';
import { matchesFilter } from '../stream-filter';

export interface EventStoreDbEventStoreOptions {
  /**
   * Attempts of one append when another writer gets between our read of the stream head and our
   * write (an 'any' append retries; an exact one re-checks idempotency, then conflicts); default 10.
   */
  maxAppendAttempts?: number;
  /** Events per page when `readAll` and `listStreams` walk $all; default 500. */
  readPageSize?: number;
  /** Deadline of `ping`, in ms; default 2000. */
  pingDeadlineMs?: number;
}

export const CHECKPOINT_STREAM_PREFIX = 'rx-checkpoint-';
const CHECKPOINT_EVENT_TYPE = 'RxCheckpointSaved';
const DEFAULT_READ_ALL_MAX_COUNT = 1000;
// The server reports this for "no position" on some older reads.
const NO_POSITION = 18446744073709551615n;

export class EventStoreDbEventStore implements EventStore {
  readonly kind = 'eventstoredb' as const;
  private readonly client: EventStoreDBClient;
  private readonly settings: Required<EventStoreDbEventStoreOptions>;
  private readonly subscriptions = new Set<EsdbSubscription>();
  private readonly checkpointStreamsCapped = new Set<string>();
  private closed = false;

  constructor(connection: string | EventStoreDBClient, options: EventStoreDbEventStoreOptions = {}) {
    this.client = typeof connection === 'string' ? EventStoreDBClient.connectionString(connection) : connection;
    this.settings = {
      maxAppendAttempts: options.maxAppendAttempts ?? 10,
      readPageSize: options.readPageSize ?? 500,
      pingDeadlineMs: options.pingDeadlineMs ?? 2000,
    };
  }

  async append(streamId: string, events: readonly NewEvent[], options: AppendOptions): Promise<AppendResult> {
    const { ids } = validateAppend(streamId, events);
    validateExpectedRevision(streamId, options?.expectedRevision);
    this.assertOpen();
    const expected = options.expectedRevision;
    for (let attempt = 1; ; attempt++) {
      // The whole stream: its ids decide idempotency and its last event carries the chain's previous hash.
      const existing = await this.readStreamEvents(streamId, {});
      const last = existing.at(-1);
      const current = last ? last.revision : -1;
      if (last) {
        const stored = new Map(existing.map((e) => [e.id, e.position]));
        const duplicates = ids.filter((id) => stored.has(id));
        if (duplicates.length === ids.length) {
          const position = duplicates.reduce((max, id) => {
            const p = stored.get(id) ?? -1n;
            return p > max ? p : max;
          }, -1n);
          return { nextExpectedRevision: current, position, written: false };
        }
        if (duplicates.length > 0) throw new PartialDuplicateError(streamId, duplicates);
      }
      if ((expected === 'no_stream' && last) || (typeof expected === 'number' && expected !== current)) {
        throw new ConcurrencyError(streamId, String(expected), last ? String(current) : 'no_stream');
      }
      let prevHash = last ? last.metadata.hash : GENESIS_HASH;
      const batch = events.map((e, i) => {
        const revision = current + 1 + i;
        let hash: string;
        try {
          hash = computeEventHash({ streamId, revision, id: ids[i], type: e.type, data: e.data, metadata: e.metadata, prevHash });
        } catch (error) {
          throw new InvalidAppendError(`stream ${streamId}, event ${ids[i]}: data is not JSON-encodable (${errorMessage(error)})`);
        }
        const metadata = storedMetadata(e.metadata, hash, prevHash);
        prevHash = hash;
        return jsonEvent({ id: ids[i], type: e.type, data: e.data as JSONType, metadata: metadata as JSONType });
      });
      try {
        // Always the exact revision we read, even for 'any': otherwise two writers could both
        // chain to the same previous hash and fork the stream's chain.
        const result = await this.client.appendToStream(streamId, batch, { expectedRevision: last ? BigInt(current) : NO_STREAM });
        return { nextExpectedRevision: Number(result.nextExpectedRevision), position: result.position?.commit ?? -1n, written: true };
      } catch (error) {
        if (error instanceof WrongExpectedVersionError) {
          // Re-read: the other writer may have been a retry of this very append (idempotent no-op),
          // an 'any' append simply goes again, an exact one now fails the revision check above.
          if (attempt < this.settings.maxAppendAttempts) continue;
          throw new ConcurrencyError(streamId, String(expected), String(error.actualVersion));
        }
        throw translateError(error);
      }
    }
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    if (options.maxCount !== undefined && options.maxCount < 1) return [];
    const upTo = options.upTo?.getTime();
    if (upTo !== undefined && Number.isNaN(upTo)) throw new RangeError('readStream: upTo is an invalid date');
    const from = BigInt(Math.max(0, Math.trunc(options.fromRevision ?? 0)));
    // With upTo the cut is made here, after the read, so maxCount cannot be handed to the server.
    const events = await this.readStreamEvents(streamId, { fromRevision: from, maxCount: upTo === undefined ? options.maxCount : undefined });
    if (upTo === undefined) return events;
    const kept = events.filter((e) => Date.parse(e.metadata.occurredAt) <= upTo);
    return options.maxCount === undefined ? kept : kept.slice(0, options.maxCount);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const limit = Math.trunc(options.maxCount ?? DEFAULT_READ_ALL_MAX_COUNT);
    const out: RecordedEvent[] = [];
    if (limit <= 0) return out;
    // Client 6.x has no server-side filter on readAll (only on subscribeToAll): filter here, page by page.
    const upTo = options.upTo;
    await this.walkAll(options.after, (e) => {
      if (upTo !== undefined && e.position > upTo) return false;
      if (!matchesFilter(e, options)) return true;
      out.push(e);
      return out.length < limit;
    });
    return out;
  }

  subscribe(options: SubscribeOptions): Subscription {
    this.assertOpen();
    const subscription = new EsdbSubscription(this.client, options, (s) => this.subscriptions.delete(s));
    this.subscriptions.add(subscription);
    return subscription;
  }

  async headPosition(): Promise<bigint | undefined> {
    this.assertOpen();
    try {
      for await (const resolved of this.client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 })) {
        if (resolved.event?.position) return resolved.event.position.commit;
      }
      return undefined;
    } catch (error) {
      throw translateError(error);
    }
  }

  /**
   * Walks $all and collects stream ids. Chosen over the `$streams` system projection because
   * that one only exists when standard projections run, which a default server does not do.
   */
  async listStreams(prefix?: string): Promise<string[]> {
    this.assertOpen();
    const ids = new Set<string>();
    await this.walkAll(undefined, (e) => {
      if (!prefix || e.streamId.startsWith(prefix)) ids.add(e.streamId);
      return true;
    });
    return [...ids].sort();
  }

  async loadCheckpoint(name: string): Promise<bigint | undefined> {
    this.assertOpen();
    try {
      for await (const resolved of this.client.readStream(checkpointStream(name), { direction: BACKWARDS, fromRevision: END, maxCount: 1 })) {
        const data = resolved.event?.data as { position?: unknown } | undefined;
        if (typeof data?.position === 'string') return BigInt(data.position);
      }
      return undefined;
    } catch (error) {
      if (error instanceof StreamNotFoundError) return undefined;
      throw translateError(error);
    }
  }

  async saveCheckpoint(name: string, position: bigint): Promise<void> {
    if (typeof name !== 'string' || name === '') throw new TypeError('saveCheckpoint: name must be a non-empty string');
    if (typeof position !== 'bigint' || position < 0n) throw new TypeError('saveCheckpoint: position must be a non-negative bigint');
    this.assertOpen();
    const stream = checkpointStream(name);
    try {
      if (!this.checkpointStreamsCapped.has(stream)) {
        // Only the last checkpoint matters; the server scavenges the rest.
        await this.client.setStreamMetadata(stream, { maxCount: 1 });
        this.checkpointStreamsCapped.add(stream);
      }
      await this.client.appendToStream(stream, jsonEvent({ type: CHECKPOINT_EVENT_TYPE, data: { position: position.toString() } }));
    } catch (error) {
      throw translateError(error);
    }
  }

  /** Reads one event of a stream that need not exist: any answer from the server, even "not found", is a pulse. */
  /**
   * Not checked: EventStoreDB's positions are offsets in its log, not a dense sequence, so a gap
   * means nothing. A stream deleted through EventStoreDB leaves a tombstone or `$tb` metadata in
   * the log; the log itself is not editable row by row the way a SQLite file is.
   */
  async verifyCompleteness(): Promise<StoreCompleteness> {
    this.assertOpen();
    return { checked: false, ok: true, missing: [], detail: 'EventStoreDB positions are log offsets, not a dense sequence' };
  }

  async ping(): Promise<{ ok: boolean; detail?: string }> {
    if (this.closed) return { ok: false, detail: 'closed' };
    try {
      for await (const _ of this.client.readStream(`${CHECKPOINT_STREAM_PREFIX}ping`, { maxCount: 1, deadline: this.settings.pingDeadlineMs })) break;
      return { ok: true, detail: 'eventstoredb' };
    } catch (error) {
      if (error instanceof StreamNotFoundError) return { ok: true, detail: 'eventstoredb' };
      return { ok: false, detail: errorMessage(error) };
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
    this.closed = true;
    await this.client.dispose();
  }

  private async readStreamEvents(streamId: string, options: { fromRevision?: bigint; maxCount?: number }): Promise<RecordedEvent[]> {
    const out: RecordedEvent[] = [];
    try {
      for await (const resolved of this.client.readStream(streamId, { fromRevision: options.fromRevision ?? START, maxCount: options.maxCount })) {
        if (resolved.event) out.push(toRecorded(resolved.event, resolved.commitPosition));
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw translateError(error);
    }
    return out;
  }

  /** Visits our events in $all after `after` (exclusive) until `visit` returns false or the log ends. */
  private async walkAll(after: bigint | undefined, visit: (e: RecordedEvent) => boolean): Promise<void> {
    let cursor = after;
    let from: ReadPosition = after === undefined ? START : { commit: after, prepare: after };
    const pageSize = this.settings.readPageSize;
    try {
      for (;;) {
        let count = 0;
        let lastPosition: Position | undefined;
        for await (const resolved of this.client.readAll({ fromPosition: from, maxCount: pageSize })) {
          count++;
          const e = resolved.event;
          if (!e?.position) continue;
          lastPosition = e.position;
          // Reads from a position are inclusive: skip what the caller (or the previous page) already has.
          if (cursor !== undefined && e.position.commit <= cursor) continue;
          cursor = e.position.commit;
          if (isInternal(e.streamId, e.type)) continue;
          if (!visit(toRecorded(e, resolved.commitPosition))) return;
        }
        if (count < pageSize || !lastPosition) return;
        from = lastPosition;
      }
    } catch (error) {
      throw translateError(error);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new EventStoreUnavailableError('EventStoreDB event store is closed');
  }
}

/** Catch-up then live over `subscribeToAll`, one event at a time (async iteration applies backpressure). */
class EsdbSubscription implements Subscription {
  private position: bigint | undefined;
  private stopped = false;
  private failed = false;
  private stream: AllStreamSubscription | undefined;
  private readonly done: Promise<void>;

  constructor(
    private readonly client: EventStoreDBClient,
    private readonly options: SubscribeOptions,
    private readonly onFinished: (s: EsdbSubscription) => void,
  ) {
    this.position = options.after;
    this.done = this.run();
  }

  get lastPosition(): bigint | undefined {
    return this.position;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.stream?.unsubscribe().catch(() => undefined);
    await this.done;
  }

  private async run(): Promise<void> {
    await Promise.resolve();
    try {
      if (!this.stopped) await this.consume();
    } catch (error) {
      // After stop() the cancelled stream may end in an error; it is the stop, not a failure.
      if (!this.stopped) this.fail(translateError(error));
    } finally {
      this.stopped = true;
      await this.stream?.unsubscribe().catch(() => undefined);
      this.onFinished(this);
    }
  }

  private async consume(): Promise<void> {
    const { after, handler, onCaughtUp } = this.options;
    let caughtUpSeen = false;
    let handling = false;
    const stream = this.client.subscribeToAll({
      fromPosition: after === undefined ? START : { commit: after, prepare: after },
      filter: serverFilter(this.options),
    });
    this.stream = stream;
    // The server says "caught up" ahead of events still buffered here: report it once they are handled.
    const reportCaughtUp = (): void => {
      if (!caughtUpSeen || handling || stream.readableLength > 0 || this.stopped) return;
      caughtUpSeen = false;
      onCaughtUp?.(this.position);
    };
    stream.on('caughtUp', () => {
      caughtUpSeen = true;
      try {
        reportCaughtUp();
      } catch (error) {
        this.fail(error);
        void stream.unsubscribe().catch(() => undefined);
      }
    });
    for await (const resolved of stream as AsyncIterable<AllStreamResolvedEvent>) {
      if (this.stopped) break;
      const e = resolved.event;
      const position = e?.position?.commit ?? resolved.commitPosition;
      if (!e || position === undefined) continue;
      if (this.position !== undefined && position <= this.position) continue;
      if (isInternal(e.streamId, e.type)) continue;
      const recorded = toRecorded(e, resolved.commitPosition);
      // The server filter is by prefix only; this makes event types exact.
      if (!matchesFilter(recorded, this.options)) continue;
      handling = true;
      try {
        await handler(recorded);
      } catch (error) {
        this.fail(error);
        return;
      }
      handling = false;
      this.position = position;
      reportCaughtUp();
    }
  }

  private fail(error: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.stopped = true;
    if (this.options.onError) {
      try {
        this.options.onError(error);
      } catch {
        // Nowhere left to report to; the subscription is stopped either way.
      }
    } else {
      process.emitWarning(`event-store subscription stopped: ${errorMessage(error)}`);
    }
  }
}

function serverFilter(options: SubscribeOptions): Filter {
  if (options.streamPrefixes && options.streamPrefixes.length > 0) return streamNameFilter({ prefixes: [...options.streamPrefixes] });
  if (options.eventTypes && options.eventTypes.length > 0) return eventTypeFilter({ prefixes: [...options.eventTypes] });
  return excludeSystemEvents();
}

/** System streams and events ($-prefixed) and our checkpoint streams are not facts of the domain. */
function isInternal(streamId: string, type: string): boolean {
  return streamId.startsWith('$') || type.startsWith('$') || streamId.startsWith(CHECKPOINT_STREAM_PREFIX);
}

function checkpointStream(name: string): string {
  return `${CHECKPOINT_STREAM_PREFIX}${name}`;
}

function toRecorded(e: EsdbRecordedEvent, commitPosition: bigint | undefined): RecordedEvent {
  const commit = e.position?.commit;
  const position = commit !== undefined && commit !== NO_POSITION ? commit : (commitPosition ?? -1n);
  return {
    id: e.id,
    streamId: e.streamId,
    revision: Number(e.revision),
    position,
    type: e.type,
    data: e.data as unknown,
    metadata: (isObject(e.metadata) ? e.metadata : {}) as unknown as EventMetadata,
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !(value instanceof Uint8Array) && !Array.isArray(value);
}

/** Connection-level failures become EventStoreUnavailableError; anything else passes through. */
export function translateError(error: unknown): unknown {
  if (error instanceof EventStoreUnavailableError || error instanceof ConcurrencyError) return error;
  if (error instanceof Error && isCommandError(error)) {
    switch (error.type) {
      case ErrorType.UNAVAILABLE:
      case ErrorType.DEADLINE_EXCEEDED:
      case ErrorType.TIMEOUT:
      case ErrorType.NOT_LEADER:
        return new EventStoreUnavailableError(`EventStoreDB unavailable: ${error.message}`, error);
      default:
        return error;
    }
  }
  if (error instanceof Error && /Failed to discover|ECONNREFUSED|ENOTFOUND|14 UNAVAILABLE|No connection established/.test(error.message)) {
    return new EventStoreUnavailableError(`EventStoreDB unavailable: ${error.message}`, error);
  }
  return error;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
