import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConcurrencyError, EventStoreUnavailableError } from '../errors';
import type { RecordedEvent } from '../event-store.port';
import { newEvent } from '../testing/event-store.contract';
import { RecentTail } from './recent-tail';
import { SqliteEventStore, type SqliteEventStoreOptions } from './sqlite-event-store';

const POLL_MS = 20;

/** Bounded wait: up to `tries` × 20 ms for `condition`, then fails naming `what`. */
async function eventually(condition: () => boolean, what: string, tries = 200): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (condition()) return;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  if (!condition()) throw new Error(`gave up after ${tries} × ${POLL_MS} ms waiting for ${what}`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('SqliteEventStore recent tail, checkpoints and WAL checkpointer (files)', () => {
  let dir: string;
  const stores: SqliteEventStore[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'rx-sqlite-tail-'));
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
    jest.restoreAllMocks();
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const newFile = (): string => join(dir, `${randomUUID()}.sqlite`);
  const open = (file: string, options: SqliteEventStoreOptions = {}): SqliteEventStore => {
    const store = new SqliteEventStore(file, { pollIntervalMs: POLL_MS, ...options });
    stores.push(store);
    return store;
  };
  const collect = (store: SqliteEventStore, options: { streamPrefixes?: string[] } = {}) => {
    const got: RecordedEvent[] = [];
    const errors: unknown[] = [];
    const subscription = store.subscribe({ ...options, handler: (e) => void got.push(e), onError: (e) => void errors.push(e) });
    return { got, errors, subscription };
  };
  const expectInOrderWithoutGapsOrDuplicates = (got: RecordedEvent[], all: RecordedEvent[]) => {
    expect(got.map((e) => e.position)).toEqual(all.map((e) => e.position));
    expect(got.map((e) => e.id)).toEqual(all.map((e) => e.id));
    expect(new Set(got.map((e) => e.id)).size).toBe(got.length);
    for (let i = 1; i < got.length; i++) expect(got[i].position).toBe(got[i - 1].position + 1n);
  };

  describe('two stores on one file', () => {
    it('given a subscription on A, when A and B append alternately (waiting for each), then B appends alone, then A sees every event in order without gaps or duplicates', async () => {
      const file = newFile();
      const a = open(file);
      const b = open(file);
      const { got, errors, subscription } = collect(a);

      let expected = 0;
      for (let i = 0; i < 10; i++) {
        const writer = i % 2 === 0 ? a : b;
        await writer.append(`visit-${randomUUID()}`, [newEvent('Seen', { i }), newEvent('Noted', { i })], { expectedRevision: 'no_stream' });
        expected += 2;
        await eventually(() => got.length >= expected, `event ${expected} (alternating, i=${i})`);
      }
      // A never writes again: B's events arrive only through A's polling of the file.
      for (let i = 0; i < 5; i++) {
        await b.append(`visit-${randomUUID()}`, [newEvent('Seen', { i, only: 'B' })], { expectedRevision: 'no_stream' });
        expected += 1;
        await eventually(() => got.length >= expected, `event ${expected} (B only, i=${i})`);
      }

      const all = await a.readAll();
      expect(all).toHaveLength(expected);
      expectInOrderWithoutGapsOrDuplicates(got, all);
      expect(errors).toEqual([]);
      expect(subscription.lastPosition).toBe(all[all.length - 1].position);
    });

    it('given a subscription on A, when A and B append alternately without waiting, then B appends alone, then A sees every event in order without gaps or duplicates', async () => {
      const file = newFile();
      const a = open(file);
      const b = open(file);
      const { got, errors } = collect(a);

      for (let i = 0; i < 40; i++) {
        const writer = i % 2 === 0 ? a : b;
        await writer.append(`visit-${randomUUID()}`, [newEvent('Seen', { i })], { expectedRevision: 'no_stream' });
        if (i % 7 === 0) await sleep(1); // let the subscription run between some writes
      }
      for (let i = 0; i < 10; i++) await b.append(`visit-${randomUUID()}`, [newEvent('Seen', { i, only: 'B' })], { expectedRevision: 'no_stream' });

      await eventually(() => got.length >= 50, '50 events');
      const all = await a.readAll();
      expect(all).toHaveLength(50);
      expectInOrderWithoutGapsOrDuplicates(got, all);
      expect(errors).toEqual([]);
    });

    it('given a subscription on A caught up from its own appends, when only B appends to the same stream, then A sees them', async () => {
      const file = newFile();
      const a = open(file);
      const b = open(file);
      const { got } = collect(a);
      const stream = `chart-${randomUUID()}`;
      await a.append(stream, [newEvent('Opened')], { expectedRevision: 'no_stream' });
      await a.append(stream, [newEvent('Updated')], { expectedRevision: 0 });
      await eventually(() => got.length === 2, 'A’s own events');

      await b.append(stream, [newEvent('Closed')], { expectedRevision: 1 });
      await eventually(() => got.length === 3, 'B’s event after A’s last own append');
      expect(got.map((e) => [e.streamId, e.revision, e.type])).toEqual([
        [stream, 0, 'Opened'],
        [stream, 1, 'Updated'],
        [stream, 2, 'Closed'],
      ]);
    });
  });

  it('given a stream-prefix subscription, when matching and other events are appended, then it receives only the matching ones, served from the tail', async () => {
    const read = jest.spyOn(RecentTail.prototype, 'read');
    const store = open(newFile());
    const prefix = `dispensation-${randomUUID().slice(0, 8)}-`;
    const { got, errors } = collect(store, { streamPrefixes: [prefix] });

    const matching: string[] = [];
    for (let i = 0; i < 6; i++) {
      await store.append(`other-${randomUUID()}`, [newEvent('Noise', { i })], { expectedRevision: 'no_stream' });
      const e = newEvent('Dispensed', { i });
      matching.push(e.id);
      await store.append(`${prefix}${i}`, [e], { expectedRevision: 'no_stream' });
      await store.append(`other-${randomUUID()}`, [newEvent('Noise', { i })], { expectedRevision: 'no_stream' });
      await eventually(() => got.length === i + 1, `matching event ${i}`);
    }

    expect(got.map((e) => e.id)).toEqual(matching);
    expect(got.every((e) => e.streamId.startsWith(prefix))).toBe(true);
    expect(await store.readAll()).toHaveLength(18);
    expect(errors).toEqual([]);
    const servedByTail = read.mock.results
      .map((r) => r.value as { events: RecordedEvent[] } | undefined)
      .flatMap((batch) => batch?.events ?? [])
      .map((e) => e.id);
    expect(servedByTail).toEqual(expect.arrayContaining(matching));
  });

  describe('streams read through the cache', () => {
    it('given A has read a stream, when B appends to it, then A reads B\'s event at once', async () => {
      const file = newFile();
      const a = open(file);
      const b = open(file);
      await a.append('rx-1', [newEvent('One')], { expectedRevision: 'no_stream' });
      expect((await a.readStream('rx-1')).map((e) => e.type)).toEqual(['One']);
      await b.append('rx-1', [newEvent('Two')], { expectedRevision: 0 });
      expect((await a.readStream('rx-1')).map((e) => e.type)).toEqual(['One', 'Two']);
    });

    it('given A decided on a stream B has since extended, when A appends, then it conflicts once and a fresh read decides right', async () => {
      const file = newFile();
      const a = open(file);
      const b = open(file);
      await a.append('rx-1', [newEvent('One')], { expectedRevision: 'no_stream' });
      const seenByA = await a.readStream('rx-1');
      await b.append('rx-1', [newEvent('Two')], { expectedRevision: 0 });
      await expect(a.append('rx-1', [newEvent('Three')], { expectedRevision: seenByA.length - 1 })).rejects.toBeInstanceOf(ConcurrencyError);
      const fresh = await a.readStream('rx-1');
      await a.append('rx-1', [newEvent('Three')], { expectedRevision: fresh.length - 1 });
      expect((await b.readStream('rx-1')).map((e) => e.type)).toEqual(['One', 'Two', 'Three']);
    });

    it('given a cached stream, when it is read with fromRevision and maxCount, then the same slice as the file comes back, as fresh objects', async () => {
      const cached = open(newFile());
      const uncached = open(newFile(), { cachedStreams: 0 });
      for (const store of [cached, uncached]) {
        for (let i = 0; i < 5; i++) await store.append('rx-1', [{ ...newEvent('N', { i }), id: `00000000-0000-4000-8000-00000000000${i}` }], { expectedRevision: i === 0 ? 'no_stream' : i - 1 });
      }
      const slice = async (store: SqliteEventStore, fromRevision?: number, maxCount?: number) =>
        (await store.readStream('rx-1', { fromRevision, maxCount })).map((e) => [e.revision, e.id, e.data]);
      for (const [from, max] of [[undefined, undefined], [2, undefined], [1, 2], [4, 10], [7, undefined], [0, 0]] as const) {
        expect(await slice(cached, from, max)).toEqual(await slice(uncached, from, max));
      }
      const first = await cached.readStream('rx-1');
      (first[0].data as { i: number }).i = 99;
      expect((await cached.readStream('rx-1'))[0].data).toEqual({ i: 0 });
    });

    it('given a stream that does not exist yet, when another connection creates it, then it is no longer empty for the reader', async () => {
      const file = newFile();
      const a = open(file);
      const b = open(file);
      expect(await a.readStream('rx-new')).toEqual([]);
      await b.append('rx-new', [newEvent('One')], { expectedRevision: 'no_stream' });
      expect((await a.readStream('rx-new')).map((e) => e.type)).toEqual(['One']);
    });
  });

  describe('checkpoints', () => {
    it('given saved checkpoints, when loaded, then they round-trip and the latest save wins', async () => {
      const store = open(newFile());
      expect(await store.loadCheckpoint('relay')).toBeUndefined();
      await store.saveCheckpoint('relay', 5n);
      expect(await store.loadCheckpoint('relay')).toBe(5n);
      await store.saveCheckpoint('relay', 7n);
      await store.saveCheckpoint('projector', 0n);
      expect(await store.loadCheckpoint('relay')).toBe(7n);
      expect(await store.loadCheckpoint('projector')).toBe(0n);
      expect(await store.loadCheckpoint('unknown')).toBeUndefined();
    });

    it('given an append and a saveCheckpoint in the same tick, when awaited together, then both resolve and both are stored', async () => {
      const file = newFile();
      const store = open(file);
      const stream = `prescription-${randomUUID()}`;
      const [appended, saved] = await Promise.all([
        store.append(stream, [newEvent('Issued')], { expectedRevision: 'no_stream' }),
        store.saveCheckpoint('relay', 42n),
      ]);
      expect(appended).toMatchObject({ written: true, nextExpectedRevision: 0 });
      expect(saved).toBeUndefined();
      expect(await store.loadCheckpoint('relay')).toBe(42n);
      expect((await store.readStream(stream)).map((e) => e.type)).toEqual(['Issued']);

      // Checkpoint first, then appends, in one tick.
      const [, second, third] = await Promise.all([
        store.saveCheckpoint('relay', appended.position),
        store.append(stream, [newEvent('Dispensed')], { expectedRevision: 0 }),
        store.append(`prescription-${randomUUID()}`, [newEvent('Issued')], { expectedRevision: 'no_stream' }),
      ]);
      expect(second.written && third.written).toBe(true);
      expect(await store.loadCheckpoint('relay')).toBe(appended.position);
      expect(await store.readStream(stream)).toHaveLength(2);

      // Visible to another connection on the file.
      const other = open(file);
      expect(await other.loadCheckpoint('relay')).toBe(appended.position);
    });

    it('given a refused append in the same tick, when a checkpoint is saved alongside, then the checkpoint is still stored', async () => {
      const store = open(newFile());
      const stream = `claim-${randomUUID()}`;
      await store.append(stream, [newEvent('Claimed')], { expectedRevision: 'no_stream' });
      const [stale, saved] = await Promise.allSettled([
        store.append(stream, [newEvent('Claimed')], { expectedRevision: 'no_stream' }),
        store.saveCheckpoint('relay', 9n),
      ]);
      expect(stale.status === 'rejected' && stale.reason).toBeInstanceOf(ConcurrencyError);
      expect(saved.status).toBe('fulfilled');
      expect(await store.loadCheckpoint('relay')).toBe(9n);
      expect(await store.readStream(stream)).toHaveLength(1);
    });

    it('given a saveCheckpoint not yet flushed, when the store is closed, then it is stored before close resolves', async () => {
      const file = newFile();
      const store = open(file);
      const saving = store.saveCheckpoint('relay', 3n);
      await store.close();
      await expect(saving).resolves.toBeUndefined();
      expect(await open(file).loadCheckpoint('relay')).toBe(3n);
    });

    it('given a closed store, when saveCheckpoint is called, then it rejects', async () => {
      const store = open(newFile());
      await store.saveCheckpoint('relay', 1n);
      await store.close();
      await expect(store.saveCheckpoint('relay', 2n)).rejects.toBeInstanceOf(EventStoreUnavailableError);
    });
  });

  describe('WAL checkpoints', () => {
    const EVENTS = 300;
    const appendKilobyteEvents = async (store: SqliteEventStore): Promise<void> => {
      for (let s = 0; s < EVENTS / 10; s++) {
        const events = Array.from({ length: 10 }, (_, i) => newEvent('Recorded', { i, blob: 'x'.repeat(1000) }));
        await store.append(`record-${randomUUID()}`, events, { expectedRevision: 'no_stream' });
      }
    };
    /** Roughly what the events take once copied into the main file. */
    const GROWN_BYTES = EVENTS * 1000;

    it('given the default background checkpointer, when ~300 KB of events are appended, then the main database file grows on disk', async () => {
      const file = newFile();
      const store = open(file);
      const before = statSync(file).size;
      await appendKilobyteEvents(store);
      await eventually(() => statSync(file).size >= before + GROWN_BYTES, 'the main file to receive the WAL');
      expect(statSync(file).size).toBeGreaterThanOrEqual(before + GROWN_BYTES);
    });

    it('given walCheckpoint inline, when the same events are appended, then the main database file does not grow meanwhile', async () => {
      const file = newFile();
      const store = open(file, { walCheckpoint: 'inline' });
      const before = statSync(file).size;
      await appendKilobyteEvents(store);
      // Four background intervals: long enough for a checkpointer, were there one, to have run.
      await sleep(1000);
      expect(statSync(file).size).toBe(before);
      expect(statSync(`${file}-wal`).size).toBeGreaterThan(GROWN_BYTES);
    });

    it('given background checkpoints have run, when the store is closed, then close resolves and the file reopens with every event', async () => {
      const file = newFile();
      const store = open(file);
      const { got } = collect(store);
      const before = statSync(file).size;
      await appendKilobyteEvents(store);
      await eventually(() => statSync(file).size >= before + GROWN_BYTES, 'a background checkpoint');
      await eventually(() => got.length === EVENTS, 'the subscription to catch up');

      await store.close();
      expect(existsSync(`${file}-wal`)).toBe(false);

      const reopened = open(file);
      const all = await reopened.readAll({ maxCount: EVENTS + 10 });
      expect(all).toHaveLength(EVENTS);
      expect(all.map((e) => e.id)).toEqual(got.map((e) => e.id));
    });

    describe('under appends that never pause', () => {
      /**
       * 4,000 commits of one small event each (well over the 10,000-page safety net in WAL frames),
       * with the event loop turning every few commits as a server's I/O makes it: some commit always
       * lands while a background pass copies, so that pass never leaves the WAL fully copied.
       * Jest's 5 s default is too short on a loaded 2-core machine (it timed out at load 11).
       */
      const appendSteadily = async (store: SqliteEventStore): Promise<void> => {
        for (let n = 0; n < 4000; n++) {
          await store.append(`record-${randomUUID()}`, [newEvent('Recorded', { n, blob: 'x'.repeat(200) })], { expectedRevision: 'no_stream' });
          if (n % 5 === 4) await sleep(1);
        }
      };
      const SAFETY_NET_WAL_BYTES = 10_000 * (4096 + 24);
      // The WAL's restart is what is tested, the same under either durability; NORMAL spares the
      // 4,000 fsyncs that FULL (the default) would add, seconds on this disk.
      const steady = { synchronous: 'NORMAL' } as const;

      it('given walRestartFrames, when the WAL passes it, then the writer restarts the WAL and its file stays small', async () => {
        const file = newFile();
        const store = open(file, { ...steady, walRestartFrames: 200 });
        await appendSteadily(store);
        // The WAL file keeps its largest size; restarted every pass, that stays far below the safety net's.
        expect(statSync(`${file}-wal`).size).toBeLessThan(0.75 * SAFETY_NET_WAL_BYTES);
        expect(await store.readAll({ maxCount: 5000 })).toHaveLength(4000);
      }, 60_000);

      it('given the restart left to the safety net, when the same events are appended, then the WAL file grows with them', async () => {
        const file = newFile();
        const store = open(file, { ...steady, walRestartFrames: Number.MAX_SAFE_INTEGER });
        await appendSteadily(store);
        expect(statSync(`${file}-wal`).size).toBeGreaterThanOrEqual(SAFETY_NET_WAL_BYTES);
      }, 60_000);
    });

    it('given an unknown walCheckpoint, when constructing, then it throws naming walCheckpoint', () => {
      expect(() => new SqliteEventStore(newFile(), { walCheckpoint: 'sometimes' as never })).toThrow(Error);
      expect(() => new SqliteEventStore(newFile(), { walCheckpoint: 'sometimes' as never })).toThrow(/walCheckpoint/);
    });

    it('given walRestartFrames below one or not a number, when constructing, then it throws naming walRestartFrames', () => {
      for (const bad of [0, -5, Number.NaN, '100' as never]) expect(() => new SqliteEventStore(newFile(), { walRestartFrames: bad })).toThrow(/walRestartFrames/);
    });

    it('given a subscription batch size below one, when constructing, then it throws naming subscriptionBatchSize', () => {
      for (const bad of [0, -1, 1.5]) expect(() => new SqliteEventStore(newFile(), { subscriptionBatchSize: bad })).toThrow(/subscriptionBatchSize/);
    });
  });
});
