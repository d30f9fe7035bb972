import type { TailRow } from './recent-tail';
import { StreamCache } from './stream-cache';

const row = (streamId: string, revision: number): TailRow => ({
  position: BigInt(revision + 1),
  streamId,
  revision,
  id: `${streamId}-${revision}`,
  type: 'T',
  data: '{}',
  metadata: '{}',
});
const revisions = (rows: readonly TailRow[] | undefined) => rows?.map((r) => r.revision);

describe('StreamCache', () => {
  it('given a stream read whole, when the same connection commits its next revisions, then the cached stream grows', () => {
    const cache = new StreamCache(10);
    cache.remember('s', [row('s', 0), row('s', 1)]);
    cache.committed('s', [row('s', 2), row('s', 3)]);
    expect(revisions(cache.get('s'))).toEqual([0, 1, 2, 3]);
  });

  it('given nothing cached, when a commit starts a stream at revision 0, then the new stream is cached', () => {
    const cache = new StreamCache(10);
    cache.committed('s', [row('s', 0)]);
    expect(revisions(cache.get('s'))).toEqual([0]);
  });

  it('given an empty stream remembered, when its first event is committed, then it holds that event', () => {
    const cache = new StreamCache(10);
    cache.remember('s', []);
    cache.committed('s', [row('s', 0)]);
    expect(revisions(cache.get('s'))).toEqual([0]);
  });

  it('given a cached stream, when a commit does not continue it (someone else wrote in between), then it is dropped', () => {
    const cache = new StreamCache(10);
    cache.remember('s', [row('s', 0)]);
    cache.committed('s', [row('s', 2)]);
    expect(cache.get('s')).toBeUndefined();
  });

  it('given nothing cached, when a commit continues a stream never read, then nothing is cached (its beginning is unknown)', () => {
    const cache = new StreamCache(10);
    cache.committed('s', [row('s', 5)]);
    expect(cache.get('s')).toBeUndefined();
  });

  it('given more streams than the capacity, when another is remembered, then the least recently used is dropped', () => {
    const cache = new StreamCache(2);
    cache.remember('a', [row('a', 0)]);
    cache.remember('b', [row('b', 0)]);
    cache.get('a');
    cache.remember('c', [row('c', 0)]);
    expect(cache.get('b')).toBeUndefined();
    expect(revisions(cache.get('a'))).toEqual([0]);
    expect(revisions(cache.get('c'))).toEqual([0]);
  });

  it('given capacity 0, then nothing is ever kept', () => {
    const cache = new StreamCache(0);
    expect(cache.enabled).toBe(false);
    cache.remember('s', [row('s', 0)]);
    cache.committed('t', [row('t', 0)]);
    expect(cache.get('s')).toBeUndefined();
    expect(cache.get('t')).toBeUndefined();
  });

  it('given a stream read empty, then it answers empty until its first commit, and then holds that commit', () => {
    const cache = new StreamCache(10);
    cache.rememberAbsent('s');
    expect(cache.has('s')).toBe(true);
    expect(cache.get('s')).toEqual([]);
    cache.committed('s', [row('s', 0)]);
    expect(revisions(cache.get('s'))).toEqual([0]);
  });

  it('given a stream read empty, when a commit lands past revision 0 (someone else wrote first), then nothing is cached', () => {
    const cache = new StreamCache(10);
    cache.rememberAbsent('s');
    cache.committed('s', [row('s', 2)]);
    expect(cache.has('s')).toBe(false);
  });

  it('given full capacity, when many missing streams are read, then no cached stream is evicted and the missing ones stay bounded', () => {
    const cache = new StreamCache(2);
    cache.remember('a', [row('a', 0)]);
    cache.remember('b', [row('b', 0)]);
    for (const s of ['x', 'y', 'z']) cache.rememberAbsent(s);
    expect(revisions(cache.get('a'))).toEqual([0]);
    expect(revisions(cache.get('b'))).toEqual([0]);
    expect(cache.has('x')).toBe(false);
    expect(cache.has('y')).toBe(true);
    expect(cache.has('z')).toBe(true);
  });

  it('forgets one stream or all of them', () => {
    const cache = new StreamCache(10);
    cache.remember('a', [row('a', 0)]);
    cache.remember('b', [row('b', 0)]);
    cache.rememberAbsent('m');
    cache.rememberAbsent('n');
    cache.forget('a');
    cache.forget('m');
    expect(cache.get('a')).toBeUndefined();
    expect(cache.has('m')).toBe(false);
    expect(cache.get('b')).toBeDefined();
    cache.clear();
    expect(cache.get('b')).toBeUndefined();
    expect(cache.has('n')).toBe(false);
  });
});
