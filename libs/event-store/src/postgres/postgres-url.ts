/** What the store reads from a `postgres://` URL; the rest of the URL goes to the `pg` client as is. */
export interface PostgresLocation {
  /** The URL without this store's own parameters (`schema`, `pool_max`), for the `pg` client. */
  connectionString: string;
  /** Schema holding the store's tables; created if missing. Default `public`. */
  schema: string;
  /** Most pooled connections for reads and appends; default 8 (plus one for LISTEN, one per leader election). */
  poolMax: number;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** Parses `postgres://user@host:port/db?schema=rx&pool_max=8` (also `postgresql://`). */
export function parsePostgresUrl(url: string): PostgresLocation {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error('not a URL');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') throw new Error(`scheme must be postgres://`);
  if (!parsed.hostname) throw new Error(`no host`);
  if (parsed.pathname.length <= 1) throw new Error(`no database (postgres://user@host:5432/<database>)`);
  const schema = parsed.searchParams.get('schema') ?? 'public';
  // Interpolated into SQL as an identifier: lower-case letters, digits and _ only.
  if (!IDENTIFIER.test(schema)) throw new Error(`schema must match ${IDENTIFIER.source}`);
  const poolText = parsed.searchParams.get('pool_max') ?? '8';
  const poolMax = Number(poolText);
  if (!/^\d+$/.test(poolText) || poolMax < 1 || poolMax > 100) throw new Error(`pool_max must be an integer from 1 to 100`);
  parsed.searchParams.delete('schema');
  parsed.searchParams.delete('pool_max');
  return { connectionString: parsed.toString(), schema, poolMax };
}

/** The URL without its password, for messages and /health. */
export function redact(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:@/]*):[^@/]*@/, '$1:***@');
}
