import type { EventFilter, EventStore, RecordedEvent } from './event-store.port';

/** Positions one SQLite scan may cover before the reader lets the event loop run (about 20 ms). */
const SQLITE_SCAN_WINDOW = 20_000n;

/**
 * Pulls the store's global order from a remembered position, page by page: the engine of the
 * in-memory read models (rebuildable from position zero by constructing a new one). Calls are
 * serialised, so two concurrent queries never apply a page twice.
 *
 * It remembers how far it has looked, not only the last event it applied: a read model of a rare
 * type (a claim among hundreds of thousands of dispenses) would otherwise rescan the store from
 * its last match on every call. On SQLite, whose reads hold the event loop and whose positions are
 * dense, each scan covers at most `scanWindow` positions, with a turn of the event loop between.
 */
export class CatchUpReader {
  private last: bigint | undefined;
  private scanned: bigint | undefined;
  private pending: Promise<void> = Promise.resolve();
  private readonly scanWindow: bigint | undefined;

  constructor(
    private readonly store: EventStore,
    private readonly filter: EventFilter,
    private readonly apply: (event: RecordedEvent) => void,
    private readonly pageSize = 500,
    scanWindow?: bigint,
  ) {
    this.scanWindow = scanWindow ?? (store.kind === 'sqlite' ? SQLITE_SCAN_WINDOW : undefined);
  }

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
    const head = await this.store.headPosition();
    if (head === undefined) return;
    let after = this.scanned;
    while (after === undefined || after < head) {
      const start = after ?? 0n;
      const upTo = this.scanWindow !== undefined && head - start > this.scanWindow ? start + this.scanWindow : head;
      const page = await this.store.readAll({ ...this.filter, after, upTo, maxCount: this.pageSize });
      for (const e of page) {
        this.apply(e);
        this.last = e.position;
      }
      // A full page may leave matches before upTo; otherwise everything up to it has been seen.
      after = page.length === this.pageSize ? page[page.length - 1].position : upTo;
      this.scanned = after;
      // Let requests in between scans: a reader pulled once a minute (the sweepers' watchlists)
      // had tens of thousands of events to read and held the event loop for 180 ms in the bench.
      if (after < head) await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
}
