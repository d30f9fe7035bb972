import { randomUUID } from 'node:crypto';
import { CatchUpReader } from './catch-up-reader';
import { createEventStore } from './event-store.factory';
import type { EventStore, RecordedEvent } from './event-store.port';

const meta = { correlationId: 'c', causationId: 'c', actor: { role: 'system', id: 'test' }, occurredAt: '2026-03-02T09:00:00.000Z' };
const event = (type: string) => ({ id: randomUUID(), type, data: {}, metadata: meta });

describe('CatchUpReader', () => {
  let store: EventStore;
  beforeEach(() => {
    store = createEventStore('sqlite::memory:');
  });
  afterEach(() => store.close());

  it('applies each matching event once, across pages, and resumes where it stopped', async () => {
    for (let i = 0; i < 7; i++) await store.append(`a-${i}`, [event('Kept'), event('Skipped')], { expectedRevision: 'no_stream' });
    await store.append('b-1', [event('Kept')], { expectedRevision: 'no_stream' });
    const seen: RecordedEvent[] = [];
    const reader = new CatchUpReader(store, { streamPrefixes: ['a-'], eventTypes: ['Kept'] }, (e) => seen.push(e), 3);
    await reader.catchUp();
    expect(seen.map((e) => e.streamId)).toEqual(['a-0', 'a-1', 'a-2', 'a-3', 'a-4', 'a-5', 'a-6']);
    await store.append('a-7', [event('Kept')], { expectedRevision: 'no_stream' });
    await reader.catchUp();
    expect(seen).toHaveLength(8);
    expect(reader.position).toBe(seen[7].position);
  });

  it('gives the event loop a turn between pages, so a long catch-up does not hold up requests', async () => {
    for (let i = 0; i < 9; i++) await store.append(`a-${i}`, [event('Kept')], { expectedRevision: 'no_stream' });
    const order: string[] = [];
    const reader = new CatchUpReader(store, { streamPrefixes: ['a-'] }, (e) => order.push(e.streamId), 3);
    setImmediate(() => order.push('other work'));
    await reader.catchUp();
    expect(order.indexOf('other work')).toBeGreaterThan(0);
    expect(order.indexOf('other work')).toBeLessThan(order.length - 1);
    expect(order.filter((x) => x !== 'other work')).toHaveLength(9);
  });

  it('never applies a page twice when queries catch up concurrently', async () => {
    for (let i = 0; i < 20; i++) await store.append(`a-${i}`, [event('Kept')], { expectedRevision: 'no_stream' });
    let applied = 0;
    const reader = new CatchUpReader(store, { streamPrefixes: ['a-'] }, () => applied++, 4);
    await Promise.all([reader.catchUp(), reader.catchUp(), reader.catchUp()]);
    expect(applied).toBe(20);
  });
});
