import { randomUUID } from 'node:crypto';
import { SettlementEventTypes, Topics, validateSettlementCloudEvent, type CloudEvent, type DispensedV1 } from '@rx/contracts';
import { createEventStore } from '@rx/event-store';
import { ManualClock } from '@rx/kernel';
import { createTestApp, type TestApp } from '@rx/runtime/testing';
import { DispensingReactor } from '../application/payment/dispensing.reactor';
import { SettlementModule } from '../settlement.module';
import { dispensedEnvelope, eventually, publish, reversedEnvelope, type DispenseSpec } from './testing/settlement-test-kit';

describe('settlement: refunds after the pharmacy was reimbursed are recovered (冲销, issue 22.2)', () => {
  let t: TestApp;
  let published: CloudEvent[];

  beforeEach(async () => {
    t = await createTestApp({ imports: [SettlementModule], clock: new ManualClock('2026-09-10T02:00:00.000Z'), store: createEventStore('sqlite::memory:') });
    published = [];
    await t.bus.consume({ groupId: `observer-${randomUUID()}`, topics: [Topics.settlement], handler: async (m) => void published.push(m.event) });
  });
  afterEach(() => t.close());

  const agency = () => t.bearer('agency', 'AG001', 'AGENCY');
  const pharmacist = (org = 'P001', sub = 'PH001') => t.bearer('pharmacist', sub, org);
  const dispense = async (spec: DispenseSpec): Promise<DispensedV1> => {
    const e = dispensedEnvelope(spec, t.clock.now());
    await publish(t, e);
    return e.data;
  };
  const refund = (d: DispensedV1) => publish(t, reversedEnvelope(d, t.clock.now()));
  const submit = async (periodStart: string, periodEnd: string) => {
    const res = await t.http.post('/settlement/claims').set('Authorization', pharmacist()).send({ periodStart, periodEnd });
    expect(res.status).toBe(201);
    return res.body.claimId as string;
  };
  const claim = async (id: string) => (await t.http.get(`/settlement/claims/${id}`).set('Authorization', agency())).body;
  const approve = (id: string) => t.http.post(`/settlement/claims/${id}/approve`).set('Authorization', agency()).send({});
  const pay = (id: string, body: Record<string, unknown> = {}) => t.http.post(`/settlement/claims/${id}/pay`).set('Authorization', agency()).send(body);
  const recoveries = (pharmacyId = 'P001', auth = agency()) => t.http.get(`/settlement/pharmacies/${pharmacyId}/recoveries`).set('Authorization', auth);
  const budget = async () => (await t.http.get('/settlement/budget/522700/2026').set('Authorization', agency())).body;
  const publishedOf = (type: string) => published.filter((e) => e.type === type);

  /** P001's September, claimed, approved and paid: d1 (fund 3500) and d2 (fund 3750). */
  async function septemberPaid() {
    const d1 = await dispense({ patientId: 'PT001', lines: [['MET-500', 400]], dispensedAt: '2026-09-10T02:00:00.000Z' });
    const d2 = await dispense({ patientId: 'PT002', lines: [['MET-500', 400]], dispensedAt: '2026-09-15T02:00:00.000Z' });
    t.clock.set('2026-09-21T02:00:00.000Z');
    const c1 = await submit('2026-09-01', '2026-09-20');
    t.clock.set('2026-09-24T02:00:00.000Z');
    expect((await approve(c1)).body.approval.approvedFundFen).toBe(7250);
    return { d1, d2, c1 };
  }

  it('after payment: the refund becomes a recovery, deducted as a negative line from the next claim; netting below zero pays nothing and carries the rest forward; a dissolved pharmacy owes the rest', async () => {
    const { d2, c1 } = await septemberPaid();
    expect((await pay(c1)).body.payment).toMatchObject({ amountFen: 7250 });

    t.clock.set('2026-10-08T02:00:00.000Z');
    await refund(d2);
    expect((await claim(c1)).recoveriesRaised).toEqual([
      { dispenseId: d2.dispenseId, prescriptionId: d2.prescriptionId, amountFen: 3750, reason: 'patient returned the medicine', raisedAt: '2026-10-08T02:00:00.000Z', regionCode: '522700', year: 2026 },
    ]);
    expect((await recoveries()).body).toMatchObject({ pharmacyId: 'P001', agreementActive: true, raisedFen: 3750, recoveredFen: 0, outstandingFen: 3750 });
    expect(await budget()).toMatchObject({ spentFen: 3500, reversals: 1, recoveries: { raisedFen: 3750, recoveredFen: 0, outstandingFen: 3750, count: 1 } });

    // October: one small dispense (fund 2100), less the 3750 recovery
    const d3 = await dispense({ patientId: 'PT001', lines: [['MET-500', 60]], dispensedAt: '2026-10-09T02:00:00.000Z' });
    t.clock.set('2026-10-12T02:00:00.000Z');
    const c2 = await submit('2026-10-01', '2026-10-11');
    const submitted = await claim(c2);
    expect(submitted).toMatchObject({
      fundFen: 2100,
      lines: [{ dispenseId: d3.dispenseId, fundFen: 2100 }],
      recoveryLines: [{ dispenseId: d2.dispenseId, prescriptionId: d2.prescriptionId, fromClaimId: c1, amountFen: -3750 }],
      recoveryFen: 3750,
      netFundFen: -1650,
      payableFen: null,
    });
    expect((await approve(c2)).body).toMatchObject({ payableFen: 0 });
    const wrong = await pay(c2, { amountFen: 2100 });
    expect(wrong.status).toBe(422);
    expect(wrong.body.code).toBe('CLAIM_PAYMENT_MISMATCH');
    const paid = await pay(c2);
    expect(paid.status).toBe(200);
    expect(paid.body.payment).toMatchObject({
      amountFen: 0,
      grossFen: 2100,
      recovered: [{ dispenseId: d2.dispenseId, fromClaimId: c1, amountFen: 3750, recoveredFen: 2100 }],
      carriedForwardFen: 1650,
    });
    expect((await recoveries()).body).toMatchObject({ raisedFen: 3750, recoveredFen: 2100, outstandingFen: 1650 });
    expect((await recoveries()).body.recoveries[0]).toMatchObject({ dispenseId: d2.dispenseId, fromClaimId: c1, offsets: [{ claimId: c2, amountFen: 2100 }], heldByClaimId: null });

    // The pharmacy is dissolved and never claims again: the rest stays a receivable of the fund.
    const dissolved = await t.http.post('/settlement/pharmacies/P001/agreement/dissolve').set('Authorization', agency()).send({ reasonCode: 'CEASED_OPERATION', effectiveAt: '2026-10-13T00:00:00+08:00' });
    expect(dissolved.status).toBe(200);
    t.clock.set('2026-10-20T02:00:00.000Z');
    expect((await recoveries()).body).toMatchObject({ agreementActive: false, outstandingFen: 1650 });
    expect((await recoveries('P001', pharmacist())).status).toBe(200);
    expect((await recoveries('P001', pharmacist('P002', 'PH002'))).status).toBe(403);
    expect(await budget()).toMatchObject({ spentFen: 3500 + 2100, recoveries: { raisedFen: 3750, recoveredFen: 2100, outstandingFen: 1650 } });

    // What reaches audit: the recovery on the refunded prescription's key, the negative line and the offset on the claims.
    await eventually('claim paid published', () => publishedOf(SettlementEventTypes.claimPaid).length === 2);
    const raised = publishedOf(SettlementEventTypes.recoveryRaised);
    expect(raised).toHaveLength(1);
    expect(validateSettlementCloudEvent(raised[0])).toBeUndefined();
    expect(raised[0]).toMatchObject({ subject: d2.prescriptionId, data: { claimId: c1, pharmacyId: 'P001', dispenseId: d2.dispenseId, amountFen: 3750 } });
    const c2Submitted = publishedOf(SettlementEventTypes.claimSubmitted).find((e) => (e.data as { claimId: string }).claimId === c2)!;
    expect(validateSettlementCloudEvent(c2Submitted)).toBeUndefined();
    expect(c2Submitted.data).toMatchObject({ recoveryFen: 3750, recoveries: [{ dispenseId: d2.dispenseId, fromClaimId: c1, amountFen: 3750 }] });
    expect((c2Submitted.data as { prescriptionIds: string[] }).prescriptionIds).toContain(d2.prescriptionId);
    const c2Paid = publishedOf(SettlementEventTypes.claimPaid).find((e) => (e.data as { claimId: string }).claimId === c2)!;
    expect(validateSettlementCloudEvent(c2Paid)).toBeUndefined();
    expect(c2Paid.data).toMatchObject({ amountFen: 0, grossFen: 2100, carriedForwardFen: 1650, recovered: [{ dispenseId: d2.dispenseId, recoveredFen: 2100 }] });
    expect((c2Paid.data as { prescriptionIds: string[] }).prescriptionIds).toContain(d2.prescriptionId);
  });

  it('the next claim takes what is still outstanding, once: a later refund of the same dispense raises nothing more', async () => {
    const { d2, c1 } = await septemberPaid();
    await pay(c1);
    await refund(d2);
    await refund(d2); // a redelivered or repeated refund
    expect((await recoveries()).body).toMatchObject({ outstandingFen: 3750, recoveries: [expect.objectContaining({ dispenseId: d2.dispenseId })] });
    await dispense({ patientId: 'PT001', lines: [['MET-500', 400]], dispensedAt: '2026-10-09T02:00:00.000Z' }); // fund 14000 (deductible used)
    t.clock.set('2026-10-12T02:00:00.000Z');
    const c2 = await submit('2026-10-01', '2026-10-11');
    await approve(c2);
    expect((await pay(c2)).body.payment).toMatchObject({ amountFen: 14000 - 3750, carriedForwardFen: 0 });
    expect((await recoveries()).body).toMatchObject({ recoveredFen: 3750, outstandingFen: 0 });
    await dispense({ patientId: 'PT001', lines: [['MET-500', 60]], dispensedAt: '2026-10-20T02:00:00.000Z' });
    t.clock.set('2026-10-26T02:00:00.000Z');
    const c3 = await submit('2026-10-12', '2026-10-25');
    expect((await claim(c3)).recoveryLines).toEqual([]);
  });

  it('after approval, before payment: the refunded dispense is taken out of the payment', async () => {
    const { d1, d2, c1 } = await septemberPaid();
    await refund(d2);
    const view = await claim(c1);
    expect(view).toMatchObject({ status: 'APPROVED', payableFen: 3500, withdrawnLines: [{ dispenseId: d2.dispenseId, prescriptionId: d2.prescriptionId, fundFen: 3750, reason: 'patient returned the medicine' }] });
    const full = await pay(c1, { amountFen: 7250 });
    expect(full.status).toBe(422);
    expect(full.body.code).toBe('CLAIM_PAYMENT_MISMATCH');
    const paid = await pay(c1);
    expect(paid.body.payment).toMatchObject({ amountFen: 3500, grossFen: 3500, carriedForwardFen: 0 });
    expect((await recoveries()).body).toMatchObject({ raisedFen: 0, outstandingFen: 0, recoveries: [] });
    await eventually('claim paid published', () => publishedOf(SettlementEventTypes.claimPaid).length === 1);
    const e = publishedOf(SettlementEventTypes.claimPaid)[0];
    expect(validateSettlementCloudEvent(e)).toBeUndefined();
    expect(e.data).toMatchObject({ amountFen: 3500, lines: [{ dispenseId: d1.dispenseId }], withdrawnLines: [{ dispenseId: d2.dispenseId, fundFen: 3750 }] });
    expect((e.data as { prescriptionIds: string[] }).prescriptionIds).toContain(d2.prescriptionId);
  });

  it('a refund racing the payment is either taken out of it or recovered, never neither', async () => {
    for (let round = 0; round < 3; round++) {
      const d1 = await dispense({ patientId: 'PT003', lines: [['MET-500', 400]], dispensedAt: `2026-0${4 + round}-10T02:00:00.000Z` });
      const d2 = await dispense({ patientId: 'PT003', lines: [['MET-500', 100]], dispensedAt: `2026-0${4 + round}-11T02:00:00.000Z` });
      const c = await submit(`2026-0${4 + round}-01`, `2026-0${4 + round}-28`);
      await approve(c);
      const before = (await recoveries()).body.raisedFen as number;
      const [paid] = await Promise.all([pay(c), t.app.get(DispensingReactor).handle({ event: reversedEnvelope(d2, t.clock.now()) })]);
      const raised = ((await recoveries()).body.raisedFen as number) - before;
      const d2Fund = (await claim(c)).lines.find((l: { dispenseId: string }) => l.dispenseId === d2.dispenseId).fundFen as number;
      expect(d1.dispenseId).not.toBe(d2.dispenseId);
      if (paid.status === 200 && paid.body.payment.amountFen === paid.body.approval.approvedFundFen) expect(raised).toBe(d2Fund);
      else {
        const view = await claim(c);
        expect(view.withdrawnLines.map((l: { dispenseId: string }) => l.dispenseId)).toEqual([d2.dispenseId]);
        expect(raised).toBe(0);
        if (view.status !== 'PAID') expect((await pay(c)).body.payment.amountFen).toBe(view.approval.approvedFundFen - d2Fund);
      }
    }
  });
});
