import { verifyStream, type EventStore, type StoreCompleteness } from '@rx/event-store';

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
  checkedAt: string;
  durationMs: number;
}

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
  return {
    ok: failures.length === 0 && completeness.ok,
    streamsChecked: streams.length,
    eventsChecked,
    failures,
    store: completeness,
    checkedAt: now().toISOString(),
    durationMs: Date.now() - started,
  };
}
