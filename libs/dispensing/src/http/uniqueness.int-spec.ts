import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DispensingEventTypes, type AttemptRefusedV1 } from '@rx/contracts';
import { ConcurrencyError, SqliteEventStore, type AppendOptions, type EventStore, type NewEvent } from '@rx/event-store';
import { DelegatingStore } from '@rx/event-store/testing';
import { ManualClock } from '@rx/kernel';
import { dispensingWorld, SPECIAL, T0, traceCode, type DispensingWorld } from '../testing/dispensing-harness';

const line = (drugCode: string, quantity: number, codes: string[]) => ({ drugCode, quantity, unitPriceFen: 50, batchNo: 'B20260101', traceCodes: codes });

/**
 * Holds the first reads of one stream until `readers` of them have arrived, so that requests on
 * different instances all look at a key before any of them writes it: the race is certain, not
 * likely. Counts the appends the store refused for a stale revision on the streams it watches.
 */
class RaceStore extends DelegatingStore {
  static armed?: { streamId: string; readers: number; held: Array<() => void>; timer: NodeJS.Timeout };
  conflicts = 0;

  static arm(streamId: string, readers: number): void {
    RaceStore.armed = { streamId, readers, held: [], timer: setTimeout(() => RaceStore.release(), 2_000) };
  }

  static release(): void {
    const armed = RaceStore.armed;
    RaceStore.armed = undefined;
    if (!armed) return;
    clearTimeout(armed.timer);
    for (const go of armed.held) go();
  }

  override async readStream(...args: Parameters<EventStore['readStream']>) {
    const events = await this.inner.readStream(...args);
    const armed = RaceStore.armed;
    if (armed && armed.streamId === args[0]) {
      await new Promise<void>((go) => {
        armed.held.push(go);
        if (armed.held.length >= armed.readers) RaceStore.release();
      });
    }
    return events;
  }

  override async append(streamId: string, events: readonly NewEvent[], options: AppendOptions) {
    try {
      return await this.inner.append(streamId, events, options);
    } catch (e) {
      if (e instanceof ConcurrencyError && streamId.startsWith('unique-')) this.conflicts++;
      throw e;
    }
  }
}

/**
 * A process dying right after reserving: from the dispense's append on, every write fails (nothing
 * it would do afterwards, such as giving the codes back, reaches the store) until `restart()`.
 */
class DyingStore extends DelegatingStore {
  dieOnNextDispense = false;
  private dead = false;
  restart(): void {
    this.dead = false;
  }
  override append(streamId: string, events: readonly NewEvent[], options: AppendOptions) {
    if (this.dieOnNextDispense && streamId.startsWith('dispensation-') && events.some((e) => e.type === 'PrescriptionDispensed')) {
      this.dieOnNextDispense = false;
      this.dead = true;
    }
    if (this.dead) return Promise.reject(new Error('process killed'));
    return this.inner.append(streamId, events, options);
  }
}

const refusals = (w: DispensingWorld, rxId: string) => w.publishedOf(rxId, DispensingEventTypes.attemptRefused).map((e) => e.data as AttemptRefusedV1);

describe('one traceability code, one sale; client-chosen ids unique through the store (HTTP, real SQLite)', () => {
  describe('one instance', () => {
    let w: DispensingWorld;
    beforeEach(async () => {
      w = await dispensingWorld();
    });
    afterEach(() => w.close());

    it('a box sold at one pharmacy is refused at another: 422 TRACE_CODE_USED naming the code and field, nothing appended, the attempt published for audit', async () => {
      const a = await w.issue();
      const b = await w.issue();
      await w.ready(a.rxId, 'P001');
      await w.ready(b.rxId, 'P002');
      const box = traceCode(4242);
      const sold = await w.dispense(a.rxId, { lines: [line('MET-500', 7, [traceCode(4241)])] }, 'P001');
      expect(sold.status).toBe(201);
      const first = await w.dispense(a.rxId, { lines: [line('ATV-20', 7, [box])] }, 'P001');
      expect(first.status).toBe(201);

      const again = await w.dispense(b.rxId, { lines: [line('MET-500', 7, [traceCode(4243)]), line('ATV-20', 7, [traceCode(4244), box])] }, 'P002');
      expect(again.status).toBe(422);
      expect(again.body).toMatchObject({ code: 'TRACE_CODE_USED', field: 'lines[1].traceCodes[1]', details: { traceCode: box } });
      expect(again.body.details).not.toHaveProperty('heldByDispenseId');
      expect(await w.streamTypes(b.rxId)).toEqual(['PrescriptionRegistered', 'PrescriptionClaimed', 'PrescriptionReviewed']);
      // the codes the refused dispense named first are free again
      const other = await w.issue();
      await w.ready(other.rxId, 'P002');
      expect((await w.dispense(other.rxId, { lines: [line('MET-500', 7, [traceCode(4243)]), line('ATV-20', 7, [traceCode(4244)])] }, 'P002')).status).toBe(201);

      await w.eventually('the refused attempt published', () => refusals(w, b.rxId).length === 1);
      expect(refusals(w, b.rxId)[0]).toMatchObject({
        prescriptionId: b.rxId,
        pharmacyId: 'P002',
        command: 'dispense',
        code: 'TRACE_CODE_USED',
        field: 'lines[1].traceCodes[1]',
        traceCodes: [{ traceCode: box, field: 'lines[1].traceCodes[1]', heldByDispenseId: first.body.dispenseId, heldByPrescriptionId: a.rxId }],
      });
    });

    it('a refund releases its codes: the box may then be sold again, once', async () => {
      const a = await w.issue();
      const b = await w.issue();
      const c = await w.issue();
      await w.ready(a.rxId, 'P001');
      await w.ready(b.rxId, 'P002');
      await w.ready(c.rxId, 'P001');
      const box = traceCode(5151);
      const first = await w.dispense(a.rxId, { lines: [line('MET-500', 7, [box])] }, 'P001');
      expect(first.status).toBe(201);
      expect((await w.dispense(b.rxId, { lines: [line('MET-500', 7, [box])] }, 'P002')).body.code).toBe('TRACE_CODE_USED');
      const refund = await w.t.http
        .post(`/dispensing/dispenses/${first.body.dispenseId}/reversal`)
        .set('Authorization', w.pharmacist('P001'))
        .send({ reason: 'patient returned the unopened box' });
      expect(refund.status).toBe(201);
      expect((await w.dispense(b.rxId, { lines: [line('MET-500', 7, [box])] }, 'P002')).status).toBe(201);
      expect((await w.dispense(c.rxId, { lines: [line('MET-500', 7, [box])] }, 'P001')).body.code).toBe('TRACE_CODE_USED');
    });

    it('a dispense refused for another reason gives back the codes and the dispenseId it reserved', async () => {
      const a = await w.issue();
      const b = await w.issue();
      await w.ready(a.rxId);
      await w.ready(b.rxId);
      const dispenseId = randomUUID();
      const tooMany = await w.dispense(a.rxId, { dispenseId, lines: [line('MET-500', 15, [traceCode(6161)])] });
      expect(tooMany.body.code).toBe('QUANTITY_EXCEEDS_PRESCRIBED');
      expect((await w.dispense(b.rxId, { dispenseId, lines: [line('MET-500', 7, [traceCode(6161)])] })).status).toBe(201);
      // now they are b's: a's corrected dispense may not reuse them
      expect((await w.dispense(a.rxId, { dispenseId, lines: [line('MET-500', 7, [traceCode(6162)])] })).body.code).toBe('DISPENSE_ID_CONFLICT');
      expect((await w.dispense(a.rxId, { lines: [line('MET-500', 7, [traceCode(6161)])] })).body.code).toBe('TRACE_CODE_USED');
    });

    it('three-fixed: a special drug claimed by an undesignated pharmacy is refused, appends nothing to the prescription, and the attempt is published for audit', async () => {
      const { rxId } = await w.issue(SPECIAL());
      const refused = await w.claim(rxId, 'P002');
      expect(refused.body.code).toBe('PHARMACY_NOT_DESIGNATED_FOR_SPECIAL_DRUG');
      expect(await w.streamTypes(rxId)).toEqual(['PrescriptionRegistered']);
      await w.eventually('the refused claim published', () => refusals(w, rxId).length === 1);
      expect(refusals(w, rxId)[0]).toMatchObject({ prescriptionId: rxId, pharmacyId: 'P002', pharmacistId: 'PH002', command: 'claim', code: 'PHARMACY_NOT_DESIGNATED_FOR_SPECIAL_DRUG', drugCodes: ['SD-OSIMERTINIB'] });
      expect((await w.claim(rxId, 'P001')).status).toBe(201);
    });

    it('a client-chosen reversalId used for another dispense is 409 REVERSAL_ID_CONFLICT, and that dispense stays unrefunded', async () => {
      const a = await w.issue();
      const b = await w.issue();
      await w.ready(a.rxId);
      await w.ready(b.rxId);
      const da = await w.dispense(a.rxId, { lines: [line('MET-500', 7, [traceCode(7171)])] });
      const db = await w.dispense(b.rxId, { lines: [line('MET-500', 7, [traceCode(7172)])] });
      const reversalId = randomUUID();
      const refund = (dispenseId: string) => w.t.http.post(`/dispensing/dispenses/${dispenseId}/reversal`).set('Authorization', w.pharmacist('P001')).send({ reason: 'returned', reversalId });
      expect((await refund(da.body.dispenseId)).status).toBe(201);
      expect((await refund(da.body.dispenseId)).status).toBe(201);
      const other = await refund(db.body.dispenseId);
      expect(other.status).toBe(409);
      expect(other.body).toMatchObject({ code: 'REVERSAL_ID_CONFLICT', field: 'reversalId' });
      expect(await w.streamTypes(b.rxId)).not.toContain('DispenseReversed');
    });
  });

  it('a process dying between reserving a code and storing its dispense: the code is held while it may be in flight, then the next seller takes it', async () => {
    const dying = new DyingStore(new SqliteEventStore(':memory:'));
    const w = await dispensingWorld({ store: dying });
    try {
      const a = await w.issue();
      const b = await w.issue();
      await w.ready(a.rxId, 'P001');
      await w.ready(b.rxId, 'P002');
      const box = traceCode(8181);
      dying.dieOnNextDispense = true;
      expect((await w.dispense(a.rxId, { lines: [line('MET-500', 7, [box])] }, 'P001')).status).toBe(500);
      dying.restart();
      expect(await w.streamTypes(a.rxId)).not.toContain('PrescriptionDispensed');
      expect((await w.dispense(b.rxId, { lines: [line('MET-500', 7, [box])] }, 'P002')).body.code).toBe('TRACE_CODE_USED');
      w.clock.advance(61_000);
      await w.ready(b.rxId, 'P002');
      expect((await w.dispense(b.rxId, { lines: [line('MET-500', 7, [box])] }, 'P002')).status).toBe(201);
    } finally {
      await w.close();
    }
  });

  describe('two instances of the app sharing one SQLite file', () => {
    let file: string;
    let stores: RaceStore[];
    let a: DispensingWorld;
    let b: DispensingWorld;
    beforeEach(async () => {
      file = join(tmpdir(), `rx-dispensing-unique-${randomUUID()}.sqlite`);
      const clock = new ManualClock(T0);
      // Each instance opens its own connection to the file, as two processes would.
      stores = [new RaceStore(new SqliteEventStore(file)), new RaceStore(new SqliteEventStore(file))];
      a = await dispensingWorld({ clock, store: stores[0] });
      b = await dispensingWorld({ clock, store: stores[1] });
    });
    afterEach(async () => {
      RaceStore.release();
      await a.close();
      await b.close();
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
    });

    it('two pharmacies racing one box on two instances: exactly one sale, the other 422 TRACE_CODE_USED', async () => {
      for (let round = 0; round < 3; round++) {
        const rx1 = await a.issue();
        const rx2 = await a.issue();
        await a.ready(rx1.rxId, 'P001');
        await b.ready(rx2.rxId, 'P002');
        const box = traceCode(9000 + round);
        RaceStore.arm(`unique-trace-code-${box}`, 2);
        const replies = await Promise.all([
          a.dispense(rx1.rxId, { lines: [line('MET-500', 7, [box])] }, 'P001'),
          b.dispense(rx2.rxId, { lines: [line('MET-500', 7, [box])] }, 'P002'),
        ]);
        expect(replies.map((r) => [r.status, r.body.code]).sort()).toEqual([[201, undefined], [422, 'TRACE_CODE_USED']]);
        const sold = (await Promise.all([rx1, rx2].map((rx) => a.streamTypes(rx.rxId)))).map((types) => types.filter((t) => t === 'PrescriptionDispensed').length);
        expect(sold.sort()).toEqual([0, 1]);
      }
    });

    it('one client-chosen dispenseId sent for two prescriptions to two instances at once: one dispense, one 409', async () => {
      let contended = 0;
      for (let round = 0; round < 3; round++) {
        const rx1 = await a.issue();
        const rx2 = await a.issue();
        await a.ready(rx1.rxId);
        await b.ready(rx2.rxId);
        const dispenseId = randomUUID();
        RaceStore.arm(`unique-dispense-id-${dispenseId}`, 2);
        const before = stores[0].conflicts + stores[1].conflicts;
        const replies = await Promise.all([
          a.dispense(rx1.rxId, { dispenseId, lines: [line('MET-500', 7, [traceCode(9100 + 2 * round)])] }),
          b.dispense(rx2.rxId, { dispenseId, lines: [line('MET-500', 7, [traceCode(9101 + 2 * round)])] }),
        ]);
        expect(replies.map((r) => [r.status, r.body.code]).sort()).toEqual([[201, undefined], [409, 'DISPENSE_ID_CONFLICT']]);
        const dispensed = await Promise.all([rx1, rx2].map(async (rx) => (await b.get(rx.rxId, b.auditor())).body.items[0].dispensed));
        expect(dispensed.sort()).toEqual([0, 7]);
        contended += stores[0].conflicts + stores[1].conflicts - before;
        // the loser's trace code was given back: it sells on the winner's prescription's sibling
        const loserCode = traceCode(replies[0].status === 201 ? 9101 + 2 * round : 9100 + 2 * round);
        const rx3 = await b.issue();
        await b.ready(rx3.rxId, 'P002');
        expect((await b.dispense(rx3.rxId, { lines: [line('MET-500', 7, [loserCode])] }, 'P002')).status).toBe(201);
      }
      // both looked while the id was free; the store refused the later append at least once
      expect(contended).toBeGreaterThanOrEqual(1);
    });
  });
});
