import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ConcurrencyError, EventStoreUnavailableError } from '../errors';
import { createEventStore } from '../event-store.factory';
import type { RecordedEvent } from '../event-store.port';
import { verifyStream } from '../integrity';
import { describeEventStoreContract, newEvent, waitFor } from '../testing/event-store.contract';
import { readAllSql, SqliteEventStore } from './sqlite-event-store';

const dirs: string[] = [];
function tempFile(name = 'rx.sqlite'): string {
  const dir = mkdtempSync(join(tmpdir(), 'rx-event-store-'));
  dirs.push(dir);
  return join(dir, 'nested', name);
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describeEventStoreContract('sqlite file', async () => new SqliteEventStore(tempFile(), { pollIntervalMs: 50 }));
describeEventStoreContract('sqlite :memory:', async () => createEventStore('sqlite::memory:'));

describe('SqliteEventStore', () => {
  const stores: SqliteEventStore[] = [];
  const open = (path: string, options?: ConstructorParameters<typeof SqliteEventStore>[1]) => {
    const store = new SqliteEventStore(path, options);
    stores.push(store);
    return store;
  };
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
  });
  /** Two connections to one file, as two instances of an app share it. */
  const twoStoresOnOneFile = (): [SqliteEventStore, SqliteEventStore] => {
    const file = tempFile();
    return [open(file), open(file)];
  };

  it('creates the parent directory and opens the file in WAL mode', () => {
    const file = tempFile();
    open(file);
    expect(existsSync(file)).toBe(true);
    const raw = new Database(file, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
  });

  it('fsyncs every commit by default (synchronous=FULL); NORMAL only when asked for', async () => {
    expect(open(tempFile()).synchronous).toBe('FULL');
    expect(open(tempFile(), { synchronous: 'NORMAL' }).synchronous).toBe('NORMAL');
    expect((await open(tempFile()).ping()).detail).toContain('synchronous=FULL');
    expect(() => open(tempFile(), { synchronous: 'OFF' as never })).toThrow(/synchronous must be NORMAL or FULL/);
  });

  it('a full file (its page cap reached, as a full disk) fails appends as unavailable, refuses nothing else, and takes writes again once it has room', async () => {
    const file = tempFile();
    const store = open(file, { maxPageCount: 16, walCheckpoint: 'inline' });
    const id = `prescription-${randomUUID()}`;
    const big = 'x'.repeat(3000);
    let failure: unknown;
    let written = 0;
    for (let i = 0; i < 100 && !failure; i++) {
      try {
        await store.append(id, [newEvent('Big', { big, i })], { expectedRevision: written - 1 < 0 ? 'no_stream' : written - 1 });
        written++;
      } catch (e) {
        failure = e;
      }
    }
    expect(failure).toBeInstanceOf(EventStoreUnavailableError);
    expect((failure as Error).message).toMatch(/SQLITE_FULL/);
    expect(written).toBeGreaterThan(0);
    // Nothing half-written: the stream holds exactly what was acknowledged, and it still verifies.
    const read = await store.readStream(id);
    expect(read).toHaveLength(written);
    expect(verifyStream(id, read).ok).toBe(true);
    await store.close();
    const roomier = open(file, { maxPageCount: 1000 });
    await roomier.append(id, [newEvent('Small')], { expectedRevision: written - 1 });
    expect(await roomier.readStream(id)).toHaveLength(written + 1);
  }, 30_000);

  it('keeps events and checkpoints across close and reopen', async () => {
    const file = tempFile();
    const id = `prescription-${randomUUID()}`;
    const first = open(file);
    const written = await first.append(id, [newEvent('A'), newEvent('B')], { expectedRevision: 'no_stream' });
    await first.saveCheckpoint('relay', written.position);
    await first.close();

    const reopened = open(file);
    const read = await reopened.readStream(id);
    expect(read.map((e) => e.type)).toEqual(['A', 'B']);
    expect(verifyStream(id, read).ok).toBe(true);
    expect(await reopened.loadCheckpoint('relay')).toBe(written.position);
    const next = await reopened.append(id, [newEvent('C')], { expectedRevision: 1 });
    expect(next.position).toBeGreaterThan(written.position);
    expect(verifyStream(id, await reopened.readStream(id)).ok).toBe(true);
  });

  it('detects a stored row altered with raw SQL', async () => {
    const file = tempFile();
    const store = open(file);
    const id = `payment-${randomUUID()}`;
    await store.append(id, [newEvent('Paid', { fundFen: 700 }), newEvent('Split', { fundFen: 300 }), newEvent('Closed', {})], { expectedRevision: 'no_stream' });
    expect(verifyStream(id, await store.readStream(id)).ok).toBe(true);

    const raw = new Database(file);
    raw.prepare("UPDATE events SET data = '{\"fundFen\":3000}' WHERE stream_id = ? AND revision = 1").run(id);
    raw.close();

    const verdict = verifyStream(id, await store.readStream(id));
    expect(verdict).toMatchObject({ ok: false, brokenAt: 1 });
    expect(verdict.reason).toMatch(/altered/);
  });

  it('detects a stored row deleted with raw SQL', async () => {
    const file = tempFile();
    const store = open(file);
    const id = `dispensation-${randomUUID()}`;
    await store.append(id, [newEvent('A'), newEvent('B'), newEvent('C')], { expectedRevision: 'no_stream' });
    const raw = new Database(file);
    raw.prepare('DELETE FROM events WHERE stream_id = ? AND revision = 1').run(id);
    raw.close();
    expect(verifyStream(id, await store.readStream(id))).toMatchObject({ ok: false, brokenAt: 1 });
  });

  describe('completeness: what no remaining hash chain shows', () => {
    /** Three streams A (3 events), B (2), C (2), written in that order: positions 1-7. */
    const threeStreams = async () => {
      const file = tempFile();
      const store = open(file);
      const ids = { a: `prescription-${randomUUID()}`, b: `dispensation-${randomUUID()}`, c: `payment-${randomUUID()}` };
      await store.append(ids.a, [newEvent('A1'), newEvent('A2'), newEvent('A3')], { expectedRevision: 'no_stream' });
      await store.append(ids.b, [newEvent('B1'), newEvent('B2')], { expectedRevision: 'no_stream' });
      await store.append(ids.c, [newEvent('C1'), newEvent('C2')], { expectedRevision: 'no_stream' });
      const tamper = (sql: string, ...args: unknown[]) => {
        const raw = new Database(file);
        raw.prepare(sql).run(...args);
        raw.close();
      };
      const chainsOk = async () => (await Promise.all((await store.listStreams()).map(async (id) => verifyStream(id, await store.readStream(id)).ok))).every(Boolean);
      return { store, ids, tamper, chainsOk };
    };

    it('finds nothing missing in an untouched store', async () => {
      const { store } = await threeStreams();
      expect(await store.verifyCompleteness()).toEqual({ checked: true, ok: true, eventCount: 7, lastAssigned: '7', missing: [] });
    });

    it('shows a stream deleted whole, which leaves every remaining chain intact', async () => {
      const { store, ids, tamper, chainsOk } = await threeStreams();
      tamper('DELETE FROM events WHERE stream_id = ?', ids.b);
      expect(await chainsOk()).toBe(true);
      expect(await store.verifyCompleteness()).toEqual({
        checked: true,
        ok: false,
        eventCount: 5,
        lastAssigned: '7',
        missing: [{ from: '4', to: '5', evidence: 'a gap in the sequence of positions' }],
      });
    });

    it('shows the first stream deleted, and the last one cut off', async () => {
      const first = await threeStreams();
      first.tamper('DELETE FROM events WHERE stream_id = ?', first.ids.a);
      expect((await first.store.verifyCompleteness()).missing).toEqual([{ from: '1', to: '3', evidence: 'positions before the first stored event are missing' }]);

      const last = await threeStreams();
      last.tamper('DELETE FROM events WHERE stream_id = ? AND revision = 1', last.ids.c);
      expect(await last.chainsOk()).toBe(true);
      expect(await last.store.verifyCompleteness()).toMatchObject({
        ok: false,
        eventCount: 6,
        lastAssigned: '7',
        missing: [{ from: '7', to: '7', evidence: 'assigned by the store (sqlite_sequence) after the last stored event' }],
      });
    });
  });

  it('lets one of two stores sharing a file win a race on the same expected revision', async () => {
    const [a, b] = twoStoresOnOneFile();
    const id = `prescription-${randomUUID()}`;
    await a.append(id, [newEvent('Issued')], { expectedRevision: 'no_stream' });
    const results = await Promise.allSettled([
      a.append(id, [newEvent('ClaimedBy', { p: 'A' })], { expectedRevision: 0 }),
      b.append(id, [newEvent('ClaimedBy', { p: 'B' })], { expectedRevision: 0 }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason).toBeInstanceOf(ConcurrencyError);
    const read = await b.readStream(id);
    expect(read).toHaveLength(2);
    expect(verifyStream(id, read).ok).toBe(true);
  });

  it('pages through several event types in position order without sorting the rest of the store', async () => {
    const file = tempFile();
    const store = open(file);
    for (let i = 0; i < 30; i++) {
      await store.append(`rx-${randomUUID()}`, [newEvent('Issued'), newEvent('Noise'), newEvent(i % 2 ? 'Claimed' : 'Revoked')], { expectedRevision: 'no_stream' });
    }
    const page = await store.readAll({ streamPrefixes: ['rx-'], eventTypes: ['Issued', 'Claimed', 'Revoked'], maxCount: 10 });
    expect(page).toHaveLength(10);
    expect(page.every((e) => e.type !== 'Noise')).toBe(true);
    expect(page.map((e) => e.position)).toEqual([...page.map((e) => e.position)].sort((a, b) => (a < b ? -1 : 1)));
    const next = await store.readAll({ streamPrefixes: ['rx-'], eventTypes: ['Issued', 'Claimed', 'Revoked'], after: page[9].position, maxCount: 100 });
    expect(next).toHaveLength(50);
    const raw = new Database(file, { readonly: true });
    const plan = (prefixes: number, types: number) => {
      const params = Array.from({ length: 1 + 2 * prefixes + types + 1 }, () => 0);
      return (raw.prepare(`EXPLAIN QUERY PLAN ${readAllSql(prefixes, types)}`).all(...params) as { detail: string }[]).map((r) => r.detail).join('; ');
    };
    try {
      for (const [prefixes, types] of [[1, 3], [0, 2], [1, 1], [0, 0]]) expect(plan(prefixes, types)).not.toMatch(/TEMP B-TREE/);
      expect(plan(0, 1)).toMatch(/events_type/);
    } finally {
      raw.close();
    }
  });

  it('shows a stream it read for an append once another store sharing the file extends it', async () => {
    const [a, b] = twoStoresOnOneFile();
    const stream = `benefit-${randomUUID()}`;
    await b.append(stream, [newEvent('Consumed')], { expectedRevision: 'no_stream' });
    expect(await a.readStream(stream, { forAppend: true })).toHaveLength(1);
    await b.append(stream, [newEvent('Consumed')], { expectedRevision: 0 });
    expect(await a.readStream(stream, { forAppend: true })).toHaveLength(2);
    await expect(a.append(stream, [newEvent('Consumed')], { expectedRevision: 0 })).rejects.toBeInstanceOf(ConcurrencyError);
    await a.append(stream, [newEvent('Consumed')], { expectedRevision: 1 });
    expect((await b.readStream(stream)).map((e) => e.revision)).toEqual([0, 1, 2]);
    expect((await a.readStream(stream)).map((e) => e.revision)).toEqual([0, 1, 2]);
  });

  it('shows a stream it read as empty once another store sharing the file writes it', async () => {
    const [a, b] = twoStoresOnOneFile();
    const stream = `payment-${randomUUID()}`;
    expect(await a.readStream(stream)).toEqual([]);
    expect(await a.readStream(stream)).toEqual([]);
    await b.append(stream, [newEvent('Recorded')], { expectedRevision: 'no_stream' });
    expect((await a.readStream(stream)).map((e) => e.type)).toEqual(['Recorded']);
    await expect(a.append(stream, [newEvent('Recorded')], { expectedRevision: 'no_stream' })).rejects.toBeInstanceOf(ConcurrencyError);
  });

  it('delivers to a subscription on one store what another store sharing the file appends', async () => {
    const file = tempFile();
    const writer = open(file);
    const reader = open(file, { pollIntervalMs: 25 });
    const prefix = `agreement-${randomUUID().slice(0, 8)}`;
    const got: RecordedEvent[] = [];
    const sub = reader.subscribe({ streamPrefixes: [prefix], handler: (e) => void got.push(e) });
    await writer.append(`${prefix}-1`, [newEvent('Signed'), newEvent('Amended')], { expectedRevision: 'no_stream' });
    await waitFor(() => got.length === 2, 3000, 'events from the other store');
    await writer.append(`${prefix}-1`, [newEvent('Dissolved')], { expectedRevision: 1 });
    await waitFor(() => got.length === 3, 3000, 'a live event from the other store');
    expect(got.map((e) => e.type)).toEqual(['Signed', 'Amended', 'Dissolved']);
    await sub.stop();
  });

  it('does not rescan filtered-out events on every poll', async () => {
    const store = open(tempFile(), { pollIntervalMs: 10, subscriptionBatchSize: 2 });
    const noise = `noise-${randomUUID()}`;
    await store.append(noise, Array.from({ length: 5 }, () => newEvent('Noise')), { expectedRevision: 'no_stream' });
    const readBatch = jest.spyOn(store, 'readBatch');
    const got: RecordedEvent[] = [];
    const caughtUp: Array<bigint | undefined> = [];
    const sub = store.subscribe({ streamPrefixes: ['signal-'], handler: (e) => void got.push(e), onCaughtUp: (p) => caughtUp.push(p) });
    await waitFor(() => caughtUp.length === 1, 3000, 'catch-up');
    await new Promise((r) => setTimeout(r, 50));
    const afters = readBatch.mock.calls.map(([after]) => after);
    expect(afters.length).toBeGreaterThan(1);
    expect(afters.slice(1).every((after) => after === afters[1])).toBe(true);
    expect(afters[1]).toBeGreaterThan(0n);
    await store.append(`signal-${randomUUID()}`, [newEvent('Signal')], { expectedRevision: 'no_stream' });
    await waitFor(() => got.length === 1, 3000, 'the signal');
    await sub.stop();
  });

  it('stops its subscriptions and refuses work once closed', async () => {
    const store = new SqliteEventStore(tempFile());
    let errors = 0;
    store.subscribe({ handler: () => undefined, onError: () => errors++ });
    await store.close();
    await store.close();
    await expect(store.append(`s-${randomUUID()}`, [newEvent()], { expectedRevision: 'any' })).rejects.toBeInstanceOf(EventStoreUnavailableError);
    await expect(store.readStream('s')).rejects.toBeInstanceOf(EventStoreUnavailableError);
    expect(await store.ping()).toEqual({ ok: false, detail: 'closed' });
    expect(errors).toBe(0);
  });
});

describe('SqliteEventStore group commit', () => {
  it('commits the good appends of a tick and refuses only the bad one', async () => {
    const store = new SqliteEventStore(':memory:');
    const taken = `claim-${randomUUID()}`;
    await store.append(taken, [newEvent('Claimed')], { expectedRevision: 'no_stream' });
    const [a, stale, b] = await Promise.allSettled([
      store.append(`claim-${randomUUID()}`, [newEvent('Claimed')], { expectedRevision: 'no_stream' }),
      store.append(taken, [newEvent('Claimed'), newEvent('Extended')], { expectedRevision: 'no_stream' }),
      store.append(`claim-${randomUUID()}`, [newEvent('Claimed')], { expectedRevision: 'no_stream' }),
    ]);
    expect(a.status).toBe('fulfilled');
    expect(b.status).toBe('fulfilled');
    expect(stale.status === 'rejected' && stale.reason).toBeInstanceOf(ConcurrencyError);
    expect(await store.readStream(taken)).toHaveLength(1);
    expect(await store.listStreams('claim-')).toHaveLength(3);
    // The refused append's savepoint took its position back: the sequence stays dense.
    expect(await store.verifyCompleteness()).toEqual({ checked: true, ok: true, eventCount: 3, lastAssigned: '3', missing: [] });
    await store.close();
  });

  it('keeps an event id unique within its stream, also within one group commit', async () => {
    const store = new SqliteEventStore(tempFile());
    const stream = `payment-${randomUUID()}`;
    const first = newEvent('Recorded');
    await store.append(stream, [first], { expectedRevision: 'no_stream' });
    const again = newEvent('Corrected');
    // Queued in the same tick, so both run in one transaction: the second sees the first's row.
    const [a, b] = await Promise.all([
      store.append(stream, [again], { expectedRevision: 'any' }),
      store.append(stream, [again], { expectedRevision: 'any' }),
    ]);
    expect([a.written, b.written].sort()).toEqual([false, true]);
    await expect(store.append(stream, [newEvent('Other'), { ...first }], { expectedRevision: 'any' })).rejects.toMatchObject({ duplicateIds: [first.id] });
    expect((await store.readStream(stream)).map((e) => e.type)).toEqual(['Recorded', 'Corrected']);
    await store.close();
  });

  it('refuses a file that is not a database with EventStoreUnavailableError', async () => {
    const file = tempFile('not-a-db.sqlite');
    await new SqliteEventStore(file).close();
    writeFileSync(file, 'this is not sqlite '.repeat(100));
    rmSync(`${file}-wal`, { force: true });
    rmSync(`${file}-shm`, { force: true });
    expect(() => new SqliteEventStore(file)).toThrow(EventStoreUnavailableError);
  });
});
