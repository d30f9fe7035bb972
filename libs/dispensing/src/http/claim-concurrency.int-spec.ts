import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Response } from 'supertest';
import { ConcurrencyError, SqliteEventStore, type EventStore } from '@rx/event-store';
import { ManualClock } from '@rx/kernel';
import { dispensationStreamId } from '../domain/dispensation.state';
import { dispensingWorld, PICKUP_CODE, T0, type DispensingWorld } from '../testing/dispensing-harness';

const N = 20;
/** Pharmacists of P001 and P002, alternating, each with their own subject. */
const contender = (i: number) => ({ org: i % 2 === 0 ? 'P001' : 'P002', sub: `PH-RACE-${i}` });
/** Each contender a registered pharmacist of their pharmacy (the registry check refuses strangers). */
const RACERS = Array.from({ length: N }, (_, i) => ({ id: contender(i).sub, pharmacyId: contender(i).org }));

/** Exactly one 201; its pharmacy's other pharmacists get the same claim back (200); everyone else 409. */
function expectOneWinner(responses: Response[]): string {
  const created = responses.map((r, i) => ({ r, i })).filter(({ r }) => r.status === 201);
  expect(created).toHaveLength(1);
  const winner = created[0].r.body;
  responses.forEach((r, i) => {
    if (contender(i).org === winner.pharmacyId) {
      expect([200, 201]).toContain(r.status);
      expect(r.body).toMatchObject({ pharmacyId: winner.pharmacyId, claimedAt: winner.claimedAt, expiresAt: winner.expiresAt });
    } else {
      expect({ status: r.status, code: r.body.code }).toEqual({ status: 409, code: 'ALREADY_CLAIMED' });
    }
  });
  return winner.pharmacyId;
}

/**
 * In one process the SQLite adapter answers a read within the same tick, so a whole claim
 * (read, decide, append) would run before the next request is even parsed and nothing would race.
 * A barrier makes the race certain instead of likely: once armed for a prescription, the first
 * reads of its dispensation stream are held until every contender has read, so all of them decide
 * on the same revision and collide on append. Reads after the release (the reload that follows a
 * refused append) pass at once. Readers tagged `first` are let go first, so their appends are
 * queued, and committed, first: that picks which instance wins the round.
 */
class ReadBarrier {
  private armed?: { streamId: string; expected: number; first?: string; held: Array<{ tag: string; go: () => void }>; timer: NodeJS.Timeout };

  arm(prescriptionId: string, contenders: number, first?: string): void {
    this.release();
    // Liveness only: should a contender never read (refused before loading), the others go on.
    const timer = setTimeout(() => this.release(), 10_000);
    this.armed = { streamId: dispensationStreamId(prescriptionId), expected: contenders, first, held: [], timer };
  }

  async pass(streamId: string, tag: string): Promise<void> {
    const armed = this.armed;
    if (!armed || armed.streamId !== streamId) return;
    await new Promise<void>((go) => {
      armed.held.push({ tag, go });
      if (armed.held.length >= armed.expected) this.release();
    });
  }

  release(): void {
    const armed = this.armed;
    this.armed = undefined;
    if (!armed) return;
    clearTimeout(armed.timer);
    const first = armed.held.filter((h) => h.tag === armed.first);
    for (const { go } of [...first, ...armed.held.filter((h) => h.tag !== armed.first)]) go();
  }
}

/** Holds `store`'s reads at the barrier and counts the appends it refused for a stale expected revision. */
function raceOn(store: EventStore, barrier: ReadBarrier, tag = 'store'): { count: number } {
  const counter = { count: 0 };
  const read = store.readStream.bind(store);
  store.readStream = async (streamId, options) => {
    const events = await read(streamId, options);
    await barrier.pass(streamId, tag);
    return events;
  };
  const append = store.append.bind(store);
  store.append = async (...args) => {
    try {
      return await append(...args);
    } catch (e) {
      if (e instanceof ConcurrencyError) counter.count++;
      throw e;
    }
  };
  return counter;
}

const claimTypes = async (w: DispensingWorld, rxId: string) => (await w.streamTypes(rxId)).filter((t) => t === 'PrescriptionClaimed');

describe('claim concurrency: many pharmacies, one winner', () => {
  it(`${N} parallel claims over HTTP from different pharmacies' pharmacists yield exactly one winner (embedded mode)`, async () => {
    const w = await dispensingWorld({ pharmacists: RACERS });
    const barrier = new ReadBarrier();
    const conflicts = raceOn(w.t.store, barrier);
    try {
      for (let round = 0; round < 5; round++) {
        const { rxId } = await w.issue();
        barrier.arm(rxId, N);
        const responses = await Promise.all(
          Array.from({ length: N }, (_, i) =>
            w.t.http
              .post('/dispensing/claims')
              .set('Authorization', w.t.bearer('pharmacist', contender(i).sub, contender(i).org))
              .send({ prescriptionId: rxId, pickupCode: PICKUP_CODE }),
          ),
        );
        const winner = expectOneWinner(responses);
        expect(await claimTypes(w, rxId)).toHaveLength(1);
        expect((await w.get(rxId, w.auditor())).body.claim.pharmacyId).toBe(winner);
      }
      // every contender decided on the same revision: all but the winner were refused on append
      expect(conflicts.count).toBeGreaterThanOrEqual(5 * (N - 1));
    } finally {
      await w.close();
    }
    // 100 HTTP claims with retries on conflict: seconds on an idle machine, more on a busy one
  }, 30_000);

  it('two instances of the app sharing one SQLite file race claims: exactly one winner', async () => {
    const file = join(tmpdir(), `rx-dispensing-race-${randomUUID()}.sqlite`);
    const clock = new ManualClock(T0);
    // Each instance opens its own connection to the file, as two processes would.
    const a = await dispensingWorld({ clock, store: new SqliteEventStore(file), pharmacists: RACERS });
    const b = await dispensingWorld({ clock, store: new SqliteEventStore(file), pharmacists: RACERS });
    const barrier = new ReadBarrier();
    const conflicts = [raceOn(a.t.store, barrier, 'a'), raceOn(b.t.store, barrier, 'b')];
    const lostWholeRound = [0, 0];
    try {
      for (let round = 0; round < 4; round++) {
        // prescribing's event reaches one instance (one consumer group); the store is what they share
        const { rxId } = await (round % 2 === 0 ? a : b).issue();
        // a's contenders append first in even rounds, b's in odd ones
        barrier.arm(rxId, N, round % 2 === 0 ? 'a' : 'b');
        const before = conflicts.map((c) => c.count);
        const responses = await Promise.all(
          Array.from({ length: N }, (_, i) =>
            (i % 4 < 2 ? a : b).t.http
              .post('/dispensing/claims')
              .set('Authorization', a.t.bearer('pharmacist', contender(i).sub, contender(i).org))
              .send({ prescriptionId: rxId, pickupCode: PICKUP_CODE }),
          ),
        );
        const winner = expectOneWinner(responses);
        expect(await claimTypes(a, rxId)).toHaveLength(1);
        expect((await b.get(rxId, b.auditor())).body.claim.pharmacyId).toBe(winner);
        expect((await a.get(rxId, a.auditor())).body.claim.pharmacyId).toBe(winner);
        const refused = conflicts.map((c, i) => c.count - before[i]);
        // everyone decided on the same revision: every contender but the winner was refused once
        expect(refused[0] + refused[1]).toBe(N - 1);
        refused.forEach((n, i) => (lostWholeRound[i] += n === N / 2 ? 1 : 0));
      }
      // each instance lost whole rounds to the other's append, not only races to its own
      expect(lostWholeRound).toEqual([2, 2]);
      // the loser's instance also sees the winner's claim when it expires and is retaken
      const { rxId } = await a.issue();
      expect((await a.claim(rxId, 'P001')).status).toBe(201);
      expect((await b.claim(rxId, 'P002')).status).toBe(409);
      clock.advance(30 * 60_000);
      expect((await b.claim(rxId, 'P002')).status).toBe(201);
      expect((await a.claim(rxId, 'P001')).status).toBe(409);
    } finally {
      await a.close();
      await b.close();
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
    }
    // About 3 s alone; under a whole suite on a shared 2-core box it passed 5 s.
  }, 30_000);
});
