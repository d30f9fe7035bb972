import { randomUUID } from 'node:crypto';
import { SettlementEventTypes, Topics, validateSettlementCloudEvent, type CloudEvent, type DispensedV1 } from '@rx/contracts';
import { createEventStore } from '@rx/event-store';
import { ManualClock } from '@rx/kernel';
import { createTestApp, type TestApp } from '@rx/runtime/testing';
import { AgreementSeeder } from '../application/agreements/agreement-seeder';
import { ClaimRepairSweeper } from '../application/claims/repair/claim-repair.sweeper';
import { CLAIM_REPAIR_GRACE_MS } from '../application/claims/repair/unsubmitted-claims.projection';
import { claimIndexStreamId } from '../domain/stream-ids';
import { SettlementModule } from '../settlement.module';
import { CrashingStore, dispensedEnvelope, eventually, publish, reversedEnvelope, type DispenseSpec } from './testing/settlement-test-kit';

describe('settlement: pharmacy claims and agreements over HTTP (embedded app, real SQLite store)', () => {
  let t: TestApp;
  let store: CrashingStore;
  let published: CloudEvent[];

  beforeEach(async () => {
    store = new CrashingStore(createEventStore('sqlite::memory:'));
    t = await createTestApp({ imports: [SettlementModule], clock: new ManualClock('2026-09-10T02:00:00.000Z'), store });
    published = [];
    await t.bus.consume({ groupId: `observer-${randomUUID()}`, topics: [Topics.settlement], handler: async (m) => void published.push(m.event) });
  });
  afterEach(() => t.close());

  const agency = () => t.bearer('agency', 'AG001', 'AGENCY');
  const auditor = () => t.bearer('auditor', 'AU001', 'AUDIT');
  const pharmacist = (org = 'P001', sub = 'PH001') => t.bearer('pharmacist', sub, org);
  const dispense = async (spec: DispenseSpec): Promise<DispensedV1> => {
    const e = dispensedEnvelope(spec, t.clock.now());
    await publish(t, e);
    return e.data;
  };
  const submit = (body: Record<string, unknown>, auth = pharmacist()) => t.http.post('/settlement/claims').set('Authorization', auth).send(body);
  const getClaim = (id: string, auth = agency()) => t.http.get(`/settlement/claims/${id}`).set('Authorization', auth);
  const approve = (id: string, body: Record<string, unknown> = {}, auth = agency()) => t.http.post(`/settlement/claims/${id}/approve`).set('Authorization', auth).send(body);
  const pay = (id: string, body: Record<string, unknown> = {}, auth = agency()) => t.http.post(`/settlement/claims/${id}/pay`).set('Authorization', auth).send(body);
  const september = { periodStart: '2026-09-01', periodEnd: '2026-09-20' };

  /** P001's September: two paid dispenses in the period, one with nothing for the fund, one after it; one at P002. */
  async function september2026() {
    const d1 = await dispense({ patientId: 'PT001', lines: [['MET-500', 400]], dispensedAt: '2026-09-10T02:00:00.000Z' }); // fund 3500
    const d2 = await dispense({ patientId: 'PT002', lines: [['MET-500', 400]], dispensedAt: '2026-09-15T02:00:00.000Z' }); // fund 3750
    const d3 = await dispense({ patientId: 'PT003', lines: [['MET-500', 100]], dispensedAt: '2026-09-18T02:00:00.000Z' }); // deductible only: fund 0
    const d4 = await dispense({ patientId: 'PT001', lines: [['MET-500', 60]], dispensedAt: '2026-09-22T02:00:00.000Z' }); // after the period
    const d5 = await dispense({ patientId: 'PT004', pharmacyId: 'P002', lines: [['MET-500', 400]], dispensedAt: '2026-09-12T02:00:00.000Z' }); // another pharmacy
    return { d1, d2, d3, d4, d5 };
  }

  describe('claims lifecycle (S1)', () => {
    it('submit gathers every paid, unclaimed dispense of the period once; deadline 30 working days across National Day; approve with a refusal; pay', async () => {
      const { d1, d2 } = await september2026();
      t.clock.set('2026-09-21T02:00:00.000Z'); // Monday, 10:00 in China
      const res = await submit(september);
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ dispenseCount: 2, fundFen: 7250, dueBy: '2026-11-09', provisional: false, status: 'SUBMITTED' });
      const claimId: string = res.body.claimId;

      const again = await submit(september);
      expect(again.status).toBe(422);
      expect(again.body.code).toBe('CLAIM_EMPTY');

      const view = await getClaim(claimId, pharmacist());
      expect(view.status).toBe(200);
      expect(view.body).toMatchObject({ claimId, pharmacyId: 'P001', status: 'SUBMITTED', submittedBy: 'PH001', dueBy: '2026-11-09', overdue: false, provisional: false });
      expect(view.body.lines.map((l: { dispenseId: string }) => l.dispenseId).sort()).toEqual([d1.dispenseId, d2.dispenseId].sort());
      expect((await getClaim(claimId, pharmacist('P002', 'PH002'))).status).toBe(403);
      expect((await getClaim(claimId, auditor())).status).toBe(200);

      expect((await approve(claimId, {}, pharmacist())).status).toBe(403);
      t.clock.set('2026-10-20T02:00:00.000Z');
      const approved = await approve(claimId, { refusedLines: [{ dispenseId: d2.dispenseId, reason: 'no traceability codes recorded' }] });
      expect(approved.status).toBe(200);
      expect(approved.body).toMatchObject({ status: 'APPROVED', approval: { approvedFundFen: 3500, refusedLines: [{ dispenseId: d2.dispenseId, prescriptionId: d2.prescriptionId, reason: 'no traceability codes recorded' }] } });
      expect((await approve(claimId)).status).toBe(409);

      const wrong = await pay(claimId, { amountFen: 7250 });
      expect(wrong.status).toBe(422);
      expect(wrong.body.code).toBe('CLAIM_PAYMENT_MISMATCH');
      expect((await pay(claimId, { paidAt: '2026-10-21T00:00:00.000Z' })).body.code).toBe('INVALID_PAYMENT_TIME');
      const paid = await pay(claimId);
      expect(paid.status).toBe(200);
      expect(paid.body).toMatchObject({ status: 'PAID', overdue: false, payment: { amountFen: 3500, late: false, paidBy: 'AG001', paidAt: '2026-10-20T02:00:00.000Z' } });
      expect((await pay(claimId)).status).toBe(409);

      await eventually('claim events published', () => published.filter((e) => e.subject === 'P001' && e.type.startsWith('rx.settlement.claim-')).length === 3);
      const claimEvents = published.filter((e) => e.type.startsWith('rx.settlement.claim-'));
      expect(claimEvents.map((e) => e.type)).toEqual([SettlementEventTypes.claimSubmitted, SettlementEventTypes.claimApproved, SettlementEventTypes.claimPaid]);
      for (const e of claimEvents) expect(validateSettlementCloudEvent(e)).toBeUndefined();
      expect(claimEvents[0].data).toMatchObject({ claimId, dispenseCount: 2, prescriptionIds: [d1.prescriptionId, d2.prescriptionId].sort() });
      expect(claimEvents[2].data).toMatchObject({ claimId, amountFen: 3500, lines: [{ dispenseId: d1.dispenseId, prescriptionId: d1.prescriptionId, fundFen: 3500 }], prescriptionIds: [d1.prescriptionId] });
    });

    it('an unpaid claim past its deadline is overdue and listed; paying late is recorded as late', async () => {
      await september2026();
      t.clock.set('2026-09-21T02:00:00.000Z');
      const p1 = (await submit(september)).body.claimId;
      const p2 = (await submit(september, pharmacist('P002', 'PH002'))).body.claimId;
      await approve(p1);
      await pay(p1);
      t.clock.set('2026-11-09T15:59:00.000Z'); // 23:59 on the due day in China
      expect((await getClaim(p2)).body.overdue).toBe(false);
      t.clock.set('2026-11-09T16:00:00.000Z');
      expect((await getClaim(p2)).body).toMatchObject({ overdue: true, dueBy: '2026-11-09', status: 'SUBMITTED' });

      const list = await t.http.get('/settlement/claims?overdue=true').set('Authorization', auditor());
      expect(list.status).toBe(200);
      expect(list.body.claims.map((c: { claimId: string }) => c.claimId)).toEqual([p2]);
      const all = await t.http.get('/settlement/claims').set('Authorization', agency());
      expect(all.body.count).toBe(2);
      expect((await t.http.get('/settlement/claims?overdue=maybe').set('Authorization', agency())).status).toBe(400);
      expect((await t.http.get('/settlement/claims?overdue=true').set('Authorization', pharmacist())).status).toBe(403);

      await approve(p2);
      const late = await pay(p2);
      expect(late.body).toMatchObject({ status: 'PAID', overdue: false, payment: { late: true } });
      expect((await t.http.get('/settlement/claims?overdue=true').set('Authorization', agency())).body.count).toBe(0);
    });

    it('a deadline running into a year without holiday data is provisional', async () => {
      await dispense({ patientId: 'PT001', lines: [['MET-500', 400]], dispensedAt: '2026-11-20T02:00:00.000Z' });
      t.clock.set('2026-12-01T02:00:00.000Z');
      const res = await submit({ periodStart: '2026-11-01', periodEnd: '2026-11-30' });
      expect(res.body).toMatchObject({ dueBy: '2027-01-12', provisional: true });
    });

    it('a dispense refunded after it was claimed is refused at approval', async () => {
      const { d1, d2 } = await september2026();
      t.clock.set('2026-09-21T02:00:00.000Z');
      const claimId = (await submit(september)).body.claimId;
      await publish(t, reversedEnvelope(d2, t.clock.now(), 'wrong patient'));
      const res = await approve(claimId);
      expect(res.body.approval).toMatchObject({ approvedFundFen: 3500, approvedLines: [{ dispenseId: d1.dispenseId }], refusedLines: [{ dispenseId: d2.dispenseId, reason: 'DISPENSE_REVERSED: wrong patient' }] });
    });

    it('two concurrent submissions never claim a dispense twice', async () => {
      await september2026();
      t.clock.set('2026-09-21T02:00:00.000Z');
      const results = await Promise.all([submit(september), submit(september), submit(september)]);
      const created = results.filter((r) => r.status === 201);
      expect(results.every((r) => r.status === 201 || (r.status === 422 && r.body.code === 'CLAIM_EMPTY'))).toBe(true);
      const lines = (await Promise.all(created.map((r) => getClaim(r.body.claimId)))).flatMap((r) => r.body.lines.map((l: { dispenseId: string }) => l.dispenseId));
      expect(lines).toHaveLength(2);
      expect(new Set(lines).size).toBe(2);
    });

    it('a retry with the same claimId returns the same claim, and repairs a submission cut short after the reservation', async () => {
      await september2026();
      t.clock.set('2026-09-21T02:00:00.000Z');
      const claimId = randomUUID();
      store.crashBefore((streamId) => streamId.startsWith('pharmacyclaim-'));
      expect((await submit({ ...september, claimId })).status).toBe(500);
      expect((await getClaim(claimId)).status).toBe(404);
      const retried = await submit({ ...september, claimId });
      expect(retried.status).toBe(201);
      expect(retried.body).toMatchObject({ claimId, dispenseCount: 2, fundFen: 7250 });
      expect((await submit({ ...september, claimId })).body).toMatchObject({ claimId, dispenseCount: 2 });
      expect(await t.store.readStream(claimIndexStreamId('P001'))).toHaveLength(1);
      const other = await submit({ periodStart: '2026-09-01', periodEnd: '2026-09-30', claimId });
      expect(other.status).toBe(409);
    });

    it('a submission cut short after the reservation, with no claimId to retry by, is completed by the repair sweep', async () => {
      const { d1, d2 } = await september2026();
      t.clock.set('2026-09-21T02:00:00.000Z');
      store.crashBefore((streamId) => streamId.startsWith('pharmacyclaim-'));
      expect((await submit(september)).status).toBe(500);
      // Stuck: the dispenses are reserved for a claim that was never recorded.
      expect((await submit(september)).body.code).toBe('CLAIM_EMPTY');
      const [reservation] = await t.store.readStream(claimIndexStreamId('P001'));
      const claimId = (reservation.data as { claimId: string }).claimId;
      expect(reservation.data).toMatchObject({ periodStart: '2026-09-01', periodEnd: '2026-09-20' });

      const sweeper = t.app.get(ClaimRepairSweeper);
      t.clock.advance(CLAIM_REPAIR_GRACE_MS - 1);
      expect(await sweeper.sweep(t.clock.now())).toEqual([]);
      t.clock.advance(1);
      expect(await sweeper.sweep(t.clock.now())).toEqual([claimId]);
      expect(await sweeper.sweep(t.clock.now())).toEqual([]);

      const view = await getClaim(claimId, pharmacist());
      expect(view.status).toBe(200);
      expect(view.body).toMatchObject({ claimId, status: 'SUBMITTED', submittedBy: 'PH001', periodStart: '2026-09-01', periodEnd: '2026-09-20', fundFen: 7250 });
      expect(view.body.lines.map((l: { dispenseId: string }) => l.dispenseId).sort()).toEqual([d1.dispenseId, d2.dispenseId].sort());
      // The pharmacist's own retry, had it come, lands on the same claim.
      expect((await submit({ ...september, claimId })).body).toMatchObject({ claimId, dispenseCount: 2 });
      expect(await t.store.readStream(`pharmacyclaim-${claimId}`)).toHaveLength(1);
    });

    it('the repair sweep leaves alone a submission that completed, and one still within its grace', async () => {
      await september2026();
      t.clock.set('2026-09-21T02:00:00.000Z');
      expect((await submit(september)).status).toBe(201);
      const sweeper = t.app.get(ClaimRepairSweeper);
      t.clock.advance(CLAIM_REPAIR_GRACE_MS);
      expect(await sweeper.sweep(t.clock.now())).toEqual([]);
      await dispense({ patientId: 'PT002', lines: [['MET-500', 60]], dispensedAt: '2026-09-19T02:00:00.000Z' });
      store.crashBefore((streamId) => streamId.startsWith('pharmacyclaim-'));
      expect((await submit(september)).status).toBe(500);
      expect(await sweeper.sweep(t.clock.now())).toEqual([]);
    });

    it('400 for malformed input, 401 without a token, 403 for the wrong role, 404 for an unknown claim', async () => {
      for (const body of [{ periodStart: '2026-13-01', periodEnd: '2026-09-20' }, { periodStart: '2026-09-01' }, { ...september, extra: 1 }, { ...september, claimId: 'nope' }, { periodStart: '2026-09-20', periodEnd: '2026-09-01' }]) {
        const res = await submit(body);
        expect([res.status, res.body.code]).toEqual([400, expect.any(String)]);
      }
      expect((await t.http.post('/settlement/claims').send(september)).status).toBe(401);
      expect((await submit(september, agency())).status).toBe(403);
      expect((await getClaim(randomUUID())).status).toBe(404);
      expect((await getClaim('not-a-uuid')).status).toBe(400);
      expect((await approve(randomUUID())).status).toBe(404);
      const badRefusal = await approve(randomUUID(), { refusedLines: [{ dispenseId: 'd1', reason: '' }] });
      expect(badRefusal.status).toBe(400);
      expect(badRefusal.body.errors[0].field).toBe('refusedLines[0].reason');
      expect((await pay(randomUUID(), { amountFen: -1 })).status).toBe(400);
    });
  });

  describe('agreements (S2)', () => {
    const dissolve = (id: string, body: Record<string, unknown>, auth = agency()) => t.http.post(`/settlement/pharmacies/${id}/agreement/dissolve`).set('Authorization', auth).send(body);
    const agreement = (id: string, auth = agency()) => t.http.get(`/settlement/pharmacies/${id}/agreement`).set('Authorization', auth);

    it('are seeded from reference data, idempotently', async () => {
      expect((await agreement('P001')).body).toMatchObject({ pharmacyId: 'P001', status: 'ACTIVE', activeNow: true, dissolution: null });
      expect((await agreement('P003')).body).toMatchObject({ status: 'DISSOLVED', activeNow: false, dissolution: { reasonCode: 'CASHING_OUT_PERSONAL_ACCOUNTS', dissolvedBy: null } });
      const before = (await t.store.readAll({ streamPrefixes: ['agreement-'] })).length;
      await t.app.get(AgreementSeeder).seed();
      expect((await t.store.readAll({ streamPrefixes: ['agreement-'] })).length).toBe(before);
      expect(before).toBe(4);
      await eventually('seeded dissolution published', () => published.some((e) => e.subject === 'P003'));
      expect(published.find((e) => e.subject === 'P003')).toMatchObject({ type: SettlementEventTypes.agreementDissolved, data: { origin: 'REFERENCE_DATA', reasonCode: 'CASHING_OUT_PERSONAL_ACCOUNTS' } });
    });

    it('dissolve: 200 with the new state; the dispensing side learns it on rx.settlement.v1', async () => {
      const res = await dissolve('P002', { reasonCode: 'CATALOG_NONCOMPLIANCE', effectiveAt: '2026-09-11T00:00:00+08:00' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ pharmacyId: 'P002', status: 'DISSOLVED', activeNow: true, dissolution: { reasonCode: 'CATALOG_NONCOMPLIANCE', effectiveAt: '2026-09-10T16:00:00.000Z', dissolvedBy: 'AG001' } });
      t.clock.set('2026-09-10T16:00:00.000Z');
      expect((await agreement('P002', pharmacist('P002', 'PH002'))).body.activeNow).toBe(false);
      await eventually('dissolution published', () => published.some((e) => e.subject === 'P002'));
      const e = published.find((x) => x.subject === 'P002')!;
      expect(validateSettlementCloudEvent(e)).toBeUndefined();
      expect(e.data).toMatchObject({ pharmacyId: 'P002', regionCode: '522700', effectiveAt: '2026-09-10T16:00:00.000Z', origin: 'AGENCY' });
    });

    it('dissolve: 400 bad input (field-level), 404 unknown pharmacy, 409 already dissolved, 422 retroactive, 401/403', async () => {
      const badReason = await dissolve('P001', { reasonCode: 'BORED', effectiveAt: '2026-09-11T00:00:00Z' });
      expect([badReason.status, badReason.body.errors?.[0]?.field]).toEqual([400, 'reasonCode']);
      const badTime = await dissolve('P001', { reasonCode: 'FRAUDULENT_CLAIMS', effectiveAt: 'tomorrow' });
      expect([badTime.status, badTime.body.errors?.[0]?.field]).toEqual([400, 'effectiveAt']);
      expect((await dissolve('P001', { reasonCode: 'FRAUDULENT_CLAIMS' })).status).toBe(400);
      const unknown = await dissolve('P999', { reasonCode: 'FRAUDULENT_CLAIMS', effectiveAt: '2026-09-11T00:00:00Z' });
      expect([unknown.status, unknown.body.code]).toEqual([404, 'AGREEMENT_NOT_FOUND']);
      const twice = await dissolve('P003', { reasonCode: 'FRAUDULENT_CLAIMS', effectiveAt: '2026-09-11T00:00:00Z' });
      expect([twice.status, twice.body.code]).toEqual([409, 'AGREEMENT_ALREADY_DISSOLVED']);
      const past = await dissolve('P001', { reasonCode: 'FRAUDULENT_CLAIMS', effectiveAt: '2026-09-01T00:00:00Z' });
      expect([past.status, past.body.code]).toEqual([422, 'DISSOLUTION_RETROACTIVE']);
      expect((await dissolve('P001', { reasonCode: 'FRAUDULENT_CLAIMS', effectiveAt: '2026-09-11T00:00:00Z' }, pharmacist())).status).toBe(403);
      expect((await t.http.post('/settlement/pharmacies/P001/agreement/dissolve').send({ reasonCode: 'FRAUDULENT_CLAIMS', effectiveAt: '2026-09-11T00:00:00Z' })).status).toBe(401);
    });

    it('GET: a pharmacist sees only their own pharmacy; unknown is 404', async () => {
      expect((await agreement('P001', pharmacist())).status).toBe(200);
      expect((await agreement('P002', pharmacist())).status).toBe(403);
      expect((await agreement('P999')).status).toBe(404);
      expect((await agreement('P001', auditor())).status).toBe(200);
    });
  });
});
