import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
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
import { sqliteCompleteness } from './completeness';
import { RecentTail, toRecorded as tailRowToRecorded, type TailRow } from './recent-tail';
import { StreamCache } from './stream-cache';
import { WalCheckpointer } from './wal-checkpointer';
import { type Batch, type BatchSource, PollingSubscription } from './sqlite-subscription';

export interface SqliteEventStoreOptions {
  /**
   * FULL (default): every commit is fsynced before the append returns, so an acknowledged command
   * survives a power cut. NORMAL: in WAL mode a commit survives a process crash, but the last
   * transactions before an OS crash or power loss may be lost (the file is never corrupted); an
   * explicit choice for stores whose loss can be replayed (benchmarks, tests).
   */
  synchronous?: 'NORMAL' | 'FULL';
  /**
   * Caps the file at this many pages (SQLite's max_page_count; pages are 4 KiB): appends beyond it
   * fail as on a full disk (EventStoreUnavailableError), leaving room for the rest of the host.
   * Default: no cap beyond SQLite's own.
   */
  maxPageCount?: number;
  /** How long an append waits for another connection's write lock before failing; default 5000 ms. */
  busyTimeoutMs?: number;
  /** Live subscriptions re-check the file this often, to see other processes' appends; default 200 ms. */
  pollIntervalMs?: number;
  /** Events read per subscription batch; default 500. */
  subscriptionBatchSize?: number;
  /** Own appends kept in memory for live subscriptions (0 turns it off); default 2000. */
  recentEvents?: number;
  /** Streams this connection created, kept whole in memory for `readStream` (0 turns it off); default 1024. */
  cachedStreams?: number;
  /**
   * `background` (default for files): a worker thread checkpoints the WAL every 250 ms on its own
   * connection, so commits on this thread never wait for an fsync; SQLite's automatic checkpoint
   * stays on at 10000 pages as a safety net. `inline`: SQLite's default, every 1000 pages, inside
   * the commit that crosses it.
   */
  walCheckpoint?: 'background' | 'inline';
  /**
   * With background checkpoints: WAL frames after which this connection finishes a pass's copy so
   * the next commit restarts the WAL from its start; default 6000 (about 24 MB).
   */
  walRestartFrames?: number;
}

/** Pages in the WAL before the writing connection checkpoints itself when the background one does. */
const SAFETY_NET_AUTOCHECKPOINT_PAGES = 10_000;
/**
 * WAL frames after which the writer finishes a background pass's copy itself, so its next commit
 * restarts the WAL. Without that only the safety net restarted it: under steady load every 10 000
 * pages a commit copied what was left and synced both files, a 10-20 ms stall each time (p99 at
 * 110 lifecycles/s: 13 ms, against 5.5 with no such stall); finishing a pass costs about 5 ms.
 */
const DEFAULT_WAL_RESTART_FRAMES = 6_000;
const BACKGROUND_CHECKPOINT_MS = 250;
const VERSION_CHECK_MS = 5;

export const DEFAULT_READ_ALL_MAX_COUNT = 1000;

interface EventRow {
  position: number | bigint;
  stream_id: string;
  revision: number;
  event_id: string;
  type: string;
  data: string;
  metadata: string;
}

interface AppendJob {
  kind: 'append';
  streamId: string;
  events: readonly NewEvent[];
  ids: string[];
  occurredAtMs: number[];
  expected: ExpectedRevision;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

interface CheckpointJob {
  kind: 'checkpoint';
  name: string;
  position: bigint;
  resolve: () => void;
  reject: (error: unknown) => void;
}

type WriteJob = AppendJob | CheckpointJob;

type WriteOutcome = { result: AppendResult; rows: TailRow[] } | { error: unknown };

/** Appends per group transaction: bounds how long one process holds the file's write lock. */
const MAX_GROUP_SIZE = 256;

interface HeadRow {
  revision: number;
  hash: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  position    INTEGER PRIMARY KEY AUTOINCREMENT,
  stream_id   TEXT    NOT NULL,
  revision    INTEGER NOT NULL,
  event_id    TEXT    NOT NULL,
  type        TEXT    NOT NULL,
  data        TEXT    NOT NULL,
  metadata    TEXT    NOT NULL,
  hash        TEXT    NOT NULL,
  occurred_at INTEGER NOT NULL,
  UNIQUE (stream_id, revision),
  UNIQUE (stream_id, event_id)
);
CREATE INDEX IF NOT EXISTS events_type ON events (type);
CREATE TABLE IF NOT EXISTS checkpoints (
  name     TEXT PRIMARY KEY,
  position INTEGER NOT NULL
) WITHOUT ROWID;
`;
// The UNIQUE (stream_id, revision) index also serves stream reads, stream-head lookups and prefix scans.
// UNIQUE (stream_id, event_id) keeps the idempotency check a lookup: without it the check walks the
// stream, which cost a 700-event stream 3.5x its appends per second. Both indexes lead with the
// stream id, so version-7 ids (@rx/kernel) keep their inserts at the index's end.
// `hash` duplicates metadata.hash so an append finds the chain's previous link without parsing JSON.

const COLUMNS = 'position, stream_id, revision, event_id, type, data, metadata';

type Statement = Database.Statement<unknown[], unknown>;

export class SqliteEventStore implements EventStore, BatchSource {
  readonly kind = 'sqlite' as const;
  readonly path: string;
  private readonly db: Database.Database;
  private readonly settings: Required<SqliteEventStoreOptions>;
  private readonly subscriptions = new Set<PollingSubscription>();
  private readonly readAllStatements = new Map<string, Statement>();
  private readonly stmt: {
    head: Statement;
    findId: Statement;
    insert: Statement;
    readStream: Statement;
    readStreamUpTo: Statement;
    headPosition: Statement;
    listStreams: Statement;
    listStreamsPrefix: Statement;
    listStreamsRange: Statement;
    loadCheckpoint: Statement;
    saveCheckpoint: Statement;
    ping: Statement;
    dataVersion: Statement;
  };
  private readonly groupTx: (jobs: readonly WriteJob[]) => WriteOutcome[];
  private queue: WriteJob[] = [];
  private readonly tail: RecentTail;
  private readonly streamCache: StreamCache;
  /** SQLite's data_version as last seen: it changes only when another connection commits. */
  private dataVersion: number;
  private versionCheckedAt = -Infinity;
  private flushScheduled = false;
  private readonly batchTx: (after: bigint, filter: EventFilter, limit: number) => Batch;
  private closed = false;
  private checkpointer?: WalCheckpointer;

  /** `path` is a file (its directory is created if missing) or ':memory:'. */
  constructor(path: string, options: SqliteEventStoreOptions = {}) {
    if (typeof path !== 'string' || path.trim() === '') throw new Error('SqliteEventStore: a file path or ":memory:" is required');
    this.path = path;
    this.settings = {
      synchronous: options.synchronous ?? 'FULL',
      maxPageCount: options.maxPageCount ?? 0,
      busyTimeoutMs: options.busyTimeoutMs ?? 5000,
      pollIntervalMs: options.pollIntervalMs ?? 200,
      subscriptionBatchSize: options.subscriptionBatchSize ?? 500,
      // Sized for what is re-read while still hot (a subscription a few ms behind, a command's stream
      // within its lifecycle): 10,000 / 4,096 cost 61 MiB more peak RSS in the bench and no CPU less.
      recentEvents: options.recentEvents ?? 2_000,
      cachedStreams: options.cachedStreams ?? 1024,
      walCheckpoint: options.walCheckpoint ?? 'background',
      walRestartFrames: options.walRestartFrames ?? DEFAULT_WAL_RESTART_FRAMES,
    };
    if (!Number.isInteger(this.settings.subscriptionBatchSize) || this.settings.subscriptionBatchSize < 1) {
      throw new Error(`SqliteEventStore: subscriptionBatchSize must be a positive integer, not ${String(this.settings.subscriptionBatchSize)}`);
    }
    if (typeof this.settings.walRestartFrames !== 'number' || !(this.settings.walRestartFrames >= 1)) {
      throw new Error(`SqliteEventStore: walRestartFrames must be a number of frames >= 1, not ${String(this.settings.walRestartFrames)}`);
    }
    if (this.settings.walCheckpoint !== 'background' && this.settings.walCheckpoint !== 'inline') {
      throw new Error(`SqliteEventStore: walCheckpoint must be background or inline, not ${String(this.settings.walCheckpoint)}`);
    }
    if (!Number.isSafeInteger(this.settings.maxPageCount) || this.settings.maxPageCount < 0) {
      throw new Error(`SqliteEventStore: maxPageCount must be a positive integer, not ${String(this.settings.maxPageCount)}`);
    }
    if (this.settings.synchronous !== 'NORMAL' && this.settings.synchronous !== 'FULL') {
      throw new Error(`SqliteEventStore: synchronous must be NORMAL or FULL, not ${String(this.settings.synchronous)}`);
    }
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    try {
      this.db = new Database(path, { timeout: this.settings.busyTimeoutMs });
    } catch (error) {
      throw new EventStoreUnavailableError(`cannot open SQLite event store at ${path}: ${errorMessage(error)}`, error);
    }
    try {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma(`synchronous = ${this.settings.synchronous}`);
      this.db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(this.settings.busyTimeoutMs))}`);
      if (this.settings.maxPageCount > 0) this.db.pragma(`max_page_count = ${this.settings.maxPageCount}`);
      if (this.backgroundCheckpoints) this.db.pragma(`wal_autocheckpoint = ${SAFETY_NET_AUTOCHECKPOINT_PAGES}`);
      this.db.exec(SCHEMA);
    } catch (error) {
      this.db.close();
      throw new EventStoreUnavailableError(`cannot prepare SQLite event store at ${path}: ${errorMessage(error)}`, error);
    }

    const prepare = (sql: string): Statement => this.db.prepare(sql);
    this.stmt = {
      head: prepare('SELECT revision, hash FROM events WHERE stream_id = ? ORDER BY revision DESC LIMIT 1'),
      findId: prepare('SELECT position FROM events WHERE stream_id = ? AND event_id = ?').pluck(),
      insert: prepare(
        'INSERT INTO events (stream_id, revision, event_id, type, data, metadata, hash, occurred_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      readStream: prepare(`SELECT ${COLUMNS} FROM events WHERE stream_id = ? AND revision >= ? ORDER BY revision LIMIT ?`),
      readStreamUpTo: prepare(
        `SELECT ${COLUMNS} FROM events WHERE stream_id = ? AND revision >= ? AND occurred_at <= ? ORDER BY revision LIMIT ?`,
      ),
      headPosition: prepare('SELECT max(position) AS head FROM events').safeIntegers(true),
      listStreams: prepare('SELECT DISTINCT stream_id FROM events ORDER BY stream_id').pluck(),
      listStreamsPrefix: prepare(
        'SELECT DISTINCT stream_id FROM events WHERE stream_id >= @prefix AND substr(stream_id, 1, length(@prefix)) = @prefix ORDER BY stream_id',
      ).pluck(),
      listStreamsRange: prepare(
        'SELECT DISTINCT stream_id FROM events WHERE stream_id >= @prefix AND stream_id < @upper AND substr(stream_id, 1, length(@prefix)) = @prefix ORDER BY stream_id',
      ).pluck(),
      loadCheckpoint: prepare('SELECT position FROM checkpoints WHERE name = ?').pluck().safeIntegers(true),
      saveCheckpoint: prepare(
        'INSERT INTO checkpoints (name, position) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET position = excluded.position',
      ),
      ping: prepare('SELECT 1').pluck(),
      dataVersion: prepare('PRAGMA data_version').pluck(),
    };
    this.tail = new RecentTail(Math.max(0, Math.trunc(this.settings.recentEvents)));
    this.streamCache = new StreamCache(Math.max(0, Math.trunc(this.settings.cachedStreams)));
    this.dataVersion = this.stmt.dataVersion.get() as number;

    // Nested in the group transaction below, each write runs in its own SAVEPOINT: a refused
    // append rolls back alone and the others of the group still commit. A group of one (the
    // usual case) needs no savepoint: rolling back the transaction is the same thing.
    const writeOne = (job: WriteJob): WriteOutcome => {
      if (job.kind === 'append') return this.appendInTransaction(job);
      this.stmt.saveCheckpoint.run(job.name, job.position);
      return { result: { nextExpectedRevision: -1, position: job.position, written: true }, rows: [] };
    };
    const nested = this.db.transaction(writeOne);
    const groupTx = this.db.transaction((jobs: readonly WriteJob[]) =>
      jobs.map((job): WriteOutcome => {
        try {
          return nested(job);
        } catch (error) {
          return { error };
        }
      }),
    );
    const soloTx = this.db.transaction(writeOne);
    // IMMEDIATE takes the write lock before reading any stream head, so another process sharing
    // the file cannot slip an event in between an expected-revision check and its insert.
    this.groupTx = (jobs) => {
      if (jobs.length > 1) return groupTx.immediate(jobs);
      try {
        return [soloTx.immediate(jobs[0])];
      } catch (error) {
        return [{ error }];
      }
    };
    const batchTx = this.db.transaction((after: bigint, filter: EventFilter, limit: number) => this.readBatchInSnapshot(after, filter, limit));
    this.batchTx = (...args) => batchTx.deferred(...args);
  }

  static open(path: string, options?: SqliteEventStoreOptions): SqliteEventStore {
    return new SqliteEventStore(path, options);
  }

  async append(streamId: string, events: readonly NewEvent[], options: AppendOptions): Promise<AppendResult> {
    const { ids, occurredAtMs } = validateAppend(streamId, events);
    validateExpectedRevision(streamId, options?.expectedRevision);
    this.assertOpen();
    return new Promise<AppendResult>((resolve, reject) => {
      this.enqueue({ kind: 'append', streamId, events, ids, occurredAtMs, expected: options.expectedRevision, resolve, reject });
    });
  }

  /**
   * Group commit: writes share one transaction (one WAL commit, which is where the time goes) when
   * they are queued before the promise work in flight settles. process.nextTick runs once the
   * microtask queue is empty, so every chain of awaits started by the same callback gets to queue
   * its write first; a lone write still commits before the event loop moves on. (Waiting for the
   * end of the loop turn instead groups more but made the in-process bus's handler-after-handler
   * chains crawl: 78 → 30 lifecycles/s.)
   */
  private enqueue(job: WriteJob): void {
    // Started with the first write: a store opened only to read (the audit CLI) needs no thread.
    if (!this.checkpointer && this.backgroundCheckpoints) this.startCheckpointer();
    this.queue.push(job);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      process.nextTick(() => this.flush());
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    while (this.queue.length > 0) {
      const jobs = this.queue.splice(0, MAX_GROUP_SIZE);
      let outcomes: WriteOutcome[];
      try {
        outcomes = this.groupTx(jobs);
      } catch (error) {
        const failure = translateSqliteError(error);
        for (const job of jobs) job.reject(failure);
        continue;
      }
      const written: AppendJob[] = [];
      for (let i = 0; i < jobs.length; i++) {
        const outcome = outcomes[i];
        const job = jobs[i];
        if ('error' in outcome) {
          // Decided on a stale view (perhaps another process wrote): the retry must read the file.
          if (job.kind === 'append') this.streamCache.forget(job.streamId);
          job.reject(translateSqliteError(outcome.error));
        } else if (job.kind === 'checkpoint') {
          job.resolve();
        } else {
          if (outcome.result.written) {
            written.push(job);
            this.streamCache.committed(job.streamId, outcome.rows);
          } else this.streamCache.forget(job.streamId);
          for (const row of outcome.rows) this.tail.push(row);
          job.resolve(outcome.result);
        }
      }
      // Wake only the subscriptions these events are for: the others would read, find nothing
      // and sleep again (their polling still sees everything, so skipping a wake loses nothing).
      if (written.length > 0) for (const s of this.subscriptions) if (written.some((job) => s.wants(job.streamId, job.events))) s.notify();
    }
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const from = Math.max(0, Math.trunc(options.fromRevision ?? 0));
    if (options.maxCount !== undefined && options.maxCount < 1) return [];
    const limit = options.maxCount === undefined ? -1 : Math.trunc(options.maxCount);
    let rows: EventRow[];
    if (options.upTo !== undefined) {
      const upTo = options.upTo.getTime();
      if (Number.isNaN(upTo)) throw new RangeError('readStream: upTo is an invalid date');
      rows = this.stmt.readStreamUpTo.all(streamId, from, upTo, limit) as EventRow[];
    } else if (this.streamCache.has(streamId)) {
      // Asked every time here: a stream read must show another connection's writes (and a
      // tampered row, for the integrity checks) at once, not within a few milliseconds.
      this.syncWithOtherWriters(true);
      const cached = this.streamCache.get(streamId);
      if (cached) return cached.slice(from, limit < 0 ? undefined : from + limit).map(tailRowToRecorded);
      rows = this.readStreamRows(streamId, from, limit, options.forAppend === true);
    } else {
      rows = this.readStreamRows(streamId, from, limit, options.forAppend === true);
    }
    return rows.map(toRecorded);
  }

  /**
   * A stream read whole before an append is kept: the command's own follow-up reads (a saga reads
   * a ledger, then runs its command on it) and its commit then extend it in memory. Other reads
   * never fill the cache (see StreamCache).
   */
  private readStreamRows(streamId: string, from: number, limit: number, forAppend: boolean): EventRow[] {
    const rows = this.stmt.readStream.all(streamId, from, limit) as EventRow[];
    if (from === 0 && rows.length === 0) this.streamCache.rememberAbsent(streamId);
    else if (forAppend && from === 0 && limit < 0) this.streamCache.remember(streamId, rows.map(toTailRow));
    return rows;
  }

  async headPosition(): Promise<bigint | undefined> {
    this.assertOpen();
    return (this.stmt.headPosition.get() as { head: bigint | null }).head ?? undefined;
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const limit = Math.trunc(options.maxCount ?? DEFAULT_READ_ALL_MAX_COUNT);
    if (limit <= 0) return [];
    if (options.upTo !== undefined && typeof options.upTo !== 'bigint') throw new TypeError('readAll: upTo must be a bigint position');
    const rows = this.readAllStatement(options).all(...readAllParams(options.after ?? 0n, options, limit)) as EventRow[];
    return rows.map(toRecorded);
  }

  /** One subscription batch, read in one snapshot with the head position (BatchSource). */
  readBatch(after: bigint, filter: EventFilter, limit: number): Batch {
    this.assertOpen();
    // What the tail holds is committed and gap-free, so it answers as the file would; only at its
    // end must we ask whether another connection wrote beyond it.
    if (this.tail.endsAt(after)) this.syncWithOtherWriters();
    return this.tail.read(after, filter, limit) ?? this.batchTx(after, filter, limit);
  }

  /** What is kept in memory may miss another connection's commits: drop it. */
  private syncWithOtherWriters(always = false): void {
    if (!this.otherWriterCommitted(always)) return;
    this.tail.clear();
    this.streamCache.clear();
  }

  /**
   * SQLite's data_version changes only when another connection commits. Asked at most every
   * VERSION_CHECK_MS (the pragma costs about as much as a small read, and every caught-up
   * subscription asks): another process's events then show within that time or at the next
   * poll, where before they showed at the next poll.
   */
  private otherWriterCommitted(always: boolean): boolean {
    const now = performance.now();
    if (!always && now - this.versionCheckedAt < VERSION_CHECK_MS) return false;
    this.versionCheckedAt = now;
    const version = this.stmt.dataVersion.get() as number;
    if (version === this.dataVersion) return false;
    this.dataVersion = version;
    return true;
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
    return subscription;
  }

  async listStreams(prefix?: string): Promise<string[]> {
    this.assertOpen();
    if (!prefix) return this.stmt.listStreams.all() as string[];
    const upper = prefixUpperBound(prefix);
    return (upper === undefined ? this.stmt.listStreamsPrefix.all({ prefix }) : this.stmt.listStreamsRange.all({ prefix, upper })) as string[];
  }

  async verifyCompleteness(): Promise<StoreCompleteness> {
    this.assertOpen();
    return sqliteCompleteness(this.db);
  }

  async loadCheckpoint(name: string): Promise<bigint | undefined> {
    this.assertOpen();
    const position = this.stmt.loadCheckpoint.get(name) as bigint | undefined;
    return position;
  }

  async saveCheckpoint(name: string, position: bigint): Promise<void> {
    if (typeof name !== 'string' || name === '') throw new TypeError('saveCheckpoint: name must be a non-empty string');
    if (typeof position !== 'bigint' || position < 0n) throw new TypeError('saveCheckpoint: position must be a non-negative bigint');
    this.assertOpen();
    // Queued with the appends: a checkpoint saved while events are being written shares their commit.
    return new Promise<void>((resolve, reject) => this.enqueue({ kind: 'checkpoint', name, position, resolve, reject }));
  }

  /** The durability in force on this connection (read back from SQLite, not from the options). */
  get synchronous(): 'OFF' | 'NORMAL' | 'FULL' | 'EXTRA' {
    const level = this.db.pragma('synchronous', { simple: true }) as number;
    return (['OFF', 'NORMAL', 'FULL', 'EXTRA'] as const)[level] ?? 'OFF';
  }

  async ping(): Promise<{ ok: boolean; detail?: string }> {
    if (this.closed) return { ok: false, detail: 'closed' };
    try {
      this.stmt.ping.get();
      return { ok: true, detail: `sqlite ${this.path} (synchronous=${this.synchronous})` };
    } catch (error) {
      return { ok: false, detail: errorMessage(error) };
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
    this.flush();
    this.closed = true;
    // Worker first: the last connection to close checkpoints and removes the WAL.
    await this.checkpointer?.stop();
    this.db.close();
  }

  private startCheckpointer(): void {
    try {
      this.checkpointer = new WalCheckpointer(this.path, BACKGROUND_CHECKPOINT_MS, SAFETY_NET_AUTOCHECKPOINT_PAGES, (frames) => {
        if (frames >= this.settings.walRestartFrames) this.finishCheckpoint();
      });
    } catch (error) {
      // No thread to be had: back to SQLite's own checkpoints, and never try again.
      this.settings.walCheckpoint = 'inline';
      this.db.pragma('wal_autocheckpoint = 1000');
      process.emitWarning(`SQLite WAL checkpoint worker not started (${errorMessage(error)}); checkpointing inline`);
    }
  }

  /**
   * Copies what the background pass left (the frames committed while it ran) on this connection,
   * where no commit can interleave, so the WAL is fully copied when the next append begins and
   * SQLite restarts it from its start. Between two write groups, never inside one.
   */
  private finishCheckpoint(): void {
    if (this.closed || this.db.inTransaction) return;
    try {
      this.db.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      // Busy or closing: the next pass asks again, and the safety net still stands.
    }
  }

  private get backgroundCheckpoints(): boolean {
    return this.settings.walCheckpoint === 'background' && this.path !== ':memory:';
  }

  private appendInTransaction({ streamId, events, ids, occurredAtMs, expected }: AppendJob): WriteOutcome {
    const head = this.stmt.head.get(streamId) as HeadRow | undefined;
    const current = head ? head.revision : -1;
    if (head) {
      // Idempotency comes before the revision check: a retried append whose first attempt was
      // stored carries a now-stale expected revision and must still succeed as a no-op.
      const duplicates: string[] = [];
      let lastStored = 0n;
      for (const id of ids) {
        const position = this.stmt.findId.get(streamId, id) as number | undefined;
        if (position === undefined) continue;
        duplicates.push(id);
        if (BigInt(position) > lastStored) lastStored = BigInt(position);
      }
      if (duplicates.length === ids.length) return { result: { nextExpectedRevision: current, position: lastStored, written: false }, rows: [] };
      if (duplicates.length > 0) throw new PartialDuplicateError(streamId, duplicates);
    }
    if ((expected === 'no_stream' && head) || (typeof expected === 'number' && expected !== current)) {
      throw new ConcurrencyError(streamId, String(expected), head ? String(current) : 'no_stream');
    }
    let prevHash = head ? head.hash : GENESIS_HASH;
    let position = 0n;
    const rows: TailRow[] = [];
    for (let i = 0; i < events.length; i++) {
      const e = events[i];
      const revision = current + 1 + i;
      const { hash, data, metadata } = encodeEvent(streamId, revision, ids[i], e, prevHash);
      const info = this.stmt.insert.run(streamId, revision, ids[i], e.type, data, metadata, hash, occurredAtMs[i]);
      position = BigInt(info.lastInsertRowid);
      prevHash = hash;
      rows.push({ position, streamId, revision, id: ids[i], type: e.type, data, metadata });
    }
    return { result: { nextExpectedRevision: current + events.length, position, written: true }, rows };
  }

  private readBatchInSnapshot(after: bigint, filter: EventFilter, limit: number): Batch {
    const rows = this.readAllStatement(filter).all(...readAllParams(after, filter, limit)) as EventRow[];
    const events = rows.map(toRecorded);
    if (events.length === limit) return { events, scannedTo: events[events.length - 1].position };
    const head = (this.stmt.headPosition.get() as { head: bigint | null }).head ?? 0n;
    return { events, scannedTo: head > after ? head : after };
  }

  private readAllStatement(filter: EventFilter & { upTo?: bigint }): Statement {
    const prefixes = filter.streamPrefixes?.length ?? 0;
    const types = filter.eventTypes?.length ?? 0;
    const bounded = filter.upTo !== undefined;
    const key = `${prefixes}:${types}:${bounded}`;
    let statement = this.readAllStatements.get(key);
    if (!statement) {
      statement = this.db.prepare(readAllSql(prefixes, types, bounded));
      this.readAllStatements.set(key, statement);
    }
    return statement;
  }

  private assertOpen(): void {
    if (this.closed) throw new EventStoreUnavailableError(`SQLite event store ${this.path} is closed`);
  }
}

/**
 * A page of the global order. One event type is a walk of the type index, already in position
 * order. Several types must not use that index: SQLite would gather every matching event after
 * `position` and sort them all to hand back one page, so each page of a catch-up re-read the rest
 * of the store (24 ms a page on 220k events, quadratic over a rebuild). `+type` makes it walk
 * positions and filter, which stops after one page.
 */
export function readAllSql(prefixes: number, types: number, bounded = false): string {
  const where = ['position > ?'];
  if (bounded) where.push('position <= ?');
  if (prefixes > 0) where.push(`(${Array.from({ length: prefixes }, () => 'substr(stream_id, 1, length(?)) = ?').join(' OR ')})`);
  if (types === 1) where.push('type = ?');
  else if (types > 1) where.push(`+type IN (${Array.from({ length: types }, () => '?').join(', ')})`);
  return `SELECT ${COLUMNS} FROM events WHERE ${where.join(' AND ')} ORDER BY position LIMIT ?`;
}

function readAllParams(after: bigint, filter: EventFilter & { upTo?: bigint }, limit: number): unknown[] {
  const params: unknown[] = [after];
  if (filter.upTo !== undefined) params.push(filter.upTo);
  for (const p of filter.streamPrefixes ?? []) params.push(p, p);
  for (const t of filter.eventTypes ?? []) params.push(t);
  params.push(limit);
  return params;
}

function encodeEvent(streamId: string, revision: number, id: string, e: NewEvent, prevHash: string): { hash: string; data: string; metadata: string } {
  try {
    const hash = computeEventHash({ streamId, revision, id, type: e.type, data: e.data, metadata: e.metadata, prevHash });
    return { hash, data: JSON.stringify(e.data), metadata: JSON.stringify(storedMetadata(e.metadata, hash, prevHash)) };
  } catch (error) {
    throw new InvalidAppendError(`stream ${streamId}, event ${id}: data is not JSON-encodable (${errorMessage(error)})`);
  }
}

function toTailRow(row: EventRow): TailRow {
  return { position: BigInt(row.position), streamId: row.stream_id, revision: row.revision, id: row.event_id, type: row.type, data: row.data, metadata: row.metadata };
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

/** The smallest string above every string that starts with `prefix`, when one is cheap to name. */
function prefixUpperBound(prefix: string): string | undefined {
  const last = prefix.charCodeAt(prefix.length - 1);
  if ((last >= 0xd800 && last <= 0xdfff) || last >= 0xffff) return undefined;
  return prefix.slice(0, -1) + String.fromCharCode(last + 1);
}

/** The file cannot take writes (disk or file size limit full, I/O failing, read-only): not the command's fault. */
const UNWRITABLE = /^SQLITE_(FULL|IOERR|READONLY|CANTOPEN)/;

/**
 * SQLite's result code, by name rather than `instanceof Database.SqliteError`: the native addon is
 * loaded once per process and keeps the error class (and realm) of the first module instance that
 * loaded it, so in a host that loads the module more than once (jest's registries) instanceof misses.
 */
function sqliteCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || (error as { name?: unknown }).name !== 'SqliteError') return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

function translateSqliteError(error: unknown): unknown {
  const code = sqliteCode(error);
  if (code && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))) {
    return new EventStoreUnavailableError(`SQLite event store is locked by another writer: ${(error as Error).message}`, error);
  }
  if (code && UNWRITABLE.test(code)) {
    return new EventStoreUnavailableError(`SQLite event store cannot write (${code}): ${(error as Error).message}`, error);
  }
  if (error instanceof TypeError && /database connection is not open/i.test(error.message)) {
    return new EventStoreUnavailableError('SQLite event store is closed', error);
  }
  return error;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
