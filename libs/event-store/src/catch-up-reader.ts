import type { EventFilter, EventStore, RecordedEvent } from './event-store.port';

/**
 * Pulls the store's global order from a remembered position, page by page: the engine of the
 * in-memory read models (rebuildable from position zero by constructing a new one). Calls are
 * serialised, so two concurrent queries never apply a page twice.
 */
export class CatchUpReader {
  private last: bigint | undefined;
  private pending: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: EventStore,
    private readonly filter: EventFilter,
    private readonly apply: (event: RecordedEvent) => void,
    private readonly pageSize = 500,
  ) {}

  /** Position of the last event applied. */
  get position(): bigint | undefined {
    return this.last;
  }

  /** Applies every matching event committed before the call; resolves when caught up. */
  catchUp(): Promise<void> {
    const run = this.pending.then(() => this.pull());
    this.pending = run.catch(() => undefined);
    return run;
  }

  private async pull(): Promise<void> {
    for (;;) {
      const page = await this.store.readAll({ ...this.filter, after: this.last, maxCount: this.pageSize });
      for (const e of page) {
        this.apply(e);
        this.last = e.position;
      }
      if (page.length < this.pageSize) return;
      // Let requests in between pages: a reader pulled once a minute (the sweepers' watchlists)
      // had tens of thousands of events to read and held the event loop for 180 ms in the bench.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
}
