import type { EventFilter, RecordedEvent, SubscribeOptions, Subscription } from '../event-store.port';

export interface Batch {
  events: RecordedEvent[];
  /** Every matching event at or before this position has been returned (filtered-out ones need no rescan). */
  scannedTo: bigint;
}

/** SQLite answers in the same turn; a networked store (PostgreSQL) answers with a promise. */
export interface BatchSource {
  readBatch(after: bigint, filter: EventFilter, limit: number): Batch | Promise<Batch>;
}

export interface PollingSettings {
  pollIntervalMs: number;
  batchSize: number;
}

/**
 * Catch-up then live, one event at a time. Woken at once by appends through the same store and
 * every `pollIntervalMs` otherwise, so writes by another process sharing the file are seen too.
 * Calling `stop()` from inside the handler is fine, but do not await it there: stop waits for
 * the in-flight handler, which would be waiting for stop.
 */
export class PollingSubscription implements Subscription {
  private position: bigint | undefined;
  private stopped = false;
  private failed = false;
  private pending = false;
  private wakeUp: (() => void) | undefined;
  private readonly done: Promise<void>;

  constructor(
    private readonly source: BatchSource,
    private readonly options: SubscribeOptions,
    private readonly settings: PollingSettings,
    private readonly onFinished: (s: PollingSubscription) => void,
  ) {
    this.position = options.after;
    this.done = this.run();
  }

  get lastPosition(): bigint | undefined {
    return this.position;
  }

  /** Whether an append of these events to `streamId` concerns this subscription's filter. */
  wants(streamId: string, events: readonly { type: string }[]): boolean {
    const { streamPrefixes, eventTypes } = this.options;
    if (streamPrefixes?.length && !streamPrefixes.some((p) => streamId.startsWith(p))) return false;
    if (eventTypes?.length && !events.some((e) => eventTypes.includes(e.type))) return false;
    return true;
  }

  /** New events may be there: skip the rest of the poll wait. */
  notify(): void {
    this.pending = true;
    this.wakeUp?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeUp?.();
    await this.done;
  }

  private async run(): Promise<void> {
    // Let subscribe() return before the first delivery, so a handler may refer to its subscription.
    await Promise.resolve();
    const { handler, onCaughtUp } = this.options;
    const filter: EventFilter = { streamPrefixes: this.options.streamPrefixes, eventTypes: this.options.eventTypes };
    let cursor = this.options.after ?? 0n;
    let reportCaughtUp = true;
    try {
      while (!this.stopped) {
        this.pending = false;
        const read = this.source.readBatch(cursor, filter, this.settings.batchSize);
        // Awaited only when it is a promise: SQLite's synchronous path keeps its exact timing.
        const batch = read instanceof Promise ? await read : read;
        if (this.stopped) return;
        for (const event of batch.events) {
          if (this.stopped) return;
          await handler(event);
          this.position = event.position;
          cursor = event.position;
        }
        if (this.stopped) return;
        if (batch.scannedTo > cursor) cursor = batch.scannedTo;
        if (batch.events.length > 0) {
          // Read again before declaring "caught up": more may have arrived while the handler ran.
          reportCaughtUp = true;
          continue;
        }
        if (reportCaughtUp) {
          reportCaughtUp = false;
          onCaughtUp?.(this.position);
        }
        await this.waitForWake();
      }
    } catch (error) {
      this.fail(error);
    } finally {
      this.stopped = true;
      this.onFinished(this);
    }
  }

  private waitForWake(): Promise<void> {
    if (this.pending || this.stopped) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        resolve();
      };
      // Unref'd: a forgotten subscription must not keep a test run or a CLI alive on its own.
      const timer = setTimeout(wake, this.settings.pollIntervalMs);
      timer.unref();
      this.wakeUp = wake;
    });
  }

  private fail(error: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.stopped = true;
    if (this.options.onError) {
      try {
        this.options.onError(error);
      } catch {
        // An onError that throws has nowhere left to report to; the subscription is stopped either way.
      }
    } else process.emitWarning(`event-store subscription stopped: ${error instanceof Error ? error.message : String(error)}`);
  }
}
