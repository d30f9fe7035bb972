import Database from 'better-sqlite3';
import { SqliteEventStore } from '@rx/event-store';

/**
 * A store file written around the store: the schema comes from `SqliteEventStore` itself, rows go
 * in through a bare prepared INSERT in WAL mode, synchronous as given (NORMAL for seeding big stores
 * fast; the store's own setting for the bench's floor: no hash, no checks).
 */
export function openRawEvents(file: string, synchronous: 'NORMAL' | 'FULL' = 'NORMAL'): { db: Database.Database; insert: Database.Statement } {
  // The store only creates the schema here; its connection closes a moment later, independently.
  void new SqliteEventStore(file).close();
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
  const insert = db.prepare('INSERT INTO events (stream_id, revision, event_id, type, data, metadata, hash, occurred_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  return { db, insert };
}
