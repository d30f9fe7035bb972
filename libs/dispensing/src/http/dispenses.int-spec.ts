import { randomUUID } from 'node:crypto';
import { DispensingEventTypes, validateDispensingCloudEvent, type DispensedV1 } from '@rx/contracts';
import { DAY_MS, MINUTE_MS } from '@rx/kernel';
import { createEventStore } from '@rx/event-store';
import { LatentStore } from '@rx/event-store/testing';
import { DispenseIndex } from '../application/dispense-index/dispense-index.projection';
import { dispensingWorld, LONG_TERM, ORDINARY, traceCode, type DispensingWorld } from '../testing/dispensing-harness';

const line = (drugCode: string, quantity: number, unitPriceFen: number, codes: string[] = [traceCode(quantity * 1000 + unitPriceFen)]) => ({
  drugCode,
  quantity,
  unitPriceFen,
  batchNo: 'B20260101',
  traceCodes: codes,
});

describe('review, dispense and reversal over HTTP (embedded app, real SQLite store)', () => {
  let w: DispensingWorld;
  beforeEach(async () => (w = await dispensingWorld()));
  afterEach(() => w.close());

  describe('POST /dispensing/prescriptions/:rxId/review', () => {
    it('is required before dispensing', async () => {
      const { rxId } = await w.issue();
      expect((await w.claim(rxId)).status).toBe(201);
      const res = await w.dispense(rxId, { lines: [line('MET-500', 14, 50)] });
      expect(res.status).toBe(422);
      expect(res.body.code).toBe('REVIEW_REQUIRED');
      const approved = await w.review(rxId, 'P001', 'APPROVED');
      expect(approved.status).toBe(200);
      expect(approved.body).toEqual({ prescriptionId: rxId, decision: 'APPROVED', reasons: [], status: 'claimed' });
      expect((await w.get(rxId)).body.claim.reviewed).toBe(true);
      expect((await w.dispense(rxId, { lines: [line('MET-500', 14, 50)] })).status).toBe(201);
    });

    it('a rejection needs reasons, releases the claim, and publishes both facts', async () => {
      const { rxId } = await w.issue();
      expect((await w.claim(rxId)).status).toBe(201);
      const noReasons = await w.review(rxId, 'P001', 'REJECTED');
      expect(noReasons.status).toBe(400);
      expect(noReasons.body).toMatchObject({ code: 'REVIEW_REASONS_INVALID', field: 'reasons' });
      const blank = await w.review(rxId, 'P001', 'REJECTED', ['']);
      expect(blank.status).toBe(400);
      const rejected = await w.review(rxId, 'P001', 'REJECTED', ['  dose exceeds label for renal impairment ']);
      expect(rejected.status).toBe(200);
      expect(rejected.body).toEqual({ prescriptionId: rxId, decision: 'REJECTED', reasons: ['dose exceeds label for renal impairment'], status: 'circulating' });
      const dispense = await w.dispense(rxId, { lines: [line('MET-500', 14, 50)] });
      expect(dispense.status).toBe(422);
      expect(dispense.body).toMatchObject({ code: 'REVIEW_REJECTED', details: { reasons: ['dose exceeds label for renal impairment'] } });
      expect((await w.get(rxId)).body.lastClaim).toMatchObject({ pharmacyId: 'P001', reason: 'REJECTED', rejectionReasons: ['dose exceeds label for renal impairment'] });
      expect((await w.claim(rxId, 'P002')).status).toBe(201);
      await w.eventually('published', () => w.publishedOf(rxId).length === 4);
      expect(w.publishedOf(rxId).map((e) => e.type)).toEqual([
        DispensingEventTypes.prescriptionClaimed,
        DispensingEventTypes.prescriptionReviewed,
        DispensingEventTypes.claimReleased,
        DispensingEventTypes.prescriptionClaimed,
      ]);
      expect(w.publishedOf(rxId)[2].data).toMatchObject({ reason: 'REJECTED' });
    });

    it('only the holder reviews; malformed decisions are 400', async () => {
      const { rxId } = await w.issue();
      expect((await w.claim(rxId)).status).toBe(201);
      const other = await w.review(rxId, 'P002');
      expect(other.status).toBe(409);
      expect(other.body.code).toBe('NOT_CLAIMED_BY_PHARMACY');
      const bad = await w.t.http.post(`/dispensing/prescriptions/${rxId}/review`).set('Authorization', w.pharmacist()).send({ decision: 'MAYBE', reasons: 'x' });
      expect(bad.status).toBe(400);
      expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['decision', 'reasons']);
      const tooMany = await w.review(rxId, 'P001', 'REJECTED', Array.from({ length: 21 }, (_, i) => `reason ${i}`));
      expect(tooMany.status).toBe(400);
    });
  });

  describe('POST /dispensing/prescriptions/:rxId/dispenses', () => {
    it('records lines with batch and trace codes, flags a price above reference, carries the delivery fee, and publishes everything settlement needs', async () => {
      const { rxId } = await w.issue();
      await w.ready(rxId);
      const res = await w.dispense(rxId, { lines: [line('MET-500', 14, 60, [traceCode(1), traceCode(2)]), line('ATV-20', 7, 500)], deliveryFeeFen: 800 });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        prescriptionId: rxId,
        instalment: 1,
        remaining: [
          { drugCode: 'MET-500', quantity: 0 },
          { drugCode: 'ATV-20', quantity: 0 },
          { drugCode: 'VITC-100', quantity: 1 },
        ],
        fullyDispensed: false,
        deliveryFeeFen: 800,
      });
      expect(res.body.dispenseId).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.body.lines[0]).toMatchObject({ drugCode: 'MET-500', unitPriceFen: 60, referencePriceFen: 50, amountFen: 840, aboveReferencePrice: true });
      expect(res.body.lines[1]).toMatchObject({ drugCode: 'ATV-20', amountFen: 3500, aboveReferencePrice: false });

      await w.eventually('dispensed event', () => w.publishedOf(rxId, DispensingEventTypes.dispensed).length === 1);
      const [event] = w.publishedOf(rxId, DispensingEventTypes.dispensed);
      expect(validateDispensingCloudEvent(event)).toBeUndefined();
      const data = event.data as DispensedV1;
      expect(data).toMatchObject({
        dispenseId: res.body.dispenseId,
        prescriptionId: rxId,
        pharmacyId: 'P001',
        pharmacistId: 'PH001',
        patientId: 'PT001',
        insuranceType: 'employee',
        retired: false,
        regionCode: '522700',
        institutionLevel: 1,
        institutionId: 'H001',
        instalment: 1,
        deliveryFeeFen: 800,
        fullyDispensed: false,
      });
      expect(data.lines[0]).toMatchObject({ drugClass: 'A', batchNo: 'B20260101', traceCodes: [traceCode(1), traceCode(2)], referencePriceFen: 50, aboveReferencePrice: true });
      expect(event.actor).toBe('pharmacist:PH001');

      // per-item status, apart from the prescription's status
      const view = (await w.get(rxId)).body;
      expect(view.status).toBe('claimed');
      expect(view.items.map((i: { drugCode: string; status: string }) => [i.drugCode, i.status])).toEqual([
        ['MET-500', 'DISPENSED'],
        ['ATV-20', 'DISPENSED'],
        ['VITC-100', 'NOT_DISPENSED'],
      ]);
      expect(view.dispenses).toHaveLength(1);

      const last = await w.dispense(rxId, { lines: [line('VITC-100', 1, 2500)] });
      expect(last.body).toMatchObject({ instalment: 2, fullyDispensed: true });
      expect((await w.get(rxId)).body).toMatchObject({ status: 'completed', claim: null });
    });

    it('refuses more than was prescribed, drugs not on the prescription, and a non-holder', async () => {
      const { rxId } = await w.issue();
      await w.ready(rxId);
      const over = await w.dispense(rxId, { lines: [line('MET-500', 15, 50)] });
      expect(over.status).toBe(422);
      expect(over.body).toMatchObject({ code: 'QUANTITY_EXCEEDS_PRESCRIBED', field: 'lines[0].quantity', details: { requested: 15, remaining: 14 } });
      expect((await w.dispense(rxId, { lines: [line('AML-5', 1, 80)] })).body.code).toBe('DRUG_NOT_ON_PRESCRIPTION');
      expect((await w.dispense(rxId, { lines: [line('MET-500', 10, 50)] })).status).toBe(201);
      const rest = await w.dispense(rxId, { lines: [line('MET-500', 5, 50, [traceCode(77)])] });
      expect(rest.status).toBe(422);
      expect(rest.body.details).toMatchObject({ requested: 5, remaining: 4 });
      expect((await w.get(rxId)).body.items[0]).toMatchObject({ status: 'PARTLY_DISPENSED', dispensed: 10, remaining: 4 });
      const notHolder = await w.dispense(rxId, { lines: [line('MET-500', 1, 50, [traceCode(78)])] }, 'P002');
      expect(notHolder.status).toBe(409);
      expect(notHolder.body.code).toBe('NOT_CLAIMED_BY_PHARMACY');
    });

    it('validates traceability codes: malformed shapes are 400, codes that break D6 are 422 naming the code', async () => {
      const { rxId } = await w.issue();
      await w.ready(rxId);
      const cases: [unknown, number, string][] = [
        [{ lines: [{ ...line('MET-500', 2, 50), traceCodes: 'not-a-list' }] }, 400, 'lines[0].traceCodes'],
        [{ lines: [{ ...line('MET-500', 2, 50), traceCodes: [] }] }, 400, 'lines[0].traceCodes'],
        [{ lines: [{ ...line('MET-500', 2, 50), traceCodes: [12345678901234567890] }] }, 400, 'lines[0].traceCodes'],
        [{ lines: [{ ...line('MET-500', 2, 50), traceCodes: ['x'.repeat(65)] }] }, 400, 'lines[0].traceCodes'],
        [{ lines: [line('MET-500', 2, 50, ['8123456789012345678'])] }, 422, 'lines[0].traceCodes[0]'],
        [{ lines: [line('MET-500', 2, 50, ['8123456789012345678A'])] }, 422, 'lines[0].traceCodes[0]'],
        [{ lines: [line('MET-500', 2, 50, [traceCode(5), traceCode(5)])] }, 422, 'lines[0].traceCodes[1]'],
        [{ lines: [line('MET-500', 2, 50, [traceCode(5), traceCode(6), traceCode(7)])] }, 422, 'lines[0].traceCodes'],
      ];
      for (const [body, status, field] of cases) {
        const res = await w.dispense(rxId, body as Record<string, unknown>);
        expect({ status: res.status, field: res.body.field ?? res.body.errors?.[0]?.field }).toEqual({ status, field });
        if (status === 422) expect(res.body.code).toBe('TRACE_CODE_INVALID');
      }
      expect((await w.dispense(rxId, { lines: [line('MET-500', 2, 50, [traceCode(9)])] })).status).toBe(201);
      const reused = await w.dispense(rxId, { lines: [line('ATV-20', 1, 500, [traceCode(9)])] });
      expect(reused.status).toBe(422);
      expect(reused.body).toMatchObject({ code: 'TRACE_CODE_USED', field: 'lines[0].traceCodes[0]', details: { traceCode: traceCode(9) } });
      expect(await w.streamTypes(rxId)).toEqual(['PrescriptionRegistered', 'PrescriptionClaimed', 'PrescriptionReviewed', 'PrescriptionDispensed']);
    });

    it('bounds every other field: 400 with the field', async () => {
      const { rxId } = await w.issue();
      await w.ready(rxId);
      const cases: [Record<string, unknown>, string][] = [
        [{ lines: [] }, 'lines'],
        [{ lines: Array.from({ length: 101 }, () => line('MET-500', 1, 50)) }, 'lines'],
        [{ lines: [{ ...line('MET-500', 1, 50), quantity: 1.5 }] }, 'lines[0].quantity'],
        [{ lines: [{ ...line('MET-500', 1, 50), unitPriceFen: -1 }] }, 'lines[0].unitPriceFen'],
        [{ lines: [{ ...line('MET-500', 1, 50), unitPriceFen: 0.5 }] }, 'lines[0].unitPriceFen'],
        [{ lines: [{ ...line('MET-500', 1, 50), batchNo: '' }] }, 'lines[0].batchNo'],
        [{ lines: [{ ...line('MET-500', 1, 50), batchNo: 'has space' }] }, 'lines[0].batchNo'],
        [{ lines: [{ ...line('MET-500', 1, 50), drugCode: '../etc' }] }, 'lines[0].drugCode'],
        [{ lines: [line('MET-500', 1, 50)], deliveryFeeFen: 1_000_001 }, 'deliveryFeeFen'],
        [{ lines: [line('MET-500', 1, 50)], deliveryFeeFen: '800' }, 'deliveryFeeFen'],
        [{ lines: [line('MET-500', 1, 50)], dispenseId: 'not-a-uuid' }, 'dispenseId'],
        [{ lines: [line('MET-500', 1, 50)], extra: true }, 'extra'],
      ];
      for (const [body, field] of cases) {
        const res = await w.dispense(rxId, body);
        expect({ field, status: res.status }).toEqual({ field, status: 400 });
        expect(res.body.field ?? res.body.errors?.[0]?.field).toBe(field);
      }
      expect(await w.streamTypes(rxId)).toHaveLength(3);
    });

    it('long-term prescriptions go in instalments: too long and too early refused, the next allowed after moving the clock', async () => {
      const { rxId } = await w.issue(LONG_TERM());
      await w.ready(rxId);
      const tooLong = await w.dispense(rxId, { lines: [line('MET-500', 58, 50)] });
      expect(tooLong.status).toBe(422);
      expect(tooLong.body).toMatchObject({ code: 'INSTALMENT_TOO_LONG', details: { drugCode: 'MET-500', daysSupply: 29, maxDays: 28 } });
      const first = await w.dispense(rxId, { lines: [line('MET-500', 56, 50), line('AML-5', 28, 80)] });
      expect(first.status).toBe(201);
      expect(first.body).toMatchObject({ instalment: 1, daysSupply: 28, remaining: [{ drugCode: 'MET-500', quantity: 112 }, { drugCode: 'AML-5', quantity: 56 }] });

      const early = await w.dispense(rxId, { lines: [line('MET-500', 56, 50, [traceCode(2001)])] });
      expect(early.status).toBe(422);
      expect(early.body).toMatchObject({ code: 'INSTALMENT_TOO_EARLY', details: { drugCode: 'MET-500', earliestDate: '2026-03-23' } });

      // 20 days later: still too early (and a fresh claim needs a fresh review)
      w.clock.advance(20 * DAY_MS);
      await w.ready(rxId);
      expect((await w.dispense(rxId, { lines: [line('MET-500', 56, 50, [traceCode(2002)])] })).body.code).toBe('INSTALMENT_TOO_EARLY');
      w.clock.advance(1 * DAY_MS);
      await w.ready(rxId);
      const second = await w.dispense(rxId, { lines: [line('MET-500', 56, 50, [traceCode(2003)]), line('AML-5', 28, 80, [traceCode(2004)])] });
      expect(second.status).toBe(201);
      expect(second.body).toMatchObject({ instalment: 2, remaining: [{ drugCode: 'MET-500', quantity: 56 }, { drugCode: 'AML-5', quantity: 28 }] });
      await w.eventually('two dispenses published', () => w.publishedOf(rxId, DispensingEventTypes.dispensed).length === 2);
      expect(w.publishedOf(rxId, DispensingEventTypes.dispensed).map((e) => (e.data as DispensedV1).instalment)).toEqual([1, 2]);
      expect((w.publishedOf(rxId, DispensingEventTypes.dispensed)[1].data as DispensedV1).longTerm).toBe(true);
    });

    it('a client-chosen dispenseId makes a retry safe; reused on another prescription it is 409', async () => {
      const a = await w.issue();
      const b = await w.issue();
      await w.ready(a.rxId);
      await w.ready(b.rxId);
      const dispenseId = randomUUID();
      const body = { dispenseId, lines: [line('MET-500', 7, 50)] };
      const first = await w.dispense(a.rxId, body);
      const retry = await w.dispense(a.rxId, body);
      expect(first.status).toBe(201);
      expect(retry.status).toBe(201);
      expect(retry.body).toEqual(first.body);
      expect((await w.get(a.rxId)).body.items[0]).toMatchObject({ dispensed: 7 });
      const elsewhere = await w.dispense(b.rxId, body);
      expect(elsewhere.status).toBe(409);
      expect(elsewhere.body.code).toBe('DISPENSE_ID_CONFLICT');
    });

    it('one client-chosen dispenseId sent for two prescriptions at once: one dispense, one 409', async () => {
      // Appends that wait on I/O, as on EventStoreDB, so the two commands interleave.
      await w.close();
      w = await dispensingWorld({ store: new LatentStore(createEventStore('sqlite::memory:')) });
      const a = await w.issue();
      const b = await w.issue();
      await w.ready(a.rxId);
      await w.ready(b.rxId);
      const body = { dispenseId: randomUUID(), lines: [line('MET-500', 7, 50)] };
      const replies = await Promise.all([w.dispense(a.rxId, body), w.dispense(b.rxId, body)]);
      expect(replies.map((r) => [r.status, r.body.code]).sort()).toEqual([[201, undefined], [409, 'DISPENSE_ID_CONFLICT']]);
      const dispensed = await Promise.all([a.rxId, b.rxId].map(async (id) => (await w.get(id)).body.items[0].dispensed));
      expect(dispensed.sort()).toEqual([0, 7]);
    });
  });

  describe('POST /dispensing/dispenses/:dispenseId/reversal', () => {
    it('refunds a dispense as its own event keyed on it; only the dispensing pharmacy; once', async () => {
      const { rxId } = await w.issue();
      await w.ready(rxId);
      const dispensed = await w.dispense(rxId, { lines: [line('MET-500', 14, 50), line('ATV-20', 7, 500), line('VITC-100', 1, 2500)] });
      expect(dispensed.body.fullyDispensed).toBe(true);
      const { dispenseId } = dispensed.body;
      const path = `/dispensing/dispenses/${dispenseId}/reversal`;

      expect((await w.t.http.post(path).set('Authorization', w.pharmacist('P001')).send({})).status).toBe(400);
      expect((await w.t.http.post(path).set('Authorization', w.pharmacist('P001')).send({ reason: '   ' })).status).toBe(400);
      const other = await w.t.http.post(path).set('Authorization', w.pharmacist('P002')).send({ reason: 'not mine' });
      expect(other.status).toBe(403);
      expect(other.body.code).toBe('NOT_DISPENSED_BY_PHARMACY');
      const unknown = await w.t.http.post(`/dispensing/dispenses/${randomUUID()}/reversal`).set('Authorization', w.pharmacist('P001')).send({ reason: 'x' });
      expect(unknown.status).toBe(404);
      expect(unknown.body.code).toBe('DISPENSE_NOT_FOUND');

      const reversalId = randomUUID();
      const res = await w.t.http.post(path).set('Authorization', w.pharmacist('P001')).send({ reason: 'patient returned unopened packages', reversalId });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ reversalId, dispenseId, prescriptionId: rxId, reason: 'patient returned unopened packages', reversedAt: w.clock.now().toISOString() });
      expect(res.body.lines).toEqual([
        { drugCode: 'MET-500', quantity: 14 },
        { drugCode: 'ATV-20', quantity: 7 },
        { drugCode: 'VITC-100', quantity: 1 },
      ]);
      const retry = await w.t.http.post(path).set('Authorization', w.pharmacist('P001')).send({ reason: 'patient returned unopened packages', reversalId });
      expect(retry.status).toBe(201);
      expect(retry.body).toEqual(res.body);
      const twice = await w.t.http.post(path).set('Authorization', w.pharmacist('P001')).send({ reason: 'again' });
      expect(twice.status).toBe(409);
      expect(twice.body.code).toBe('DISPENSE_ALREADY_REVERSED');

      const view = (await w.get(rxId)).body;
      expect(view.status).toBe('circulating');
      expect(view.items.every((i: { status: string }) => i.status === 'NOT_DISPENSED')).toBe(true);
      expect(view.dispenses[0].reversal).toMatchObject({ reversalId });
      await w.eventually('reversal published', () => w.publishedOf(rxId, DispensingEventTypes.dispenseReversed).length === 1);
      const [event] = w.publishedOf(rxId, DispensingEventTypes.dispenseReversed);
      expect(validateDispensingCloudEvent(event)).toBeUndefined();
      expect(event.data).toMatchObject({ reversalId, dispenseId, prescriptionId: rxId, pharmacyId: 'P001', reason: 'patient returned unopened packages' });
    });

    it('finds dispenses through an index rebuilt from position zero (a fresh instance knows them all)', async () => {
      const { rxId } = await w.issue();
      await w.ready(rxId);
      const { dispenseId } = (await w.dispense(rxId, { lines: [line('MET-500', 2, 50)] })).body;
      const fresh = new DispenseIndex(w.t.store);
      expect(await fresh.lookup(dispenseId)).toBe(rxId);
      expect(await fresh.lookup(randomUUID())).toBeUndefined();
    });
  });

  describe('GET /dispensing/prescriptions/:rxId', () => {
    it('pharmacists see what circulates and what they hold or dispensed; auditors see everything', async () => {
      const { rxId } = await w.issue();
      expect((await w.get(rxId, w.pharmacist('P002'))).status).toBe(200);
      await w.ready(rxId, 'P001');
      expect((await w.get(rxId, w.pharmacist('P002'))).status).toBe(403);
      expect((await w.get(rxId, w.pharmacist('P002'))).body.code).toBe('DISPENSATION_NOT_VISIBLE');
      await w.dispense(rxId, { lines: [line('MET-500', 14, 50), line('ATV-20', 7, 500), line('VITC-100', 1, 2500)] });
      expect((await w.get(rxId, w.pharmacist('P001'))).body.status).toBe('completed');
      expect((await w.get(rxId, w.pharmacist('P002'))).status).toBe(403);
      const audit = await w.get(rxId, w.auditor());
      expect(audit.status).toBe(200);
      expect(audit.body).toMatchObject({ status: 'completed', patientId: 'PT001' });
      expect((await w.get(rxId, w.pharmacist('P001'))).body.patientId).toBeUndefined();
      expect((await w.get('RX-UNKNOWN', w.auditor())).status).toBe(404);
      w.clock.advance(31 * MINUTE_MS);
      expect((await w.get(rxId, w.pharmacist('P001'))).status).toBe(200);
    });
  });
});
