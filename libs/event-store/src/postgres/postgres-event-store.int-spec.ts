import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { ConcurrencyError, EventStoreUnavailableError, InvalidAppendError } from '../errors';
import { createEventStore } from '../event-store.factory';
import type { EventStore, RecordedEvent, Subscription } from '../event-store.port';
import { verifyStream } from '../integrity';
import { describeEventStoreContract, newEvent, waitFor } from '../testing/event-store.contract';
import { createTestDatabase, type TestDatabase } from '../testing/postgres-database';
import { PostgresEventStore } from './postgres-event-store';

const databases: TestDatabase[] = [];
async function database(label: string): Promise<TestDatabase> {
  const db = await createTestDatabase(label);
  databases.push(db);
  return db;
}
afterAll(async () => {
  await Promise.all(databases.splice(0).map((db) => db.drop()));
});

describeEventStoreContract('postgres', async () => {
  const store = createEventStore((await database('contract')).url, { postgres: { pollIntervalMs: 50 } });
  expect(store).toBeInstanceOf(PostgresEventStore);
  return store;
});

describeEventStoreContract('postgres, schema and pool size from the URL', async () => {
  const db = await database('contract_schema');
  return new PostgresEventStore(`${db.url}?schema=rx_dispensing&pool_max=3`, { pollIntervalMs: 50 });
});

describe('PostgresEventStore', () => {
  let db: TestDatabase;
  const stores: PostgresEventStore[] = [];
  const subscriptions: Subscription[] = [];
  const open = (options?: ConstructorParameters<typeof PostgresEventStore>[1], query = '') => {
    const store = new PostgresEventStore(`${db.url}${query}`, options);
    stores.push(store);
    return store;
  };
  const sql = async <R extends object>(text: string, params?: unknown[]): Promise<R[]> => {
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      return (await client.query<R>(text, params)).rows;
    } finally {
      await client.end();
    }
  };

  beforeEach(async () => {
    db = await database('adapter');
  });
  afterEach(async () => {
    await Promise.all(subscriptions.splice(0).map((s) => s.stop()));
    await Promise.all(stores.splice(0).map((s) => s.close()));
  });

  describe('global order under concurrent writers (serialised appends)', () => {
    it('shows every reader following $all every event exactly once, in one order', async () => {
      // Four writers = four processes' pools; three live readers on their own connections, and one
      // reader paging readAll as fast as it can while the writers write.
      const writers = Array.from({ length: 4 }, () => open({ pollIntervalMs: 20 }));
      const readers = Array.from({ length: 3 }, () => open({ pollIntervalMs: 20 }));
      await Promise.all([...writers, ...readers].map((s) => s.whenReady()));
      const seen: RecordedEvent[][] = readers.map(() => []);
      readers.forEach((r, i) => subscriptions.push(r.subscribe({ handler: (e) => void seen[i].push(e) })));
      const paged: bigint[] = [];
      let writing = true;
      const pager = (async () => {
        const pagerStore = open();
        let after: bigint | undefined;
        while (writing || after !== (await pagerStore.headPosition())) {
          const page = await pagerStore.readAll({ after, maxCount: 50 });
          for (const e of page) paged.push(e.position);
          if (page.length > 0) after = page[page.length - 1].position;
        }
      })();

      const shared = Array.from({ length: 5 }, () => `shared-${randomUUID()}`);
      const perWriter = 60;
      await Promise.all(
        writers.map(async (w, wi) => {
          // Each writer keeps several appends in flight, so group commits and lock waits interleave.
          const lanes = Array.from({ length: 6 }, async (_, lane) => {
            for (let n = lane; n < perWriter; n += 6) {
              const id = n % 3 === 0 ? shared[n % shared.length] : `w${wi}-${randomUUID()}`;
              await w.append(id, [newEvent('Wrote', { wi, n }), ...(n % 4 === 0 ? [newEvent('Wrote', { wi, n, second: true })] : [])], { expectedRevision: 'any' });
            }
          });
          await Promise.all(lanes);
        }),
      );
      writing = false;
      await pager;

      const all: RecordedEvent[] = [];
      let after: bigint | undefined;
      for (;;) {
        const page = await writers[0].readAll({ after, maxCount: 500 });
        if (page.length === 0) break;
        all.push(...page);
        after = page[page.length - 1].position;
      }
      const expected = 4 * (perWriter + perWriter / 4);
      expect(all).toHaveLength(expected);
      const order = all.map((e) => e.position);
      expect(order).toEqual(order.map((_, i) => BigInt(i + 1)));
      await waitFor(() => seen.every((s) => s.length >= expected), 15_000, 'every reader to see every event');
      for (const s of seen) expect(s.map((e) => e.position)).toEqual(order);
      expect(paged).toEqual(order);
      for (const id of shared) expect(verifyStream(id, await writers[0].readStream(id)).ok).toBe(true);
      expect(await writers[0].verifyCompleteness()).toMatchObject({ checked: true, ok: true, eventCount: expected });
    }, 60_000);

    it('makes a writer wait for the transaction ahead of it, so no reader ever sees a later position first', async () => {
      const store = open();
      await store.append('a', [newEvent()], { expectedRevision: 'no_stream' });
      // Another process's append transaction, holding its place in the order and not committed yet.
      const slow = new Client({ connectionString: db.url });
      await slow.connect();
      try {
        await slow.query('BEGIN');
        await slow.query('SELECT last_position FROM rx_store_head WHERE id FOR UPDATE');
        let done = false;
        const appending = store.append('b', [newEvent()], { expectedRevision: 'no_stream' }).then((r) => ((done = true), r));
        await new Promise((r) => setTimeout(r, 200));
        expect(done).toBe(false);
        expect(await store.readAll()).toHaveLength(1);
        await slow.query('ROLLBACK');
        expect((await appending).position).toBe(2n);
      } finally {
        await slow.end();
      }
    });

    it('lets exactly one of two processes create a stream', async () => {
      const [a, b] = [open(), open()];
      const id = `rx-${randomUUID()}`;
      const results = await Promise.allSettled([a, b, a, b].map((s, i) => s.append(id, [newEvent('Issued', { i })], { expectedRevision: 'no_stream' })));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ConcurrencyError);
    });

    it('refuses one bad append of a group alone, and writes the others', async () => {
      const store = open();
      const good = Array.from({ length: 4 }, (_, i) => store.append(`g-${i}`, [newEvent('Ok', { i })], { expectedRevision: 'no_stream' }));
      const bad = store.append('bad\u0000stream', [newEvent()], { expectedRevision: 'no_stream' });
      await expect(bad).rejects.toBeInstanceOf(InvalidAppendError);
      expect((await Promise.all(good)).every((r) => r.written)).toBe(true);
      expect(await store.verifyCompleteness()).toMatchObject({ ok: true, eventCount: 4 });
    });
  });

  describe('live subscriptions', () => {
    it("wakes on another process's commit through NOTIFY, without waiting for a poll", async () => {
      const reader = open({ pollIntervalMs: 60_000 });
      const writer = open();
      const got: RecordedEvent[] = [];
      let caughtUp = false;
      subscriptions.push(reader.subscribe({ handler: (e) => void got.push(e), onCaughtUp: () => (caughtUp = true) }));
      await waitFor(() => caughtUp && reader.listeningForNotifications, 5000, 'listening');
      await writer.append('n-1', [newEvent('E', { n: 1 })], { expectedRevision: 'no_stream' });
      await waitFor(() => got.length === 1, 5000, 'the notified event');
      await writer.append('n-1', [newEvent('E', { n: 2 })], { expectedRevision: 0 });
      await waitFor(() => got.length === 2, 5000, 'the second notified event');
    });

    it('keeps delivering by polling when the LISTEN connection is killed, then listens again', async () => {
      const reader = open({ pollIntervalMs: 100 });
      const writer = open();
      const got: RecordedEvent[] = [];
      subscriptions.push(reader.subscribe({ handler: (e) => void got.push(e) }));
      await waitFor(() => reader.listeningForNotifications, 5000, 'listening');
      await sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'");
      await writer.append('p-1', [newEvent('E')], { expectedRevision: 'no_stream' });
      await waitFor(() => got.length === 1, 5000, 'the event, by polling');
      await waitFor(() => reader.listeningForNotifications, 5000, 'listening again');
    });
  });

  describe('completeness', () => {
    it('shows events deleted behind the store: a gap, and a tail cut with the head counter left', async () => {
      const store = open();
      for (let i = 0; i < 6; i++) await store.append(`c-${i}`, [newEvent()], { expectedRevision: 'no_stream' });
      expect(await store.verifyCompleteness()).toEqual({ checked: true, ok: true, eventCount: 6, lastAssigned: '6', missing: [] });
      await sql('DELETE FROM rx_events WHERE position IN (2, 3, 6)');
      const report = await store.verifyCompleteness();
      expect(report).toMatchObject({ checked: true, ok: false, eventCount: 3, lastAssigned: '6' });
      expect(report.missing).toEqual([
        { from: '2', to: '3', evidence: 'a gap in the sequence of positions' },
        { from: '6', to: '6', evidence: 'assigned by the store (rx_store_head) after the last stored event' },
      ]);
    });

    it('detects a row altered with raw SQL through the hash chain', async () => {
      const store = open();
      await store.append('t-1', [newEvent('Paid', { amountFen: 100 }), newEvent('Paid', { amountFen: 200 })], { expectedRevision: 'no_stream' });
      await sql(`UPDATE rx_events SET data = '{"amountFen":999}' WHERE stream_id = 't-1' AND revision = 1`);
      expect(verifyStream('t-1', await store.readStream('t-1'))).toMatchObject({ ok: false, brokenAt: 1 });
    });
  });

  it("round-trips data PostgreSQL's text and json types would refuse or change (NUL, quotes, key order)", async () => {
    const store = open();
    const data = { z: 1, a: "it's \u0000 a \\ 'quote' \"dq\" 中文", nested: { b: [1, 2], a: null } };
    await store.append('odd', [newEvent('Odd', data)], { expectedRevision: 'no_stream' });
    const [read] = await store.readStream('odd');
    expect(read.data).toEqual(data);
    expect(Object.keys(read.data as object)).toEqual(['z', 'a', 'nested']);
    expect(verifyStream('odd', [read]).ok).toBe(true);
  });

  it('keeps two schemas of one database apart', async () => {
    const a = open({}, '?schema=rx_a');
    const b = open({}, '?schema=rx_b');
    await a.append('s', [newEvent('A')], { expectedRevision: 'no_stream' });
    await b.append('s', [newEvent('B')], { expectedRevision: 'no_stream' });
    expect((await a.readStream('s')).map((e) => e.type)).toEqual(['A']);
    expect((await b.readStream('s')).map((e) => e.type)).toEqual(['B']);
    expect(await a.headPosition()).toBe(1n);
  });

  it('creates its schema once when instances start together', async () => {
    const started = Array.from({ length: 4 }, () => open());
    await Promise.all(started.map((s) => s.whenReady()));
    expect((await sql<{ n: string }>("SELECT count(*) AS n FROM pg_tables WHERE tablename LIKE 'rx_%'"))[0].n).toBe('3');
  });
});

describe('PostgresEventStore without a server', () => {
  let store: EventStore;
  beforeAll(() => {
    store = new PostgresEventStore('postgres://postgres@127.0.0.1:1/rx', { connectTimeoutMs: 1000 });
  });
  afterAll(() => store.close());

  it('reports EventStoreUnavailableError for reads and appends, and ok: false on ping', async () => {
    await expect(store.append(`s-${randomUUID()}`, [newEvent()], { expectedRevision: 'any' })).rejects.toBeInstanceOf(EventStoreUnavailableError);
    await expect(store.readStream('s')).rejects.toBeInstanceOf(EventStoreUnavailableError);
    await expect(store.readAll()).rejects.toBeInstanceOf(EventStoreUnavailableError);
    expect(await store.ping()).toMatchObject({ ok: false });
  });

  it('validates appends before touching the network', async () => {
    await expect(store.append('', [newEvent()], { expectedRevision: 'any' })).rejects.toMatchObject({ code: 'INVALID_APPEND' });
  });
});
