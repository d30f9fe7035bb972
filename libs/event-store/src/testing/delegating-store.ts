import type { AppendOptions, EventStore, NewEvent } from '../event-store.port';

/** An EventStore that hands every call to another; test doubles override only what they change. */
export class DelegatingStore implements EventStore {
  readonly kind: EventStore['kind'];

  constructor(protected readonly inner: EventStore) {
    this.kind = inner.kind;
  }

  append(streamId: string, events: readonly NewEvent[], options: AppendOptions): ReturnType<EventStore['append']> {
    return this.inner.append(streamId, events, options);
  }
  readStream(...args: Parameters<EventStore['readStream']>) {
    return this.inner.readStream(...args);
  }
  readAll(...args: Parameters<EventStore['readAll']>) {
    return this.inner.readAll(...args);
  }
  subscribe(...args: Parameters<EventStore['subscribe']>) {
    return this.inner.subscribe(...args);
  }
  headPosition() {
    return this.inner.headPosition();
  }
  listStreams(...args: Parameters<EventStore['listStreams']>) {
    return this.inner.listStreams(...args);
  }
  loadCheckpoint(name: string) {
    return this.inner.loadCheckpoint(name);
  }
  saveCheckpoint(name: string, position: bigint) {
    return this.inner.saveCheckpoint(name, position);
  }
  verifyCompleteness() {
    return this.inner.verifyCompleteness();
  }
  ping() {
    return this.inner.ping();
  }
  close() {
    return this.inner.close();
  }
}

/**
 * Appends wait `delayMs` on a timer first, as a networked store's (EventStoreDB) wait on a round
 * trip: concurrent commands then interleave the way they do there, which the in-process SQLite
 * store, committing within one turn of the event loop, hardly ever lets them do.
 */
export class LatentStore extends DelegatingStore {
  constructor(
    inner: EventStore,
    private readonly delayMs = 5,
  ) {
    super(inner);
  }

  override async append(streamId: string, events: readonly NewEvent[], options: AppendOptions): ReturnType<EventStore['append']> {
    await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    return this.inner.append(streamId, events, options);
  }
}
