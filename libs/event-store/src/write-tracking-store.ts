import { DelegatingStore } from './delegating-store';
import { EventStoreUnavailableError } from './errors';
import type { AppendOptions, EventStore, NewEvent } from './event-store.port';

/**
 * Any adapter, watched for failing writes: while its last write failed because the store could not
 * take it (a full disk, I/O errors, a lost connection: `EventStoreUnavailableError`), `ping` says
 * not ok, even though reads (what a bare ping tries) still work. The first append that stores an
 * event clears it; a checkpoint saved does not (on a full disk an update in place may still fit
 * while every new event fails). Store-agnostic, so `/health` means the same on every adapter.
 */
export class WriteTrackingStore extends DelegatingStore {
  private failing?: { since: string; message: string };

  constructor(
    override readonly inner: EventStore,
    private readonly now: () => Date = () => new Date(),
  ) {
    super(inner);
  }

  override append(streamId: string, events: readonly NewEvent[], options: AppendOptions): ReturnType<EventStore['append']> {
    return this.track(this.inner.append(streamId, events, options), (result) => result.written);
  }
  override saveCheckpoint(name: string, position: bigint): Promise<void> {
    return this.track(this.inner.saveCheckpoint(name, position), () => false);
  }

  override async ping(): Promise<{ ok: boolean; detail?: string }> {
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
