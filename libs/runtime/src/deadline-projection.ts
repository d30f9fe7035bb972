import { CatchUpReader, type EventFilter, type EventStore, type RecordedEvent } from '@rx/event-store';

/**
 * A read model of open things and when they fall due (prescription validity, claim lapses), for
 * a sweeper. In memory, pulled from the store and rebuildable from position zero. It only
 * nominates candidates: the decider decides, so a stale entry costs one no-op command.
 */
export abstract class DeadlineProjection {
  private readonly deadlines = new Map<string, number>();
  private readonly reader: CatchUpReader;

  protected constructor(store: EventStore, filter: EventFilter) {
    this.reader = new CatchUpReader(store, filter, (e) => this.apply(e));
  }

  catchUp(): Promise<void> {
    return this.reader.catchUp();
  }

  /** Ids due at or before `now`, earliest first. */
  due(now: Date): string[] {
    return [...this.deadlines.entries()]
      .filter(([, at]) => at <= now.getTime())
      .sort((a, b) => a[1] - b[1])
      .map(([id]) => id);
  }

  forget(id: string): void {
    this.deadlines.delete(id);
  }

  protected watch(id: string, dueAt: string | number): void {
    this.deadlines.set(id, typeof dueAt === 'number' ? dueAt : Date.parse(dueAt));
  }

  protected abstract apply(event: RecordedEvent): void;
}
