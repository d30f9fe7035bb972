import type { EventFilter, RecordedEvent } from './event-store.port';

export function matchesFilter(e: Pick<RecordedEvent, 'streamId' | 'type'>, f: EventFilter): boolean {
  if (f.streamPrefixes && f.streamPrefixes.length > 0 && !f.streamPrefixes.some((p) => e.streamId.startsWith(p))) return false;
  if (f.eventTypes && f.eventTypes.length > 0 && !f.eventTypes.includes(e.type)) return false;
  return true;
}
