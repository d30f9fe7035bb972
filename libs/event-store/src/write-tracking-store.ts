import { EventStoreUnavailableError } from './errors';
import type { AppendOptions, EventStore, NewEvent } from './event-store.port';

/**
 * Any adapter, watched for failing writes: while its last write failed because the store could not
 * take it (a full disk, I/O errors, a lost connection: `EventStoreUnavailableError`), `ping` says
 * not ok, even though reads (what a bare ping tries) still work. The first append that stores an
 * event clears it; a checkpoint saved does not (on a full disk an update in place may still fit
 * while every new event fails). Store-agnostic, so `/health` means the same on every adapter.
 */
export class WriteTrackingStore implements EventStore {
  readonly kind: EventStore['kind'];
  private failing?: { since: string; message: string };

  constructor(
    readonly inner: EventStore,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.kind = inner.kind;
  }

  append(streamId: string, events: readonly NewEvent[], options: AppendOptions): ReturnType<EventStore['append']> {
    return this.track(this.inner.append(streamId, events, options), (result) => result.written);
  }
  saveCheckpoint(name: string, position: bigint): Promise<void> {
    return this.track(this.inner.saveCheckpoint(name, position), () => false);
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
  verifyCompleteness() {
    return this.inner.verifyCompleteness();
  }
  close() {
    return this.inner.close();
  }

  async ping(): Promise<{ ok: boolean; detail?: string }> {
    const answer = await this.inner.ping();
    const failing = this.failing;
    if (!failing || !answer.ok) return answer;
    return { ok: false, detail: `writes failing since ${failing.since}: ${failing.message}` };
  }

  private track<T>(write: Promise<T>, proves: (value: T) => boolean): Promise<T> {
    return write.then(
      (value) => {
        if (this.failing && proves(value)) this.failing = undefined;
        return value;
      },
      (error: unknown) => {
        if (error instanceof EventStoreUnavailableError) this.failing ??= { since: this.now().toISOString(), message: error.message };
        throw error;
      },
    );
  }
}
