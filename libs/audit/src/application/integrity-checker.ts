import { verifyStream, type EventStore, type StoreCompleteness } from '@rx/event-store';
import { ALERT_RAISED, ALERT_STREAM_PREFIX } from '../domain/audit-streams';
import type { Alert } from '../domain/rules';

export interface IntegrityFailure {
  streamId: string;
  brokenAt: number;
  reason: string;
}

export interface IntegrityReport {
  ok: boolean;
  streamsChecked: number;
  eventsChecked: number;
  failures: IntegrityFailure[];
  /** Store-wide: events missing from the global sequence (a stream deleted whole, a tail cut off). */
  store: StoreCompleteness;
  /**
   * Dead letters the audit context learnt of (each an alert of rule `dead-letter`): events some
   * context refused, so the record is not whole. Any makes `ok` false.
   */
  deadLetters: { count: number; recent: DeadLetterSummary[] };
  checkedAt: string;
  durationMs: number;
}

export interface DeadLetterSummary {
  alertId: string;
  topic: string;
  groupId: string;
  key: string | null;
  reason: string;
  failedAt: string;
}

/** Dead letters listed in a report (the newest); the count covers all. */
const RECENT_DEAD_LETTERS = 100;

/** Streams read at once; SQLite answers each from its (stream_id, revision) index. */
const CONCURRENCY = 32;

/**
 * Verifies the hash chain of every stream in the store the audit is attached to: in the embedded
 * mode every context's streams and the audit copies, in the distributed mode the audit store.
 * Alteration, removal and reordering each break a chain at the first bad revision (integrity.ts).
 * A stream deleted whole, or a tail cut off, leaves no broken link; the store's own completeness
 * check (`verifyCompleteness`: positions missing from its sequence, on SQLite) shows those, and
 * the audit copies' `sourceVerified` in the history names the prescriptions they concern.
 */
export async function checkIntegrity(store: EventStore, now: () => Date = () => new Date(), prefix?: string): Promise<IntegrityReport> {
  const started = Date.now();
  const streams = await store.listStreams(prefix);
  const failures: IntegrityFailure[] = [];
  let eventsChecked = 0;
  for (let i = 0; i < streams.length; i += CONCURRENCY) {
    const batch = streams.slice(i, i + CONCURRENCY);
    const results = await Promise.all(batch.map(async (streamId) => verifyStream(streamId, await store.readStream(streamId))));
    for (const r of results) {
      eventsChecked += r.eventCount;
      if (!r.ok) failures.push({ streamId: r.streamId, brokenAt: r.brokenAt ?? 0, reason: r.reason ?? 'broken' });
    }
  }
  const completeness = await store.verifyCompleteness();
  const deadLetters = await findDeadLetters(store);
  return {
    ok: failures.length === 0 && completeness.ok && deadLetters.count === 0,
    streamsChecked: streams.length,
    eventsChecked,
    failures,
    store: completeness,
    deadLetters,
    checkedAt: now().toISOString(),
    durationMs: Date.now() - started,
  };
}

async function findDeadLetters(store: EventStore): Promise<IntegrityReport['deadLetters']> {
  let count = 0;
  const recent: DeadLetterSummary[] = [];
  for (let after: bigint | undefined; ; ) {
    const page = await store.readAll({ after, streamPrefixes: [ALERT_STREAM_PREFIX], eventTypes: [ALERT_RAISED], maxCount: 1000 });
    for (const e of page) {
      const a = e.data as Alert;
      if (a.ruleId !== 'dead-letter') continue;
      count++;
      const d = a.details;
      recent.push({ alertId: a.alertId, topic: String(d.topic), groupId: String(d.groupId), key: typeof d.key === 'string' ? d.key : null, reason: String(d.reason), failedAt: String(d.failedAt) });
      if (recent.length > RECENT_DEAD_LETTERS) recent.shift();
    }
    if (page.length < 1000) return { count, recent };
    after = page[page.length - 1].position;
  }
}

export interface IntegrityPage {
  ok: boolean;
  /** Streams in the store when this page was read (the progress bar's whole). */
  streamsTotal: number;
  /** Streams up to and including this page's last one, in stream-id order (the progress bar's part). */
  streamsDone: number;
  streamsChecked: number;
  eventsChecked: number;
  failures: IntegrityFailure[];
  /** Pass as `after` for the next page; null when this page reached the last stream. */
  nextAfter: string | null;
  /** On the last page only: the store-wide completeness check. */
  store: StoreCompleteness | null;
  checkedAt: string;
  durationMs: number;
}

/**
 * One page of the whole-store check, for a caller that shows progress: the streams after `after`
 * in id order, `limit` of them; the last page adds the store's completeness. Paging by stream id
 * (not offset) means a stream created meanwhile is checked if it sorts after the cursor and never
 * shifts what the next page covers.
 */
export async function checkIntegrityPage(store: EventStore, page: { after?: string; limit: number }, now: () => Date = () => new Date()): Promise<IntegrityPage> {
  const started = Date.now();
  const streams = await store.listStreams();
  const from = page.after === undefined ? 0 : streams.findIndex((s) => s > page.after!);
  const start = from < 0 ? streams.length : from;
  const slice = streams.slice(start, start + page.limit);
  const failures: IntegrityFailure[] = [];
  let eventsChecked = 0;
  for (let i = 0; i < slice.length; i += CONCURRENCY) {
    const results = await Promise.all(slice.slice(i, i + CONCURRENCY).map(async (streamId) => verifyStream(streamId, await store.readStream(streamId))));
    for (const r of results) {
      eventsChecked += r.eventCount;
      if (!r.ok) failures.push({ streamId: r.streamId, brokenAt: r.brokenAt ?? 0, reason: r.reason ?? 'broken' });
    }
  }
  const last = start + slice.length >= streams.length;
  const completeness = last ? await store.verifyCompleteness() : null;
  return {
    ok: failures.length === 0 && (completeness?.ok ?? true),
    streamsTotal: streams.length,
    streamsDone: start + slice.length,
    streamsChecked: slice.length,
    eventsChecked,
    failures,
    nextAfter: last ? null : slice[slice.length - 1],
    store: completeness,
    checkedAt: now().toISOString(),
    durationMs: Date.now() - started,
  };
}
