import { EventStoreUnavailableError } from './errors';
import type { AppendOptions, NewEvent } from './event-store.port';
import { SqliteEventStore } from './sqlite/sqlite-event-store';
import { DelegatingStore } from './testing/delegating-store';
import { newEvent } from './testing/event-store.contract';
import { WriteTrackingStore } from './write-tracking-store';

/** A store whose appends fail while `full` is set, as on a full disk; checkpoints still fit. */
class FillableStore extends DelegatingStore {
  full = false;
  override append(streamId: string, events: readonly NewEvent[], options: AppendOptions) {
    if (this.full) return Promise.reject(new EventStoreUnavailableError('disk full'));
    return super.append(streamId, events, options);
  }
}

describe('WriteTrackingStore', () => {
  it('given appends failing as unavailable, ping says not ok (reads still work) until an append stores again; a checkpoint saved proves nothing', async () => {
    const inner = new FillableStore(new SqliteEventStore(':memory:'));
    const store = new WriteTrackingStore(inner, () => new Date('2026-03-02T10:00:00.000Z'));
    expect((await store.ping()).ok).toBe(true);

    inner.full = true;
    await expect(store.append('s-1', [newEvent('A')], { expectedRevision: 'no_stream' })).rejects.toBeInstanceOf(EventStoreUnavailableError);
    expect(await store.ping()).toEqual({ ok: false, detail: 'writes failing since 2026-03-02T10:00:00.000Z: disk full' });
    await store.saveCheckpoint('relay', 1n);
    expect((await store.ping()).ok).toBe(false);

    inner.full = false;
    await store.append('s-1', [newEvent('A')], { expectedRevision: 'no_stream' });
    expect((await store.ping()).ok).toBe(true);
    await store.close();
  });

  it('other failures (a conflict, a bad append) are the command\'s, not the store\'s: ping stays ok', async () => {
    const store = new WriteTrackingStore(new SqliteEventStore(':memory:'));
    await store.append('s-1', [newEvent('A')], { expectedRevision: 'no_stream' });
    await expect(store.append('s-1', [newEvent('B')], { expectedRevision: 'no_stream' })).rejects.toThrow();
    expect((await store.ping()).ok).toBe(true);
    await store.close();
  });
});
