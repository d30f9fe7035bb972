import { DelegatingStore } from '../delegating-store';
import type { AppendOptions, EventStore, NewEvent } from '../event-store.port';

export { DelegatingStore };

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
