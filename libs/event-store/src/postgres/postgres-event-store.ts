import { Client, escapeLiteral, Pool, type PoolClient, type PoolConfig, type QueryResult } from 'pg';
import { storedMetadata, validateAppend, validateExpectedRevision } from '../append-validation';
import { ConcurrencyError, EventStoreUnavailableError, InvalidAppendError, PartialDuplicateError } from '../errors';
import type {
  AppendOptions,
  AppendResult,
  EventFilter,
  EventMetadata,
  EventStore,
  ExpectedRevision,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StoreCompleteness,
  SubscribeOptions,
  Subscription,
} from '../event-store.port';
import { computeEventHash, GENESIS_HASH } from '../integrity';
import { type Batch, type BatchSource, PollingSubscription } from '../sqlite/sqlite-subscription';
import { parsePostgresUrl, redact } from './postgres-url';

export interface PostgresEventStoreOptions {
  /** Live subscriptions re-read this often when no notification came (NOTIFY lost, listener down); default 1000 ms. */
  pollIntervalMs?: number;
  /** Events read per subscription batch; default 500. */
  subscriptionBatchSize?: number;
  /** Appends written in one transaction at most (group commit); default 256. */
  maxGroupSize?: number;
  /** How long to wait for a connection from the pool or the server; default 5000 ms. */
  connectTimeoutMs?: number;
}

export const DEFAULT_POSTGRES_READ_ALL_MAX_COUNT = 1000;
const MAX_RANGES = 100;
/** Advisory-lock key that serialises schema creation by instances starting together. */
const SCHEMA_LOCK_KEY = 0x52_58_00_01;

interface EventRow {
  position: string;
  stream_id: string;
  revision: number;
  event_id: string;
  type: string;
  data: string;
  metadata: string;
}

interface AppendJob {
  streamId: string;
  events: readonly NewEvent[];
  ids: string[];
  occurredAtMs: number[];
  expected: ExpectedRevision;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

interface StreamHead {
  revision: number;
  hash: string;
  /** Ids stored in the stream that this group asked about or wrote, with their positions. */
  ids: Map<string, bigint>;
}

const COLUMNS = 'position, stream_id, revision, event_id::text AS event_id, type, data, metadata';

/**
 * The event store on PostgreSQL (`pg`, pooled). Several processes (instances of one app) may share
 * one database.
 *
 * Global order: appends are serialised. Every append transaction locks the single row of
 * `rx_store_head` (`FOR UPDATE`) before it reads a stream head, and takes its positions from that
 * row's counter. The lock is released after the commit is visible, so a transaction can only be
 * handed positions after every lower position has committed: what a reader sees is always a
 * prefix 1..k of the sequence, and a reader following `$all` by position never skips an event that
 * commits late (a sequence-numbered position, by contrast, can commit out of order). The counter
 * rolls back with a refused or failed transaction, so positions are dense, which is what
 * `verifyCompleteness` relies on. Within a process, appends queued while a group is being written
 * go together in the next transaction (one WAL flush for many appends).
 */
export class PostgresEventStore implements EventStore, BatchSource {
  readonly kind = 'postgres' as const;
  readonly schema: string;
  /** The URL without a password. */
  readonly location: string;
  private readonly pool: Pool;
  private readonly clientConfig: PoolConfig;
  private readonly settings: Required<PostgresEventStoreOptions>;
  private readonly t: { events: string; head: string; checkpoints: string };
  private readonly channel: string;
  /** The schema's creation; undefined until first asked for, and again after it failed (retried on the next call). */
  private ready?: Promise<void>;
  private queue: AppendJob[] = [];
  private writing = false;
  private closed = false;
  private readonly subscriptions = new Set<PollingSubscription>();
  private listener?: Client;
  private listenerRetry?: NodeJS.Timeout;
  private listening = false;
  private lastOwnCommit = 0n;

  constructor(url: string, options: PostgresEventStoreOptions = {}) {
    const location = parsePostgresUrl(url);
    this.location = redact(url);
    this.schema = location.schema;
    this.settings = {
      pollIntervalMs: options.pollIntervalMs ?? 1000,
      subscriptionBatchSize: options.subscriptionBatchSize ?? 500,
      maxGroupSize: options.maxGroupSize ?? 256,
      connectTimeoutMs: options.connectTimeoutMs ?? 5000,
    };
    for (const [name, value] of Object.entries(this.settings)) {
      if (!Number.isInteger(value) || value < 1) throw new Error(`PostgresEventStore: ${name} must be a positive integer, not ${String(value)}`);
    }
    const s = `"${this.schema}"`;
    this.t = { events: `${s}.rx_events`, head: `${s}.rx_store_head`, checkpoints: `${s}.rx_checkpoints` };
    this.channel = `rx_events.${this.schema}`;
    this.clientConfig = {
      connectionString: location.connectionString,
      connectionTimeoutMillis: this.settings.connectTimeoutMs,
      keepAlive: true,
    };
    this.pool = new Pool({ ...this.clientConfig, max: location.poolMax, idleTimeoutMillis: 30_000 });
    // An idle pooled connection that dies (server restart) must not crash the process.
    this.pool.on('error', () => undefined);
  }

  /** The `pg` settings of this store's connections, for a leader election on the same database. */
  get connectionConfig(): PoolConfig {
    return { ...this.clientConfig };
  }

  /** Resolves once the schema exists; rejects with EventStoreUnavailableError if the server cannot be reached. */
  whenReady(): Promise<void> {
    if (!this.ready) {
      const ready = this.prepare().catch((error: unknown) => {
        // A server down at start must not leave the store broken once it is back.
        if (this.ready === ready) this.ready = undefined;
        throw translate(error);
      });
      this.ready = ready;
    }
    return this.ready;
  }

  private async prepare(): Promise<void> {
    const { events, head, checkpoints } = this.t;
    await this.withClient(async (client) => {
      await client.query('BEGIN');
      try {
        // Two instances starting together would race on CREATE ... IF NOT EXISTS (duplicate pg_type rows).
        await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK_KEY]);
        await client.query(`CREATE SCHEMA IF NOT EXISTS "${this.schema}"`);
        await client.query(`
          CREATE TABLE IF NOT EXISTS ${events} (
            position    bigint  PRIMARY KEY,
            stream_id   text    COLLATE "C" NOT NULL,
            revision    integer NOT NULL,
            event_id    uuid    NOT NULL,
            type        text    COLLATE "C" NOT NULL,
            data        text    NOT NULL,
            metadata    text    NOT NULL,
            hash        text    NOT NULL,
            occurred_at bigint  NOT NULL,
            UNIQUE (stream_id, revision),
            UNIQUE (stream_id, event_id)
          )`);
        await client.query(`CREATE INDEX IF NOT EXISTS rx_events_type ON ${events} (type, position)`);
        await client.query(`
          CREATE TABLE IF NOT EXISTS ${head} (
            id            boolean PRIMARY KEY DEFAULT true CHECK (id),
            last_position bigint  NOT NULL
          )`);
        await client.query(`INSERT INTO ${head} (id, last_position) VALUES (true, 0) ON CONFLICT (id) DO NOTHING`);
        await client.query(`CREATE TABLE IF NOT EXISTS ${checkpoints} (name text PRIMARY KEY, position bigint NOT NULL)`);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  async append(streamId: string, events: readonly NewEvent[], options: AppendOptions): Promise<AppendResult> {
    const { ids, occurredAtMs } = validateAppend(streamId, events);
    validateExpectedRevision(streamId, options?.expectedRevision);
    this.assertOpen();
    return new Promise<AppendResult>((resolve, reject) => {
      this.queue.push({ streamId, events, ids, occurredAtMs, expected: options.expectedRevision, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  /** One group transaction at a time per process; appends queued meanwhile form the next group. */
  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.queue.length > 0) {
        const jobs = this.queue.splice(0, this.settings.maxGroupSize);
        try {
          await this.writeGroup(jobs);
        } catch (error) {
          if (jobs.length === 1) {
            jobs[0].reject(translate(error));
            continue;
          }
          // A group fails whole; alone, each append succeeds or fails on its own account.
          for (const job of jobs) {
            try {
              await this.writeGroup([job]);
            } catch (soloError) {
              job.reject(translate(soloError));
            }
          }
        }
      }
    } finally {
      this.writing = false;
    }
  }

  private async writeGroup(jobs: AppendJob[]): Promise<void> {
    await this.whenReady();
    const outcomes = await this.withClient(async (client) => {
      try {
        return await this.decideAndWrite(client, jobs);
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
    let woken = false;
    for (let i = 0; i < jobs.length; i++) {
      const outcome = outcomes[i];
      if ('error' in outcome) jobs[i].reject(outcome.error);
      else {
        if (outcome.written) woken = true;
        jobs[i].resolve(outcome.result);
      }
    }
    if (woken) for (const s of this.subscriptions) if (jobs.some((job) => s.wants(job.streamId, job.events))) s.notify();
  }

  /**
   * Two round trips per group, each one simple-protocol query of several statements (values as
   * escaped literals, rows as one JSON document): BEGIN, the head lock and the streams' heads and
   * known ids; then the rows, the head, the NOTIFY and COMMIT. The lock is held for the time of
   * one round trip and the hashing between, which is what bounds appends per second.
   */
  private async decideAndWrite(client: PoolClient, jobs: AppendJob[]): Promise<Array<{ result: AppendResult; written: boolean } | { error: unknown }>> {
    const { events, head } = this.t;
    const streams = [...new Set(jobs.map((j) => j.streamId))];
    const keys = jobs.flatMap((j) => j.ids.map((id) => ({ stream_id: j.streamId, event_id: id })));
    const first = (await client.query(
      `BEGIN;
       SELECT last_position FROM ${head} WHERE id FOR UPDATE;
       SELECT 'head' AS kind, s.stream_id, h.revision, h.hash, NULL::text AS event_id, NULL::bigint AS position
         FROM json_array_elements_text(${escapeLiteral(JSON.stringify(streams))}::json) AS s(stream_id)
         CROSS JOIN LATERAL (SELECT revision, hash FROM ${events} e WHERE e.stream_id = s.stream_id ORDER BY revision DESC LIMIT 1) h
       UNION ALL
       SELECT 'id', e.stream_id, NULL, NULL, e.event_id::text, e.position
         FROM json_to_recordset(${escapeLiteral(JSON.stringify(keys))}::json) AS k(stream_id text, event_id uuid)
         JOIN ${events} e ON e.stream_id = k.stream_id AND e.event_id = k.event_id`,
    )) as unknown as Array<QueryResult<Record<string, unknown>>>;
    const locked = first[1].rows as Array<{ last_position: string }>;
    // The serialisation point of every writer on this database (see the class comment).
    if (locked.length !== 1) throw new EventStoreUnavailableError(`${head} has no row: the store's schema was altered`);
    let next = BigInt(locked[0].last_position);
    const heads = new Map<string, StreamHead>();
    const found = first[2].rows as Array<{ kind: string; stream_id: string; revision: number; hash: string; event_id: string; position: string }>;
    for (const r of found) if (r.kind === 'head') heads.set(r.stream_id, { revision: r.revision, hash: r.hash, ids: new Map() });
    for (const r of found) if (r.kind === 'id') heads.get(r.stream_id)?.ids.set(r.event_id, BigInt(r.position));

    const rows: Array<{ position: string; stream_id: string; revision: number; event_id: string; type: string; data: string; metadata: string; hash: string; occurred_at: number }> = [];
    const outcomes = jobs.map((job) => {
      try {
        const current = heads.get(job.streamId);
        const revision = current ? current.revision : -1;
        if (current) {
          // Idempotency before the revision check: a retried append carries a now-stale revision.
          const duplicates = job.ids.filter((id) => current.ids.has(id));
          if (duplicates.length === job.ids.length) {
            const position = duplicates.reduce((max, id) => (current.ids.get(id)! > max ? current.ids.get(id)! : max), 0n);
            return { result: { nextExpectedRevision: revision, position, written: false }, written: false };
          }
          if (duplicates.length > 0) throw new PartialDuplicateError(job.streamId, duplicates);
        }
        const { expected } = job;
        if ((expected === 'no_stream' && current) || (typeof expected === 'number' && expected !== revision)) {
          throw new ConcurrencyError(job.streamId, String(expected), current ? String(revision) : 'no_stream');
        }
        // Encoded in full before anything is kept: an event that cannot be encoded refuses its append alone.
        let prevHash = current ? current.hash : GENESIS_HASH;
        const encoded = job.events.map((e, i) => {
          const enc = encodeEvent(job.streamId, revision + 1 + i, job.ids[i], e, prevHash);
          prevHash = enc.hash;
          return enc;
        });
        const stream: StreamHead = current ?? { revision: -1, hash: GENESIS_HASH, ids: new Map() };
        job.events.forEach((e, i) => {
          next += 1n;
          rows.push({
            position: String(next),
            stream_id: job.streamId,
            revision: revision + 1 + i,
            event_id: job.ids[i],
            type: e.type,
            data: encoded[i].data,
            metadata: encoded[i].metadata,
            hash: encoded[i].hash,
            occurred_at: job.occurredAtMs[i],
          });
          stream.ids.set(job.ids[i], next);
        });
        stream.revision = revision + job.events.length;
        stream.hash = prevHash;
        heads.set(job.streamId, stream);
        return { result: { nextExpectedRevision: stream.revision, position: next, written: true }, written: true };
      } catch (error) {
        return { error };
      }
    });

    if (rows.length === 0) {
      await client.query('ROLLBACK');
      return outcomes;
    }
    await client.query(
      `WITH r AS (
         SELECT * FROM json_to_recordset(${escapeLiteral(JSON.stringify(rows))}::json)
           AS x(position bigint, stream_id text, revision integer, event_id uuid, type text, data text, metadata text, hash text, occurred_at bigint)
       ), written AS (
         INSERT INTO ${events} (position, stream_id, revision, event_id, type, data, metadata, hash, occurred_at)
         SELECT position, stream_id, revision, event_id, type, data, metadata, hash, occurred_at FROM r ORDER BY position
       ), moved AS (
         UPDATE ${head} SET last_position = ${next.toString()} WHERE id
       )
       SELECT pg_notify(${escapeLiteral(this.channel)}, '${next.toString()}');
       COMMIT`,
    );
    this.lastOwnCommit = next;
    return outcomes;
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const from = Math.max(0, Math.trunc(options.fromRevision ?? 0));
    if (options.maxCount !== undefined && options.maxCount < 1) return [];
    const limit = options.maxCount === undefined ? null : Math.trunc(options.maxCount);
    let upTo: number | null = null;
    if (options.upTo !== undefined) {
      upTo = options.upTo.getTime();
      if (Number.isNaN(upTo)) throw new RangeError('readStream: upTo is an invalid date');
    }
    const rows = await this.query<EventRow>(
      `SELECT ${COLUMNS} FROM ${this.t.events}
       WHERE stream_id = $1 AND revision >= $2 AND ($3::bigint IS NULL OR occurred_at <= $3::bigint)
       ORDER BY revision LIMIT $4`,
      [streamId, from, upTo === null ? null : String(upTo), limit],
    );
    return rows.map(toRecorded);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const limit = Math.trunc(options.maxCount ?? DEFAULT_POSTGRES_READ_ALL_MAX_COUNT);
    if (limit <= 0) return [];
    if (options.upTo !== undefined && typeof options.upTo !== 'bigint') throw new TypeError('readAll: upTo must be a bigint position');
    const { sql, params } = this.readAllQuery(options.after ?? 0n, options, limit, options.upTo);
    return (await this.query<EventRow>(sql, params)).map(toRecorded);
  }

  /**
   * One subscription batch with the head read in the same statement (one snapshot). Positions
   * commit in order, so every position up to that head is visible: the batch may report it as
   * scanned even when the filter kept nothing.
   */
  async readBatch(after: bigint, filter: EventFilter, limit: number): Promise<Batch> {
    this.assertOpen();
    const { sql, params } = this.readAllQuery(after, filter, limit, undefined);
    const rows = await this.query<EventRow & { head: string | null }>(
      `WITH h AS (SELECT max(position) AS head FROM ${this.t.events})
       SELECT h.head, e.* FROM h LEFT JOIN LATERAL (${sql}) e ON true ORDER BY e.position`,
      params,
    );
    const head = rows.length > 0 && rows[0].head !== null ? BigInt(rows[0].head) : 0n;
    const events = rows.filter((r) => r.position !== null).map(toRecorded);
    if (events.length === limit) return { events, scannedTo: events[events.length - 1].position };
    return { events, scannedTo: head > after ? head : after };
  }

  private readAllQuery(after: bigint, filter: EventFilter, limit: number, upTo: bigint | undefined): { sql: string; params: unknown[] } {
    const params: unknown[] = [String(after)];
    const where = ['position > $1'];
    if (upTo !== undefined) {
      params.push(String(upTo));
      where.push(`position <= $${params.length}`);
    }
    const prefixes = filter.streamPrefixes ?? [];
    if (prefixes.length > 0) {
      where.push(`(${prefixes.map((p) => (params.push(p), `left(stream_id, length($${params.length}::text)) = $${params.length}::text`)).join(' OR ')})`);
    }
    if (filter.eventTypes && filter.eventTypes.length > 0) {
      params.push([...filter.eventTypes]);
      where.push(`type = ANY($${params.length}::text[])`);
    }
    params.push(limit);
    return { sql: `SELECT ${COLUMNS} FROM ${this.t.events} WHERE ${where.join(' AND ')} ORDER BY position LIMIT $${params.length}`, params };
  }

  async headPosition(): Promise<bigint | undefined> {
    this.assertOpen();
    const [row] = await this.query<{ head: string | null }>(`SELECT max(position) AS head FROM ${this.t.events}`);
    return row.head === null ? undefined : BigInt(row.head);
  }

  async listStreams(prefix?: string): Promise<string[]> {
    this.assertOpen();
    const rows = prefix
      ? await this.query<{ stream_id: string }>(
          `SELECT DISTINCT stream_id FROM ${this.t.events} WHERE stream_id >= $1 AND left(stream_id, length($1)) = $1 ORDER BY stream_id`,
          [prefix],
        )
      : await this.query<{ stream_id: string }>(`SELECT DISTINCT stream_id FROM ${this.t.events} ORDER BY stream_id`);
    return rows.map((r) => r.stream_id);
  }

  /**
   * Positions come from `rx_store_head`, under its row lock, and roll back with their
   * transaction: the stored positions are exactly 1..N, and the counter is N, unless rows were
   * deleted behind the store's back. A gap, missing positions before the first event, or a counter
   * past the last event shows as a missing range.
   */
  async verifyCompleteness(): Promise<StoreCompleteness> {
    this.assertOpen();
    const { events, head } = this.t;
    const [stats] = await this.query<{ n: string; lo: string | null; hi: string | null; assigned: string }>(
      `SELECT count(*) AS n, min(position) AS lo, max(position) AS hi, (SELECT last_position FROM ${head} WHERE id) AS assigned FROM ${events}`,
    );
    const n = BigInt(stats.n);
    const last = stats.hi === null ? 0n : BigInt(stats.hi);
    const assigned = stats.assigned === null ? 0n : BigInt(stats.assigned);
    const missing: StoreCompleteness['missing'] = [];
    const add = (from: bigint, to: bigint, evidence: string) => {
      if (from <= to && missing.length < MAX_RANGES) missing.push({ from: String(from), to: String(to), evidence });
    };
    if (n !== last) {
      if (stats.lo !== null) add(1n, BigInt(stats.lo) - 1n, 'positions before the first stored event are missing');
      const gaps = await this.query<{ gap_from: string; gap_to: string }>(
        `SELECT position + 1 AS gap_from, next - 1 AS gap_to
         FROM (SELECT position, lead(position) OVER (ORDER BY position) AS next FROM ${events}) s
         WHERE next > position + 1 ORDER BY position LIMIT ${MAX_RANGES}`,
      );
      for (const g of gaps) add(BigInt(g.gap_from), BigInt(g.gap_to), 'a gap in the sequence of positions');
    }
    add(last + 1n, assigned, 'assigned by the store (rx_store_head) after the last stored event');
    return { checked: true, ok: missing.length === 0, eventCount: Number(n), lastAssigned: String(assigned > last ? assigned : last), missing };
  }

  async loadCheckpoint(name: string): Promise<bigint | undefined> {
    this.assertOpen();
    const [row] = await this.query<{ position: string }>(`SELECT position FROM ${this.t.checkpoints} WHERE name = $1`, [name]);
    return row ? BigInt(row.position) : undefined;
  }

  async saveCheckpoint(name: string, position: bigint): Promise<void> {
    if (typeof name !== 'string' || name === '') throw new TypeError('saveCheckpoint: name must be a non-empty string');
    if (typeof position !== 'bigint' || position < 0n) throw new TypeError('saveCheckpoint: position must be a non-negative bigint');
    this.assertOpen();
    await this.query(
      `INSERT INTO ${this.t.checkpoints} (name, position) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET position = excluded.position`,
      [name, String(position)],
    );
  }

  subscribe(options: SubscribeOptions): Subscription {
    this.assertOpen();
    const subscription = new PollingSubscription(
      this,
      options,
      { pollIntervalMs: this.settings.pollIntervalMs, batchSize: this.settings.subscriptionBatchSize },
      (s) => this.subscriptions.delete(s),
    );
    this.subscriptions.add(subscription);
    if (!this.listener && !this.listenerRetry) void this.listen();
    return subscription;
  }

  /** Whether the LISTEN connection is up (subscriptions are woken by NOTIFY, not only by polling). */
  get listeningForNotifications(): boolean {
    return this.listening;
  }

  /**
   * One connection per store LISTENs on the schema's channel; every append transaction NOTIFYs it
   * with its last position, delivered at commit. Another process's commit thus wakes this one's
   * subscriptions at once. If the connection drops, polling carries on and it reconnects.
   */
  private async listen(): Promise<void> {
    if (this.closed) return;
    const client = new Client({ ...this.clientConfig });
    this.listener = client;
    const retry = () => {
      if (this.listener !== client) return;
      this.listener = undefined;
      this.listening = false;
      client.removeAllListeners('notification');
      client.end().catch(() => undefined);
      if (this.closed || this.subscriptions.size === 0) return;
      this.listenerRetry = setTimeout(() => {
        this.listenerRetry = undefined;
        void this.listen();
      }, this.settings.pollIntervalMs);
      this.listenerRetry.unref();
    };
    client.on('error', retry);
    client.on('end', retry);
    client.on('notification', (message) => {
      // Own commits woke the subscriptions already, after this process saw them commit.
      if (message.payload && BigInt(message.payload) <= this.lastOwnCommit) return;
      for (const s of this.subscriptions) s.notify();
    });
    try {
      await client.connect();
      await client.query(`LISTEN "${this.channel}"`);
      if (this.listener !== client) return;
      this.listening = true;
      // Whatever committed while no one listened.
      for (const s of this.subscriptions) s.notify();
    } catch {
      retry();
    }
  }

  async ping(): Promise<{ ok: boolean; detail?: string }> {
    if (this.closed) return { ok: false, detail: 'closed' };
    try {
      await this.query('SELECT 1');
      return { ok: true, detail: `postgres ${this.location} schema ${this.schema}` };
    } catch (error) {
      return { ok: false, detail: errorMessage(error) };
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
    while (this.writing || this.queue.length > 0) {
      if (!this.writing) void this.drain();
      await new Promise((r) => setTimeout(r, 5));
    }
    this.closed = true;
    clearTimeout(this.listenerRetry);
    const listener = this.listener;
    this.listener = undefined;
    this.listening = false;
    await listener?.end().catch(() => undefined);
    await this.ready?.catch(() => undefined);
    await this.pool.end();
  }

  private async query<R extends object>(sql: string, params?: unknown[]): Promise<R[]> {
    await this.whenReady();
    try {
      return (await this.pool.query<R>(sql, params)).rows;
    } catch (error) {
      throw translate(error);
    }
  }

  private async withClient<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw new EventStoreUnavailableError(`cannot reach PostgreSQL event store at ${this.location}: ${errorMessage(error)}`, error);
    }
    let broken: Error | undefined;
    try {
      return await work(client);
    } catch (error) {
      if (isConnectionError(error)) broken = error as Error;
      throw error;
    } finally {
      client.release(broken);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new EventStoreUnavailableError(`PostgreSQL event store ${this.location} is closed`);
  }
}

function encodeEvent(streamId: string, revision: number, id: string, e: NewEvent, prevHash: string): { hash: string; data: string; metadata: string } {
  try {
    const hash = computeEventHash({ streamId, revision, id, type: e.type, data: e.data, metadata: e.metadata, prevHash });
    return { hash, data: JSON.stringify(e.data), metadata: JSON.stringify(storedMetadata(e.metadata, hash, prevHash)) };
  } catch (error) {
    throw new InvalidAppendError(`stream ${streamId}, event ${id}: data is not JSON-encodable (${errorMessage(error)})`);
  }
}

function toRecorded(row: EventRow): RecordedEvent {
  return {
    id: row.event_id,
    streamId: row.stream_id,
    revision: row.revision,
    position: BigInt(row.position),
    type: row.type,
    data: JSON.parse(row.data) as unknown,
    metadata: JSON.parse(row.metadata) as EventMetadata,
  };
}

/** Errors of the connection rather than of the statement: the store is unavailable. */
function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: string }).code ?? '';
  return (
    /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN)$/.test(code) ||
    code.startsWith('08') || // connection exception
    code === '57P01' || // admin shutdown
    code === '57P03' || // cannot connect now
    code === '53300' || // too many connections
    /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(error.message)
  );
}

function translate(error: unknown): unknown {
  if (error instanceof EventStoreUnavailableError || error instanceof ConcurrencyError || error instanceof PartialDuplicateError || error instanceof InvalidAppendError) return error;
  if (isConnectionError(error)) return new EventStoreUnavailableError(`PostgreSQL event store unavailable: ${errorMessage(error)}`, error);
  // 22P05/22021: text the server refuses (a NUL character): bad input, not a server fault.
  const code = (error as { code?: string })?.code;
  if (code === '22P05' || code === '22021') return new InvalidAppendError(`PostgreSQL refused the event's text: ${errorMessage(error)}`);
  return error;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
