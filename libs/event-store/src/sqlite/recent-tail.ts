import type { EventFilter, EventMetadata, RecordedEvent } from '../event-store.port';
import type { Batch } from './sqlite-subscription';

/** An event as this connection just committed it: the stored columns, not shared objects. */
export interface TailRow {
  position: bigint;
  streamId: string;
  revision: number;
  id: string;
  type: string;
  data: string;
  metadata: string;
}

/**
 * The last events this connection committed, kept in memory so live subscriptions read what was
 * just written without a query. Holds a run of consecutive positions only: an own commit that
 * does not continue the run (another connection wrote in between) restarts it. So what it
 * returns is exactly what the file holds between a reader's position and the run's end; past the
 * end, the store asks SQLite's `data_version` whether another connection wrote, and clears the
 * run if so. When it cannot answer the reader goes to SQLite, as before.
 */
export class RecentTail {
  private rows: TailRow[] = [];
  /** Index in `rows` of the oldest kept event (evicted ones are dropped in chunks). */
  private first = 0;

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.rows.length - this.first;
  }

  /** Append committed rows, in position order. */
  push(row: TailRow): void {
    const last = this.size > 0 ? this.rows[this.rows.length - 1] : undefined;
    if (last && row.position !== last.position + 1n) this.clear();
    this.rows.push(row);
    if (this.size > this.capacity) {
      this.first += this.size - this.capacity;
      if (this.first >= this.capacity) {
        this.rows = this.rows.slice(this.first);
        this.first = 0;
      }
    }
  }

  /** Whether `position` is the newest kept event. */
  endsAt(position: bigint): boolean {
    return this.size > 0 && this.rows[this.rows.length - 1].position === position;
  }

  clear(): void {
    this.rows = [];
    this.first = 0;
  }

  /**
   * The batch after `after`, or undefined when the kept run cannot answer for it (empty, or the
   * reader is behind the oldest kept event or beyond the newest).
   */
  read(after: bigint, filter: EventFilter, limit: number): Batch | undefined {
    if (this.size === 0 || limit < 1) return undefined;
    const start = this.rows[this.first].position;
    const end = this.rows[this.rows.length - 1].position;
    if (after < start - 1n || after > end) return undefined;
    const { streamPrefixes, eventTypes } = filter;
    const events: RecordedEvent[] = [];
    for (let i = this.first + Number(after - start + 1n); i < this.rows.length; i++) {
      const row = this.rows[i];
      if (streamPrefixes?.length && !streamPrefixes.some((p) => row.streamId.startsWith(p))) continue;
      if (eventTypes?.length && !eventTypes.includes(row.type)) continue;
      events.push(toRecorded(row));
      if (events.length === limit) return { events, scannedTo: row.position };
    }
    return { events, scannedTo: end };
  }
}

/** Parsed afresh per reader, exactly like a row read from the file: handlers may not share objects. */
export function toRecorded(row: TailRow): RecordedEvent {
  return {
    id: row.id,
    streamId: row.streamId,
    revision: row.revision,
    position: row.position,
    type: row.type,
    data: JSON.parse(row.data) as unknown,
    metadata: JSON.parse(row.metadata) as EventMetadata,
  };
}
