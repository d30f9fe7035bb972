import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { PostgresEventStore } from '@rx/event-store';
import { createBenchDatabase } from '../lib/pg-database';
import { now } from '../lib/stats';

export interface PostgresAppendFigures {
  /** `pg` pool of this many connections for both the bare inserts and the store. */
  connections: number;
  concurrency: number;
  /** One bare INSERT per autocommit transaction into a table of the store's shape, one after another. */
  bareSequentialPerSecond: number;
  /** The same with `concurrency` in flight over the pool (the server's own group commit shares WAL flushes). */
  bareConcurrentPerSecond: number;
  /** PostgresEventStore.append, one event per call, awaited one after another. */
  storeSequentialPerSecond: number;
  /** PostgresEventStore.append, `concurrency` calls in flight (serialised appends, group commit in the process). */
  storeConcurrentPerSecond: number;
  /** Server settings that decide durability, the same for both. */
  durability: string;
}

const event = (i: number) => ({
  id: randomUUID(),
  type: 'BenchEventRecorded',
  data: { prescriptionId: randomUUID(), n: i, lines: [{ drugCode: 'MET-500', quantity: 14, unitPriceFen: 50, batchNo: 'BENCH-B1', traceCodes: ['90000000000000000001'] }] },
  metadata: { correlationId: randomUUID(), causationId: randomUUID(), actor: { role: 'pharmacist', id: 'PH001' }, occurredAt: new Date().toISOString() },
});

async function during(durationMs: number, lanes: number, work: (lane: number, i: number) => Promise<void>): Promise<number> {
  let total = 0;
  const t0 = now();
  await Promise.all(
    Array.from({ length: lanes }, async (_, lane) => {
      for (let i = 0; now() - t0 < durationMs; i++) {
        await work(lane, i);
        total++;
      }
    }),
  );
  return total / ((now() - t0) / 1000);
}

/**
 * The PostgreSQL store's append rate against a bare INSERT per transaction on the same server, the
 * same durability (the server's synchronous_commit and fsync, shown) and the same pool size, in a
 * database of its own (dropped after).
 */
export async function runPostgresAppends(durationMs: number, concurrency = 32, connections = 8): Promise<PostgresAppendFigures> {
  const db = await createBenchDatabase('appends');
  const pool = new Pool({ connectionString: db.url, max: connections });
  try {
    const store = new PostgresEventStore(`${db.url}?pool_max=${connections}`);
    await store.whenReady();
    // The bare table has the store's columns and indexes; a bigserial stands in for the head row.
    await pool.query(`CREATE TABLE bare (LIKE rx_events INCLUDING ALL)`);
    await pool.query(`CREATE SEQUENCE bare_position OWNED BY bare.position`);
    await pool.query(`ALTER TABLE bare ALTER COLUMN position SET DEFAULT nextval('bare_position')`);
    const settings = await pool.query<{ name: string; setting: string }>(
      `SELECT name, setting FROM pg_settings WHERE name IN ('synchronous_commit', 'fsync', 'wal_sync_method', 'commit_delay') ORDER BY name`,
    );
    const durability = settings.rows.map((r) => `${r.name}=${r.setting}`).join(', ');
    const bare = (stream: string, revision: number, i: number) => {
      const e = event(i);
      return pool.query(
        'INSERT INTO bare (stream_id, revision, event_id, type, data, metadata, hash, occurred_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
        [stream, revision, e.id, e.type, JSON.stringify(e.data), JSON.stringify(e.metadata), '0'.repeat(64), Date.now()],
      ).then(() => undefined);
    };
    const bareSequentialPerSecond = await during(durationMs, 1, (_, i) => bare(`seq-${i % 1000}`, Math.floor(i / 1000), i));
    const bareConcurrentPerSecond = await during(durationMs, concurrency, (lane, i) => bare(`con-${lane}`, i, i));

    const revisions = new Map<string, number>();
    const storeSequentialPerSecond = await during(durationMs, 1, async (_, i) => {
      const stream = `seq-${i % 1000}`;
      const r = await store.append(stream, [event(i)], { expectedRevision: revisions.get(stream) ?? 'no_stream' });
      revisions.set(stream, r.nextExpectedRevision);
    });
    const lanes = new Map<number, number>();
    const storeConcurrentPerSecond = await during(durationMs, concurrency, async (lane, i) => {
      const r = await store.append(`con-${lane}`, [event(i)], { expectedRevision: lanes.get(lane) ?? 'no_stream' });
      lanes.set(lane, r.nextExpectedRevision);
    });
    await store.close();
    return { connections, concurrency, bareSequentialPerSecond, bareConcurrentPerSecond, storeSequentialPerSecond, storeConcurrentPerSecond, durability };
  } finally {
    await pool.end();
    await db.drop();
  }
}

if (require.main === module) {
  const seconds = Number(process.argv[2] ?? 5);
  runPostgresAppends(seconds * 1000).then(
    (f) => console.log(JSON.stringify(f, null, 2)),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
