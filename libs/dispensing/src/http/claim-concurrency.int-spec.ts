import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Response } from 'supertest';
import { ConcurrencyError, SqliteEventStore, type EventStore } from '@rx/event-store';
import { ManualClock } from '@rx/kernel';
import { dispensingWorld, PICKUP_CODE, T0, type DispensingWorld } from '../testing/dispensing-harness';

const N = 20;
/** Pharmacists of P001 and P002, alternating, each with their own subject. */
const contender = (i: number) => ({ org: i % 2 === 0 ? 'P001' : 'P002', sub: `PH-RACE-${i}` });

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
 * A store on the network answers later: reads here come back after a short random delay, so the
 * requests read the same revision and really collide on append. Returns the count of appends
 * refused for a stale expected revision, the proof that they did.
 */
function raceOn(store: EventStore): { count: number } {
  const counter = { count: 0 };
  const read = store.readStream.bind(store);
  store.readStream = async (...args) => {
    const events = await read(...args);
    await new Promise((r) => setTimeout(r, Math.random() * 3));
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
    const w = await dispensingWorld();
    const conflicts = raceOn(w.t.store);
    try {
      // At least 5 rounds, and more (bounded) until the store has refused a stale append: proof of a real race.
      for (let round = 0; round < 5 || (conflicts.count === 0 && round < 25); round++) {
        const { rxId } = await w.issue();
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
      expect(conflicts.count).toBeGreaterThan(0);
    } finally {
      await w.close();
    }
  });

  it('two instances of the app sharing one SQLite file race claims: exactly one winner', async () => {
    const file = join(tmpdir(), `rx-dispensing-race-${randomUUID()}.sqlite`);
    const clock = new ManualClock(T0);
    // Each instance opens its own connection to the file, as two processes would.
    const a = await dispensingWorld({ clock, store: new SqliteEventStore(file) });
    const b = await dispensingWorld({ clock, store: new SqliteEventStore(file) });
    const conflicts = [raceOn(a.t.store), raceOn(b.t.store)];
    try {
      // At least 5 rounds, and more (bounded) until each instance has lost a race to the other's append.
      for (let round = 0; round < 5 || (conflicts.some((c) => c.count === 0) && round < 25); round++) {
        // prescribing's event reaches one instance (one consumer group); the store is what they share
        const { rxId } = await (round % 2 === 0 ? a : b).issue();
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
      }
      // both instances lost races to the other's appends, not only to their own
      expect(conflicts.map((c) => c.count > 0)).toEqual([true, true]);
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
  });
});
