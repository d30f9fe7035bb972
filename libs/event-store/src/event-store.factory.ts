import type { EventStore } from './event-store.port';
import { EventStoreDbEventStore, type EventStoreDbEventStoreOptions } from './eventstoredb/esdb-event-store';
import { PostgresEventStore, type PostgresEventStoreOptions } from './postgres/postgres-event-store';
import { parsePostgresUrl, redact } from './postgres/postgres-url';
import { SqliteEventStore, type SqliteEventStoreOptions } from './sqlite/sqlite-event-store';

export interface CreateEventStoreOptions {
  sqlite?: SqliteEventStoreOptions;
  eventstoredb?: EventStoreDbEventStoreOptions;
  postgres?: PostgresEventStoreOptions;
}

export type EventStoreLocation =
  | { kind: 'sqlite'; path: string }
  | { kind: 'eventstoredb'; connectionString: string }
  | { kind: 'postgres'; connectionString: string };

const USAGE = "expected 'sqlite:<file>', 'sqlite::memory:', 'postgres://user@host:5432/db', 'esdb://host:2113?tls=false' or 'esdb+discover://…'";

/** Parses an `RX_EVENT_STORE` value without opening anything. */
export function parseEventStoreUrl(url: string): EventStoreLocation {
  const value = typeof url === 'string' ? url.trim() : '';
  if (value.startsWith('sqlite:')) {
    // sqlite:./data/rx.sqlite, sqlite:/abs/rx.sqlite, sqlite::memory:, and the sqlite:// spellings of each.
    let path = value.slice('sqlite:'.length);
    if (path.startsWith('//')) path = path.slice(2);
    if (path === '') throw new Error(`invalid event store URL '${url}': no SQLite file given (${USAGE})`);
    return { kind: 'sqlite', path };
  }
  if (/^postgres(ql)?:\/\//.test(value)) {
    try {
      parsePostgresUrl(value);
    } catch (error) {
      throw new Error(`invalid event store URL '${redact(url)}': ${(error as Error).message}`);
    }
    return { kind: 'postgres', connectionString: value };
  }
  if (/^esdb(\+discover)?:\/\/[^/?#\s]+/.test(value)) return { kind: 'eventstoredb', connectionString: value };
  throw new Error(`invalid event store URL '${url}': ${USAGE}`);
}

/** The adapter named by a URL, e.g. `RX_EVENT_STORE` (architecture.md "Deployment modes"). */
export function createEventStore(url: string, options: CreateEventStoreOptions = {}): EventStore {
  const location = parseEventStoreUrl(url);
  switch (location.kind) {
    case 'sqlite':
      return new SqliteEventStore(location.path, options.sqlite);
    case 'postgres':
      return new PostgresEventStore(location.connectionString, options.postgres);
    default:
      return new EventStoreDbEventStore(location.connectionString, options.eventstoredb);
  }
}
