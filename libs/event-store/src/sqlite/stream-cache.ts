import type { TailRow } from './recent-tail';

/**
 * Streams this connection created, whole, least recently used dropped first, so a command's load
 * (read, fold, decide, append) on a stream written moments ago skips the query: SQLite answers a
 * read right after a write in twice the time of a plain one. Filled by own commits only, never by
 * reads, so a reader walking old streams (an audit history, a verification) churns nothing. Own
 * commits extend a cached stream; anything else that might have changed it drops it. Another
 * connection's writes are noticed by the store (`data_version`), which then clears the cache; an
 * append decided on a stream it has not noticed yet fails its expected-revision check, drops the
 * stream here, and its retry reads the file.
 */
export class StreamCache {
  private readonly streams = new Map<string, TailRow[]>();
  /**
   * Streams a read found empty. A command reads its stream before creating it (a new
   * prescription, a payment), and some commands read a stream that usually never exists (a
   * pharmacy's dissolution record): the same coherence rules let those reads skip the query too.
   * Kept apart from `streams` so a walk over missing streams never evicts a real one.
   */
  private readonly absent = new Set<string>();

  constructor(private readonly capacity: number) {}

  get enabled(): boolean {
    return this.capacity > 0;
  }

  has(streamId: string): boolean {
    return this.streams.has(streamId) || this.absent.has(streamId);
  }

  get(streamId: string): readonly TailRow[] | undefined {
    if (this.absent.has(streamId)) return NO_ROWS;
    const rows = this.streams.get(streamId);
    if (rows) {
      this.streams.delete(streamId);
      this.streams.set(streamId, rows);
    }
    return rows;
  }

  /** The whole stream. */
  remember(streamId: string, rows: TailRow[]): void {
    if (!this.enabled) return;
    this.streams.delete(streamId);
    this.streams.set(streamId, rows);
    while (this.streams.size > this.capacity) this.streams.delete(this.streams.keys().next().value as string);
  }

  /** A read found no event in this stream. */
  rememberAbsent(streamId: string): void {
    if (!this.enabled || this.streams.has(streamId)) return;
    this.absent.delete(streamId);
    this.absent.add(streamId);
    if (this.absent.size > this.capacity) this.absent.delete(this.absent.values().next().value as string);
  }

  /** Rows this connection committed to one stream, in revision order. */
  committed(streamId: string, rows: readonly TailRow[]): void {
    if (rows.length === 0) return;
    this.absent.delete(streamId);
    const cached = this.streams.get(streamId);
    if (cached && cached.length === rows[0].revision) {
      cached.push(...rows);
      this.get(streamId);
    } else if (rows[0].revision === 0) this.remember(streamId, [...rows]);
    else this.streams.delete(streamId);
  }

  forget(streamId: string): void {
    this.streams.delete(streamId);
    this.absent.delete(streamId);
  }

  clear(): void {
    this.streams.clear();
    this.absent.clear();
  }
}

const NO_ROWS: readonly TailRow[] = Object.freeze([]);
