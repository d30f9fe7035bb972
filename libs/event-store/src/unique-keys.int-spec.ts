import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyStream } from './integrity';
import { SqliteEventStore } from './sqlite/sqlite-event-store';
import { LatentStore } from './testing/delegating-store';
import { UniqueKeys, type OwnerStillHolds, type UniqueKeyContext } from './unique-keys';

const T0 = new Date('2026-03-02T09:00:00.000Z');
const at = (ms: number): UniqueKeyContext => ({ now: new Date(T0.getTime() + ms), metadata: { actor: { role: 'pharmacist', id: 'PH001' }, correlationId: randomUUID(), causationId: randomUUID() } });

describe('UniqueKeys: one owner per key through the store (two stores on one SQLite file)', () => {
  let dir: string;
  let stores: SqliteEventStore[];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rx-unique-'));
    const file = join(dir, 'rx.sqlite');
    stores = [new SqliteEventStore(file), new SqliteEventStore(file)];
  });
  afterEach(async () => {
    await Promise.all(stores.map((s) => s.close()));
    rmSync(dir, { recursive: true, force: true });
  });
  /** Two instances on one file whose appends wait a moment, so their reads and writes interleave. */
  const twoInstances = (scope: string, options?: ConstructorParameters<typeof UniqueKeys>[2]) =>
    stores.map((s) => new UniqueKeys(new LatentStore(s, 3), scope, options)) as [UniqueKeys, UniqueKeys];

  it('given a free key raced by two owners on two stores, when both reserve, then exactly one holds it and the other is told who', async () => {
    const [a, b] = twoInstances('trace-code');
    const outcomes = await Promise.all([a.reserve(['81234567890123456789'], 'dispense-A', at(0)), b.reserve(['81234567890123456789'], 'dispense-B', at(0))]);
    const winners = outcomes.filter((o) => o.ok);
    expect(winners).toHaveLength(1);
    const winner = outcomes[0].ok ? 'dispense-A' : 'dispense-B';
    expect(outcomes.find((o) => !o.ok)).toEqual({ ok: false, taken: [{ key: '81234567890123456789', owner: winner }] });
    expect((await a.holderOf('81234567890123456789'))?.owner).toBe(winner);
    expect((await b.holderOf('81234567890123456789'))?.owner).toBe(winner);
  });

  it('given many racers for overlapping key sets, then every key has one owner and each racer got all of its keys or none', async () => {
    const [a, b] = twoInstances('trace-code');
    const sets = Array.from({ length: 8 }, (_, i) => [`k${i}`, `k${i + 1}`, `k${(i + 3) % 9}`]);
    const outcomes = await Promise.all(sets.map((keys, i) => (i % 2 ? a : b).reserve(keys, `owner-${i}`, at(0))));
    const holders = new Map<string, string>();
    for (let k = 0; k < 9; k++) {
      const h = await a.holderOf(`k${k}`);
      if (h) holders.set(`k${k}`, h.owner);
    }
    outcomes.forEach((o, i) => {
      const held = sets[i].filter((k) => holders.get(k) === `owner-${i}`);
      expect(held).toEqual(o.ok ? sets[i] : []);
    });
    // Keys taken in sorted order: a race for overlapping sets always has a winner.
    expect(outcomes.some((o) => o.ok)).toBe(true);
  });

  it('given a key its owner holds, when the owner reserves it again, then nothing is added and nothing written', async () => {
    const [a, b] = twoInstances('dispense-id');
    expect(await a.reserve(['d-1'], 'rx-1', at(0))).toEqual({ ok: true, added: ['d-1'] });
    expect(await b.reserve(['d-1'], 'rx-1', at(10))).toEqual({ ok: true, added: [] });
    expect(await stores[1].readStream(a.streamId('d-1'))).toHaveLength(1);
  });

  it('given one key taken among several, when reserving, then none is reserved and nothing is written', async () => {
    const [a, b] = twoInstances('trace-code');
    await a.reserve(['k2'], 'first', at(0));
    expect(await b.reserve(['k1', 'k2', 'k3'], 'second', at(0))).toEqual({ ok: false, taken: [{ key: 'k2', owner: 'first' }] });
    expect(await stores[0].readStream(a.streamId('k1'))).toEqual([]);
    expect(await stores[0].readStream(a.streamId('k3'))).toEqual([]);
  });

  it('given a released key, when another owner reserves it, then it is theirs and the chain holds', async () => {
    const [a, b] = twoInstances('trace-code');
    await a.reserve(['k'], 'first', at(0));
    await b.release(['k'], 'someone-else', at(1));
    expect((await a.holderOf('k'))?.owner).toBe('first');
    await b.release(['k'], 'first', at(2));
    expect(await a.holderOf('k')).toBeUndefined();
    expect(await b.reserve(['k'], 'second', at(3))).toEqual({ ok: true, added: ['k'] });
    const stream = await stores[0].readStream(a.streamId('k'));
    expect(stream.map((e) => e.type)).toEqual(['UniqueKeyReserved', 'UniqueKeyReleased', 'UniqueKeyReserved']);
    expect(verifyStream(a.streamId('k'), stream).ok).toBe(true);
  });

  describe('a holder whose fact was never stored', () => {
    const stored = new Set<string>();
    const stillHolds: OwnerStillHolds = async (owner) => stored.has(owner);
    beforeEach(() => stored.clear());

    it('is taken over once abandonAfterMs has passed, not before, and never while its fact stands', async () => {
      const [a, b] = twoInstances('trace-code', { abandonAfterMs: 60_000, ownerStillHolds: stillHolds });
      await a.reserve(['k'], 'crashed', at(0));
      expect(await b.reserve(['k'], 'next', at(59_999))).toEqual({ ok: false, taken: [{ key: 'k', owner: 'crashed' }] });
      stored.add('crashed');
      expect(await b.reserve(['k'], 'next', at(600_000))).toEqual({ ok: false, taken: [{ key: 'k', owner: 'crashed' }] });
      stored.delete('crashed');
      expect(await b.reserve(['k'], 'next', at(60_000))).toEqual({ ok: true, added: ['k'] });
      const stream = await stores[1].readStream(a.streamId('k'));
      expect(stream.map((e) => [e.type, (e.data as { owner: string }).owner])).toEqual([
        ['UniqueKeyReserved', 'crashed'],
        ['UniqueKeyReleased', 'crashed'],
        ['UniqueKeyReserved', 'next'],
      ]);
    });
  });

  it('keys that are long or not plain text get a hashed stream id the store accepts', async () => {
    const [a] = twoInstances('claim-id');
    const odd = `${'x'.repeat(300)} 𠮷`;
    expect(a.streamId(odd)).toMatch(/^unique-claim-id-sha256:[0-9a-f]{64}$/);
    expect(await a.reserve([odd], 'o', at(0))).toEqual({ ok: true, added: [odd] });
    expect((await a.holderOf(odd))?.owner).toBe('o');
  });

  it('refuses a scope that would make ambiguous stream ids', () => {
    expect(() => new UniqueKeys(stores[0], 'Trace_Code')).toThrow(RangeError);
  });
});
