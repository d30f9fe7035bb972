import { randomUUID } from 'node:crypto';
import { CatchUpReader } from './catch-up-reader';
import { DelegatingStore } from './testing/delegating-store';
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

  /** Records each readAll's bounds, to see what a catch-up scans. */
  class ScanLog extends DelegatingStore {
    readonly scans: Array<{ after?: bigint; upTo?: bigint }> = [];
    override readAll(...args: Parameters<EventStore['readAll']>) {
      this.scans.push({ after: args[0]?.after, upTo: args[0]?.upTo });
      return super.readAll(...args);
    }
  }

  it('remembers how far it looked: a rare type is not rescanned from its last match on every call', async () => {
    const log = new ScanLog(store);
    await store.append('claim-1', [event('Rare')], { expectedRevision: 'no_stream' });
    for (let i = 0; i < 10; i++) await store.append(`busy-${i}`, [event('Common')], { expectedRevision: 'no_stream' });
    const seen: string[] = [];
    const reader = new CatchUpReader(log, { eventTypes: ['Rare'] }, (e) => seen.push(e.streamId));
    await reader.catchUp();
    expect(log.scans).toEqual([{ after: undefined, upTo: 11n }]);
    for (let i = 10; i < 15; i++) await store.append(`busy-${i}`, [event('Common')], { expectedRevision: 'no_stream' });
    await reader.catchUp();
    await reader.catchUp();
    expect(log.scans.slice(1)).toEqual([{ after: 11n, upTo: 16n }]);
    await store.append('claim-2', [event('Rare')], { expectedRevision: 'no_stream' });
    await reader.catchUp();
    expect(seen).toEqual(['claim-1', 'claim-2']);
    expect(reader.position).toBe(17n);
  });

  it('scans at most a window of positions at a time, with a turn of the event loop between', async () => {
    for (let i = 0; i < 10; i++) await store.append(`busy-${i}`, [event('Common')], { expectedRevision: 'no_stream' });
    const log = new ScanLog(store);
    const order: string[] = [];
    const reader = new CatchUpReader(log, { eventTypes: ['Common'] }, (e) => order.push(e.streamId), 500, 4n);
    setImmediate(() => order.push('other work'));
    await reader.catchUp();
    expect(log.scans).toEqual([
      { after: undefined, upTo: 4n },
      { after: 4n, upTo: 8n },
      { after: 8n, upTo: 10n },
    ]);
    expect(order.indexOf('other work')).toBe(4);
    expect(order.filter((x) => x !== 'other work')).toHaveLength(10);
  });

  it('never applies a page twice when queries catch up concurrently', async () => {
    for (let i = 0; i < 20; i++) await store.append(`a-${i}`, [event('Kept')], { expectedRevision: 'no_stream' });
    let applied = 0;
    const reader = new CatchUpReader(store, { streamPrefixes: ['a-'] }, () => applied++, 4);
    await Promise.all([reader.catchUp(), reader.catchUp(), reader.catchUp()]);
    expect(applied).toBe(20);
  });
});
