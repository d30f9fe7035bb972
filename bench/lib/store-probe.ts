import Database from 'better-sqlite3';

/** Reads a running app's SQLite file alongside it (WAL lets a reader in without blocking the writer). */
export class StoreProbe {
  private readonly db: Database.Database;
  constructor(path: string) {
    this.db = new Database(path, { readonly: true, fileMustExist: true });
  }
  head(): number {
    const row = this.db.prepare('SELECT max(position) AS head FROM events').get() as { head: number | null };
    return row.head ?? 0;
  }
  all<T>(sql: string, ...params: unknown[]): T[] {
    return this.db.prepare(sql).all(...params) as T[];
  }
  close(): void {
    this.db.close();
  }
}
