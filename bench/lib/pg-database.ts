import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** The server the bench makes its databases on: `RX_BENCH_POSTGRES_URL`, else the local one (trust auth). */
const ADMIN_URL = process.env.RX_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface BenchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** A database of its own per run (the bench is built with the apps, so it cannot use the test helpers). */
export async function createBenchDatabase(label: string): Promise<BenchDatabase> {
  const name = `rx_bench_${label.replace(/[^a-z0-9_]/g, '_')}_${randomBytes(4).toString('hex')}`;
  await admin(`CREATE DATABASE "${name}"`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return { name, url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}

async function admin(sql: string): Promise<void> {
  const client = new Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
