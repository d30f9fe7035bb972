import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '@rx/event-store';
import { openRawEvents } from '../lib/raw-events';
import { now } from '../lib/stats';

export interface AppendFigures {
  /** Bare better-sqlite3: one INSERT per autocommit transaction, WAL, the store's synchronous setting (the true floor of a durable write here). */
  bareInsertPerSecond: number;
  /** SqliteEventStore.append, one event per call, awaited one after another (validation, revision check, hash chain). */
  storeSequentialPerSecond: number;
  /** SqliteEventStore.append, `concurrency` calls in flight (group commit shares transactions). */
  storeConcurrentPerSecond: number;
  concurrency: number;
}

const event = (i: number) => ({
  id: randomUUID(),
  type: 'BenchEventRecorded',
  // About the size of a real dispensing event.
  data: { prescriptionId: randomUUID(), n: i, lines: [{ drugCode: 'MET-500', quantity: 14, unitPriceFen: 50, batchNo: 'BENCH-B1', traceCodes: ['90000000000000000001'] }] },
  metadata: { correlationId: randomUUID(), causationId: randomUUID(), actor: { role: 'pharmacist', id: 'PH001' }, occurredAt: new Date().toISOString() },
});

/** The raw store's append rate with the platform's settings (WAL, synchronous FULL unless RX_SQLITE_SYNCHRONOUS=NORMAL), in this process. */
export async function runAppends(durationMs: number, concurrency = 32): Promise<AppendFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'rx-bench-appends-'));
  const synchronous = process.env.RX_SQLITE_SYNCHRONOUS === 'NORMAL' ? 'NORMAL' : 'FULL';
  try {
    // Bare floor: same table shape and indexes, no hash, no checks.
    const bareFile = join(dir, 'bare.sqlite');
    const { db, insert } = openRawEvents(bareFile, synchronous);
    let n = 0;
    const t0 = now();
    while (now() - t0 < durationMs) {
      for (let k = 0; k < 100; k++, n++) {
        const e = event(n);
        insert.run(`bench-${n % 1000}`, Math.floor(n / 1000), e.id, e.type, JSON.stringify(e.data), JSON.stringify(e.metadata), '0'.repeat(64), Date.now());
      }
    }
    const bareInsertPerSecond = n / ((now() - t0) / 1000);
    db.close();

    const seqStore = new SqliteEventStore(join(dir, 'seq.sqlite'), { synchronous });
    const revisions = new Map<string, number>();
    n = 0;
    const t1 = now();
    while (now() - t1 < durationMs) {
      for (let k = 0; k < 100; k++, n++) {
        const stream = `bench-${n % 1000}`;
        const rev = revisions.get(stream);
        const r = await seqStore.append(stream, [event(n)], { expectedRevision: rev ?? 'no_stream' });
        revisions.set(stream, r.nextExpectedRevision);
      }
    }
    const storeSequentialPerSecond = n / ((now() - t1) / 1000);
    await seqStore.close();

    const conStore = new SqliteEventStore(join(dir, 'con.sqlite'), { synchronous });
    let total = 0;
    const t2 = now();
    await Promise.all(
      Array.from({ length: concurrency }, async (_, w) => {
        let rev: number | undefined;
        for (let i = 0; now() - t2 < durationMs; i++) {
          const r = await conStore.append(`bench-${w}`, [event(i)], { expectedRevision: rev ?? 'no_stream' });
          rev = r.nextExpectedRevision;
          total++;
        }
      }),
    );
    const storeConcurrentPerSecond = total / ((now() - t2) / 1000);
    await conStore.close();
    return { bareInsertPerSecond, storeSequentialPerSecond, storeConcurrentPerSecond, concurrency };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
