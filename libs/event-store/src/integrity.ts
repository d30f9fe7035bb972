import { createHash } from 'node:crypto';
import { canonicalJson } from '@rx/kernel';
import type { EventMetadataInput, RecordedEvent, StreamVerification } from './event-store.port';

export const GENESIS_HASH = '0'.repeat(64);

export interface HashInput {
  streamId: string;
  revision: number;
  id: string;
  type: string;
  data: unknown;
  metadata: EventMetadataInput;
  prevHash: string;
}

/**
 * sha-256 over the canonical JSON of everything that makes the fact, chained to the previous
 * event of the stream. Both adapters call this one function, so a chain written by one verifies
 * under the other. The global position is left out: it belongs to the store, not the fact.
 */
export function computeEventHash(e: HashInput): string {
  const { correlationId, causationId, actor, occurredAt } = e.metadata;
  const body = canonicalJson({
    v: 1,
    streamId: e.streamId,
    revision: e.revision,
    id: e.id,
    type: e.type,
    data: e.data,
    metadata: { correlationId, causationId, actor: { role: actor.role, id: actor.id }, occurredAt },
    prevHash: e.prevHash,
  });
  return createHash('sha256').update(body, 'utf8').digest('hex');
}

/**
 * Verifies a whole stream read in order: revisions contiguous from 0, each hash recomputes, each
 * link points at the previous hash. Alteration, removal and reordering all break one of these.
 */
export function verifyStream(streamId: string, events: readonly RecordedEvent[]): StreamVerification {
  let prev = GENESIS_HASH;
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    const fail = (reason: string): StreamVerification => ({ streamId, ok: false, eventCount: events.length, brokenAt: i, reason });
    if (e.streamId !== streamId) return fail(`event ${e.id} belongs to ${e.streamId}`);
    if (e.revision !== i) return fail(`expected revision ${i}, found ${e.revision} (event removed or reordered)`);
    if (e.metadata.prevHash !== prev) return fail(`revision ${i} does not link to the previous event's hash`);
    const recomputed = computeEventHash({ ...e, prevHash: e.metadata.prevHash });
    if (recomputed !== e.metadata.hash) return fail(`revision ${i} content does not match its hash (altered)`);
    prev = e.metadata.hash;
  }
  return { streamId, ok: true, eventCount: events.length };
}

/** Checks a single event against its own recorded hash (audit history entries). */
export function eventHashMatches(e: RecordedEvent): boolean {
  return computeEventHash({ ...e, prevHash: e.metadata.prevHash }) === e.metadata.hash;
}
