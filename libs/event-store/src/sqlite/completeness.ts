import type Database from 'better-sqlite3';
import type { StoreCompleteness } from '../event-store.port';

const MAX_RANGES = 100;

/**
 * Positions come from AUTOINCREMENT and are never reused; a refused append, a rolled-back group or
 * savepoint takes its positions back with it (sqlite_sequence is rolled back too). So the stored
 * positions are exactly 1..N unless rows were deleted behind the store's back, and a deletion shows
 * here even when every remaining stream's hash chain is intact:
 * - inside the sequence, as a gap;
 * - at its end, by sqlite_sequence: the highest position ever assigned.
 * Hiding one takes renumbering every later event (or, for the tail, rewriting sqlite_sequence as
 * well); anchoring the head somewhere outside the file is what would catch that too.
 */
export function sqliteCompleteness(db: Database.Database): StoreCompleteness {
  const { n, hi } = db.prepare('SELECT count(*) AS n, max(position) AS hi FROM events').safeIntegers(true).get() as { n: bigint; hi: bigint | null };
  const last = hi ?? 0n;
  const missing: StoreCompleteness['missing'] = [];
  const add = (from: bigint, to: bigint, evidence: string) => {
    if (from <= to && missing.length < MAX_RANGES) missing.push({ from: String(from), to: String(to), evidence });
  };
  if (n !== last) {
    const first = db.prepare('SELECT min(position) FROM events').pluck().safeIntegers(true).get() as bigint;
    add(1n, first - 1n, 'positions before the first stored event are missing');
    const gaps = db
      .prepare(
        `SELECT e.position + 1 AS gapFrom, (SELECT min(x.position) FROM events x WHERE x.position > e.position) - 1 AS gapTo
         FROM events e
         WHERE e.position < ? AND NOT EXISTS (SELECT 1 FROM events y WHERE y.position = e.position + 1)
         ORDER BY e.position LIMIT ${MAX_RANGES}`,
      )
      .safeIntegers(true)
      .all(last) as { gapFrom: bigint; gapTo: bigint }[];
    for (const g of gaps) add(g.gapFrom, g.gapTo, 'a gap in the sequence of positions');
  }
  const assigned = (db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'events'").pluck().safeIntegers(true).get() as bigint | undefined) ?? 0n;
  add(last + 1n, assigned, 'assigned by the store (sqlite_sequence) after the last stored event');
  return { checked: true, ok: missing.length === 0, eventCount: Number(n), lastAssigned: String(assigned > last ? assigned : last), missing };
}
