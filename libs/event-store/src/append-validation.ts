import { InvalidAppendError } from './errors';
import type { NewEvent } from './event-store.port';

export const MAX_STREAM_ID_LENGTH = 200;
export const MAX_EVENT_TYPE_LENGTH = 200;
// Any 8-4-4-4-12 hex id: EventStoreDB stores event ids as UUIDs, so the embedded store refuses what production would.
const UUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function validateStreamId(streamId: unknown): asserts streamId is string {
  if (typeof streamId !== 'string' || streamId.length === 0) throw new InvalidAppendError('stream id must be a non-empty string');
  if (streamId.length > MAX_STREAM_ID_LENGTH) throw new InvalidAppendError(`stream id longer than ${MAX_STREAM_ID_LENGTH} characters`);
  if (streamId.startsWith('$')) throw new InvalidAppendError(`stream id ${streamId}: '$' streams are reserved for the store`);
}

export interface ValidatedAppend {
  /** Event ids in lower case, as EventStoreDB returns them, so a hash verifies the same on both adapters. */
  ids: string[];
  /** Each event's `occurredAt` in epoch milliseconds. */
  occurredAtMs: number[];
}

export function validateAppend(streamId: string, events: readonly NewEvent[]): ValidatedAppend {
  validateStreamId(streamId);
  if (!Array.isArray(events) || events.length === 0) throw new InvalidAppendError(`stream ${streamId}: an append needs at least one event`);
  const seen = new Set<string>();
  const ids = new Array<string>(events.length);
  const occurredAtMs = new Array<number>(events.length);
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    const where = `stream ${streamId}, event ${i}`;
    if (typeof e.id !== 'string' || !UUID_SHAPE.test(e.id)) throw new InvalidAppendError(`${where}: id must be a UUID`);
    const id = e.id.toLowerCase();
    if (seen.has(id)) throw new InvalidAppendError(`${where}: id ${e.id} repeats within the append`);
    seen.add(id);
    ids[i] = id;
    if (typeof e.type !== 'string' || e.type.length === 0) throw new InvalidAppendError(`${where}: type must be a non-empty string`);
    if (e.type.length > MAX_EVENT_TYPE_LENGTH) throw new InvalidAppendError(`${where}: type longer than ${MAX_EVENT_TYPE_LENGTH} characters`);
    if (e.type.startsWith('$')) throw new InvalidAppendError(`${where}: '$' event types are reserved for the store`);
    if (e.data === undefined) throw new InvalidAppendError(`${where}: data is missing`);
    const m = e.metadata;
    if (typeof m !== 'object' || m === null) throw new InvalidAppendError(`${where}: metadata is missing`);
    if (typeof m.correlationId !== 'string' || typeof m.causationId !== 'string') throw new InvalidAppendError(`${where}: metadata needs correlationId and causationId`);
    if (typeof m.actor !== 'object' || m.actor === null || typeof m.actor.role !== 'string' || typeof m.actor.id !== 'string') {
      throw new InvalidAppendError(`${where}: metadata.actor needs a role and an id`);
    }
    const at = typeof m.occurredAt === 'string' ? Date.parse(m.occurredAt) : NaN;
    if (Number.isNaN(at)) throw new InvalidAppendError(`${where}: metadata.occurredAt must be an ISO-8601 instant`);
    occurredAtMs[i] = at;
  }
  return { ids, occurredAtMs };
}

/** The metadata stored with an event: the caller's fields, then the store's integrity fields (never the caller's). */
export function storedMetadata(input: NewEvent['metadata'], hash: string, prevHash: string): Record<string, unknown> {
  return { ...input, hash, prevHash };
}

export function validateExpectedRevision(streamId: string, expected: unknown): void {
  if (expected === 'no_stream' || expected === 'any') return;
  if (typeof expected === 'number' && Number.isSafeInteger(expected) && expected >= 0) return;
  throw new InvalidAppendError(`stream ${streamId}: expectedRevision must be 'no_stream', 'any' or a revision >= 0, not ${String(expected)}`);
}
