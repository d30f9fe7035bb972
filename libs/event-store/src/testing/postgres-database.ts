import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** The server tests create their databases on: `RX_TEST_POSTGRES_URL`, else the local one (trust auth). */
export const TEST_POSTGRES_ADMIN_URL = process.env.RX_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  name: string;
  /** `postgres://…/<name>`, for `RX_EVENT_STORE` or `new PostgresEventStore(url)`. */
  url: string;
  /** Drops the database, ending whatever is still connected to it. */
  drop(): Promise<void>;
}

/**
 * A fresh database with a unique name, so parallel runs (other suites, other checkouts on the
 * same server) never see each other's events. No server is a failure, never a skip.
 */
export async function createTestDatabase(label = 'store'): Promise<TestDatabase> {
  const name = `rx_test_${label.replace(/[^a-z0-9_]/g, '_')}_${randomBytes(5).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE "${name}"`));
  const url = new URL(TEST_POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
  };
}

async function admin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: TEST_POSTGRES_ADMIN_URL, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `PostgreSQL is needed for this suite and does not answer at ${TEST_POSTGRES_ADMIN_URL} (${(error as Error).message}); ` +
        "start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start, or set RX_TEST_POSTGRES_URL",
    );
  }
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
