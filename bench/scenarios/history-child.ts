// Child process of the bench: times prescription histories over a seeded store and prints one
// JSON line. A fresh process, as a query service would be: measured in the bench process, the
// seeding's garbage (a million rows parsed and renamed) was collected during the queries and its
// pauses landed in the p99.
import { readFileSync } from 'node:fs';
import { AuditReader } from '@rx/audit';
import { SqliteEventStore } from '@rx/event-store';

export interface HistoryChildResult {
  /** The three streams a history reads, straight from the store (the floor). */
  storeMs: number[];
  /** AuditReader.history, what GET /audit/prescriptions/:id/history calls. */
  historyMs: number[];
  errors: string[];
}

export async function timeHistories(file: string, rxIds: readonly string[], warmup = 50): Promise<HistoryChildResult> {
  const store = new SqliteEventStore(file);
  const out: HistoryChildResult = { storeMs: [], historyMs: [], errors: [] };
  try {
    for (const rx of rxIds) {
      const t0 = performance.now();
      await store.readStream(`audit-${rx}`);
      await store.readStream(`prescription-${rx}`);
      await store.readStream(`dispensation-${rx}`);
      out.storeMs.push(performance.now() - t0);
    }
    const reader = new AuditReader(store);
    for (const rx of rxIds.slice(0, warmup)) await reader.history(rx);
    for (const rx of rxIds) {
      const t0 = performance.now();
      const h = await reader.history(rx);
      out.historyMs.push(performance.now() - t0);
      if (h.integrity.ok !== true && out.errors.length < 5) out.errors.push(`integrity not ok for ${rx}`);
    }
  } finally {
    await store.close();
  }
  return out;
}

if (require.main === module) {
  (async () => {
    const [file, idsFile] = process.argv.slice(2);
    const ids = JSON.parse(readFileSync(idsFile, 'utf8')) as string[];
    process.stdout.write(JSON.stringify(await timeHistories(file, ids)) + '\n');
  })().catch((e) => {
    process.stdout.write(JSON.stringify({ error: (e as Error).message }) + '\n');
    process.exit(1);
  });
}
