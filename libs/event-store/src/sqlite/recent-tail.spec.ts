import type { EventFilter } from '../event-store.port';
import { RecentTail, type TailRow } from './recent-tail';
import type { Batch } from './sqlite-subscription';

const NO_FILTER: EventFilter = {};

function row(position: number, streamId = `stream-${position}`, type = 'Happened'): TailRow {
  return {
    position: BigInt(position),
    streamId,
    revision: 0,
    id: `00000000-0000-4000-8000-${String(position).padStart(12, '0')}`,
    type,
    data: JSON.stringify({ n: position, nested: { tag: 'original' } }),
    metadata: JSON.stringify({ correlationId: 'c', causationId: 'c', actor: { role: 'physician', id: 'D001' }, occurredAt: '2026-03-02T09:00:00.000Z', hash: `h${position}`, prevHash: 'g' }),
  };
}

function tailWith(capacity: number, ...rows: TailRow[]): RecentTail {
  const tail = new RecentTail(capacity);
  for (const r of rows) tail.push(r);
  return tail;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

function positionsOf(batch: Batch | undefined): number[] | undefined {
  return batch?.events.map((e) => Number(e.position));
}

describe('RecentTail', () => {
  describe('reading after a position', () => {
    it('given rows 1..5, when reading after 2, then returns 3, 4 and 5 in order with scannedTo 5', () => {
      const tail = tailWith(10, ...range(1, 5).map((p) => row(p)));
      const batch = tail.read(2n, NO_FILTER, 100);
      expect(positionsOf(batch)).toEqual([3, 4, 5]);
      expect(batch?.scannedTo).toBe(5n);
    });

    it('given rows 1..5, when reading after 0 (just before the oldest), then returns every row', () => {
      const tail = tailWith(10, ...range(1, 5).map((p) => row(p)));
      const batch = tail.read(0n, NO_FILTER, 100);
      expect(positionsOf(batch)).toEqual([1, 2, 3, 4, 5]);
      expect(batch?.scannedTo).toBe(5n);
    });

    it('given a row, when read, then the event carries the stored columns parsed', () => {
      const tail = tailWith(10, row(7, 'prescription-1', 'Issued'));
      const [event] = tail.read(6n, NO_FILTER, 100)!.events;
      expect(event).toEqual({
        id: '00000000-0000-4000-8000-000000000007',
        streamId: 'prescription-1',
        revision: 0,
        position: 7n,
        type: 'Issued',
        data: { n: 7, nested: { tag: 'original' } },
        metadata: expect.objectContaining({ actor: { role: 'physician', id: 'D001' }, hash: 'h7' }),
      });
    });

    it('given the reader exactly at the end, when reading, then gets an empty batch with scannedTo = end', () => {
      const tail = tailWith(10, ...range(1, 5).map((p) => row(p)));
      expect(tail.read(5n, NO_FILTER, 100)).toEqual({ events: [], scannedTo: 5n });
    });
  });

  describe('filters', () => {
    const mixed = () =>
      tailWith(
        10,
        row(1, 'order-1', 'Placed'),
        row(2, 'payment-1', 'Paid'),
        row(3, 'order-2', 'Placed'),
        row(4, 'order-1', 'Shipped'),
        row(5, 'payment-2', 'Paid'),
        row(6, 'audit-1', 'Noted'),
      );

    it('given a stream-prefix filter, when reading, then returns only matching streams and scannedTo reaches the end past filtered-out rows', () => {
      const batch = mixed().read(0n, { streamPrefixes: ['order-'] }, 100);
      expect(positionsOf(batch)).toEqual([1, 3, 4]);
      expect(batch?.scannedTo).toBe(6n);
    });

    it('given several stream prefixes, when reading, then returns rows matching any of them', () => {
      const batch = mixed().read(0n, { streamPrefixes: ['payment-', 'audit-'] }, 100);
      expect(positionsOf(batch)).toEqual([2, 5, 6]);
      expect(batch?.scannedTo).toBe(6n);
    });

    it('given an event-type filter, when reading, then returns only those types and scannedTo reaches the end', () => {
      const batch = mixed().read(0n, { eventTypes: ['Placed', 'Shipped'] }, 100);
      expect(positionsOf(batch)).toEqual([1, 3, 4]);
      expect(batch?.scannedTo).toBe(6n);
    });

    it('given both filters, when reading, then a row must match both', () => {
      const batch = mixed().read(0n, { streamPrefixes: ['order-'], eventTypes: ['Placed'] }, 100);
      expect(positionsOf(batch)).toEqual([1, 3]);
      expect(batch?.scannedTo).toBe(6n);
    });

    it('given a filter nothing matches, when reading, then gets an empty batch with scannedTo = end', () => {
      expect(mixed().read(2n, { streamPrefixes: ['nothing-'] }, 100)).toEqual({ events: [], scannedTo: 6n });
    });

    it('given empty filter arrays, when reading, then nothing is filtered out', () => {
      const batch = mixed().read(0n, { streamPrefixes: [], eventTypes: [] }, 100);
      expect(positionsOf(batch)).toEqual([1, 2, 3, 4, 5, 6]);
    });
  });

  describe('limit', () => {
    it('given more rows than the limit, when reading, then returns the first `limit` rows and scannedTo = the last returned position', () => {
      const tail = tailWith(10, ...range(1, 5).map((p) => row(p)));
      const batch = tail.read(1n, NO_FILTER, 2);
      expect(positionsOf(batch)).toEqual([2, 3]);
      expect(batch?.scannedTo).toBe(3n);
    });

    it('given a filter and a limit, when the limit is reached, then scannedTo is the last returned position, not the end', () => {
      const tail = tailWith(10, row(1, 'a', 'A'), row(2, 'b', 'B'), row(3, 'c', 'A'), row(4, 'd', 'B'), row(5, 'e', 'A'), row(6, 'f', 'B'));
      const batch = tail.read(0n, { eventTypes: ['A'] }, 2);
      expect(positionsOf(batch)).toEqual([1, 3]);
      expect(batch?.scannedTo).toBe(3n);
    });

    it('given paging by scannedTo, when reading batch after batch, then every row comes once in order', () => {
      const tail = tailWith(10, ...range(1, 7).map((p) => row(p)));
      const seen: number[] = [];
      let after = 0n;
      for (let i = 0; i < 10; i++) {
        const batch = tail.read(after, NO_FILTER, 3)!;
        seen.push(...positionsOf(batch)!);
        if (batch.scannedTo === after) break;
        after = batch.scannedTo;
      }
      expect(seen).toEqual(range(1, 7));
      expect(after).toBe(7n);
    });
  });

  describe('when it cannot answer', () => {
    it('given an empty tail, when reading, then returns undefined', () => {
      const tail = new RecentTail(10);
      expect(tail.size).toBe(0);
      expect(tail.endsAt(0n)).toBe(false);
      expect(tail.read(0n, NO_FILTER, 100)).toBeUndefined();
    });

    it('given a cleared tail, when reading, then returns undefined', () => {
      const tail = tailWith(10, ...range(1, 3).map((p) => row(p)));
      tail.clear();
      expect(tail.size).toBe(0);
      expect(tail.endsAt(3n)).toBe(false);
      expect(tail.read(3n, NO_FILTER, 100)).toBeUndefined();
    });

    it('given rows 4..6, when the reader is behind the oldest kept row, then returns undefined', () => {
      const tail = tailWith(10, ...range(4, 6).map((p) => row(p)));
      expect(tail.read(2n, NO_FILTER, 100)).toBeUndefined();
      expect(tail.read(0n, NO_FILTER, 100)).toBeUndefined();
      expect(positionsOf(tail.read(3n, NO_FILTER, 100))).toEqual([4, 5, 6]);
    });

    it('given rows 1..3, when the reader is beyond the newest row, then returns undefined', () => {
      const tail = tailWith(10, ...range(1, 3).map((p) => row(p)));
      expect(tail.read(4n, NO_FILTER, 100)).toBeUndefined();
      expect(tail.read(100n, NO_FILTER, 100)).toBeUndefined();
    });
  });

  describe('a run of consecutive positions', () => {
    it('given rows 1..3, when a non-consecutive row 5 is pushed, then the run restarts at 5 and older readers get undefined', () => {
      const tail = tailWith(10, ...range(1, 3).map((p) => row(p)));
      tail.push(row(5));
      expect(tail.size).toBe(1);
      expect(tail.endsAt(5n)).toBe(true);
      expect(tail.endsAt(3n)).toBe(false);
      for (const after of [0n, 1n, 2n, 3n]) expect(tail.read(after, NO_FILTER, 100)).toBeUndefined();
      expect(tail.read(4n, NO_FILTER, 100)).toEqual({ events: [expect.objectContaining({ position: 5n })], scannedTo: 5n });
    });

    it('given a restarted run, when it continues consecutively, then it grows from the new start', () => {
      const tail = tailWith(10, row(1), row(2), row(5), row(6), row(7));
      expect(tail.size).toBe(3);
      expect(positionsOf(tail.read(4n, NO_FILTER, 100))).toEqual([5, 6, 7]);
      expect(tail.read(3n, NO_FILTER, 100)).toBeUndefined();
    });

    it('given rows 1..3, when a row with an older position is pushed, then the run restarts too', () => {
      const tail = tailWith(10, ...range(1, 3).map((p) => row(p)));
      tail.push(row(2));
      expect(tail.size).toBe(1);
      expect(tail.endsAt(2n)).toBe(true);
      expect(tail.read(0n, NO_FILTER, 100)).toBeUndefined();
      expect(positionsOf(tail.read(1n, NO_FILTER, 100))).toEqual([2]);
    });
  });

  describe('capacity', () => {
    it('given capacity 3 and rows 1..5, when reading, then readers behind the evicted part get undefined and the others are served', () => {
      const tail = tailWith(3, ...range(1, 5).map((p) => row(p)));
      expect(tail.size).toBe(3);
      expect(tail.endsAt(5n)).toBe(true);
      expect(tail.read(0n, NO_FILTER, 100)).toBeUndefined();
      expect(tail.read(1n, NO_FILTER, 100)).toBeUndefined();
      expect(positionsOf(tail.read(2n, NO_FILTER, 100))).toEqual([3, 4, 5]);
      expect(positionsOf(tail.read(4n, NO_FILTER, 100))).toEqual([5]);
      expect(tail.read(5n, NO_FILTER, 100)).toEqual({ events: [], scannedTo: 5n });
    });

    it('given capacity 3, when pushing far beyond 2× capacity, then after every push exactly the last 3 rows are served', () => {
      const capacity = 3;
      const tail = new RecentTail(capacity);
      for (let p = 1; p <= 50; p++) {
        tail.push(row(p));
        const kept = Math.min(p, capacity);
        expect(tail.size).toBe(kept);
        expect(tail.endsAt(BigInt(p))).toBe(true);
        const oldest = p - kept + 1;
        expect(positionsOf(tail.read(BigInt(oldest - 1), NO_FILTER, 100))).toEqual(range(oldest, p));
        if (oldest > 1) expect(tail.read(BigInt(oldest - 2), NO_FILTER, 100)).toBeUndefined();
        expect(positionsOf(tail.read(BigInt(p - 1), NO_FILTER, 100))).toEqual([p]);
        expect(tail.read(BigInt(p), NO_FILTER, 100)).toEqual({ events: [], scannedTo: BigInt(p) });
        expect(tail.read(BigInt(p + 1), NO_FILTER, 100)).toBeUndefined();
      }
    });

    it('given capacity 3 and many pushes, when filtering and limiting, then results still come from the kept rows only', () => {
      const tail = new RecentTail(3);
      for (let p = 1; p <= 20; p++) tail.push(row(p, p % 2 === 0 ? 'even-x' : 'odd-x'));
      // kept: 18, 19, 20
      const batch = tail.read(17n, { streamPrefixes: ['even-'] }, 100);
      expect(positionsOf(batch)).toEqual([18, 20]);
      expect(batch?.scannedTo).toBe(20n);
      const limited = tail.read(17n, NO_FILTER, 2);
      expect(positionsOf(limited)).toEqual([18, 19]);
      expect(limited?.scannedTo).toBe(19n);
    });

    it('given a full tail, when a non-consecutive row is pushed, then only that row is kept', () => {
      const tail = new RecentTail(3);
      for (let p = 1; p <= 10; p++) tail.push(row(p));
      tail.push(row(12));
      expect(tail.size).toBe(1);
      expect(tail.read(10n, NO_FILTER, 100)).toBeUndefined();
      expect(positionsOf(tail.read(11n, NO_FILTER, 100))).toEqual([12]);
    });

    it('given capacity 0, when rows are pushed, then nothing is kept and every read returns undefined', () => {
      const tail = new RecentTail(0);
      for (let p = 1; p <= 5; p++) tail.push(row(p));
      expect(tail.size).toBe(0);
      expect(tail.endsAt(5n)).toBe(false);
      expect(tail.read(4n, NO_FILTER, 100)).toBeUndefined();
      expect(tail.read(5n, NO_FILTER, 100)).toBeUndefined();
    });
  });

  describe('returned events', () => {
    it('given two reads of the same rows, when one result is mutated, then the next read is unaffected', () => {
      const tail = tailWith(10, row(1), row(2));
      const first = tail.read(0n, NO_FILTER, 100)!;
      const data = first.events[0].data as { n: number; nested: { tag: string } };
      data.n = 999;
      data.nested.tag = 'mutated';
      first.events[0].metadata.actor.id = 'someone-else';
      first.events.push(first.events[0]);

      const second = tail.read(0n, NO_FILTER, 100)!;
      expect(second.events).toHaveLength(2);
      expect(second.events[0]).not.toBe(first.events[0]);
      expect(second.events[0].data).not.toBe(first.events[0].data);
      expect(second.events[0].data).toEqual({ n: 1, nested: { tag: 'original' } });
      expect(second.events[0].metadata.actor).toEqual({ role: 'physician', id: 'D001' });
    });
  });
});
