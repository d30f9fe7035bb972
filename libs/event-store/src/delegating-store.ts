import type { AppendOptions, EventStore, NewEvent } from './event-store.port';

/** An EventStore that hands every call to another: decorators and test doubles override only what they change. */
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
