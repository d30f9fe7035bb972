import { AuditModule } from '@rx/audit';
import { DispensingModule } from '@rx/dispensing';
import { ManualClock } from '@rx/kernel';
import { PrescribingModule } from '@rx/prescribing';
import { createTestApp, TestApp } from '@rx/runtime/testing';
import { SettlementModule } from '@rx/settlement';

/**
 * The contexts together in one process, talking only through the in-process bus: what
 * `npm start` runs. Each step's effect on the next context is awaited by polling, because
 * relays publish after the HTTP answer (no dual writes).
 */
describe('embedded lifecycle across contexts', () => {
  let t: TestApp;
  let physician: string;
  let pharmacist: string;
  let pharmacist2: string;
  let agency: string;
  let auditor: string;

  beforeEach(async () => {
    t = await createTestApp({ imports: [PrescribingModule, DispensingModule, SettlementModule, AuditModule], clock: new ManualClock('2026-03-02T01:00:00.000Z') });
    physician = t.bearer('physician', 'D001', 'H001');
    pharmacist = t.bearer('pharmacist', 'PH001', 'P001');
    pharmacist2 = t.bearer('pharmacist', 'PH002', 'P002');
    agency = t.bearer('agency', 'AG001', 'AGENCY');
    auditor = t.bearer('auditor', 'AU001', 'AUDIT');
  });
  afterEach(() => t.close());

  async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 5000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async function issue(body: Record<string, unknown>) {
    const res = await t.http.post('/prescriptions').set('Authorization', physician).send(body);
    expect(res.status).toBe(201);
    const rx = res.body as { prescriptionId: string; pickupCode: string };
    await eventually(async () => {
      const r = await t.http.get(`/dispensing/prescriptions/${rx.prescriptionId}`).set('Authorization', pharmacist);
      return r.status === 200 ? r.body : undefined;
    }, 'dispensing to learn the prescription');
    return rx;
  }

  /** PT003, a week of amlodipine: one item, one dispense takes it all. */
  const issueAmlodipineWeek = () =>
    issue({
      patientId: 'PT003',
      diagnoses: [{ code: 'I10', name: 'Hypertension' }],
      items: [{ drugCode: 'AML-5', quantity: 7, daysSupply: 7, dosage: { dose: 1, unit: 'tablet', timesPerDay: 1 } }],
    });

  it('issue → claim → review → dispense → fund payment, with the worked example numbers', async () => {
    const rx = await issue({
      patientId: 'PT001',
      diagnoses: [{ code: 'E11.9', name: 'Type 2 diabetes' }],
      items: [
        { drugCode: 'MET-500', quantity: 60, daysSupply: 7, dosage: { dose: 1, unit: 'tablet', timesPerDay: 3 } },
        { drugCode: 'ATV-20', quantity: 28, daysSupply: 7, dosage: { dose: 1, unit: 'tablet', timesPerDay: 1 } },
        { drugCode: 'VITC-100', quantity: 1, daysSupply: 7, dosage: { dose: 1, unit: 'tablet', timesPerDay: 1 } },
      ],
    });
    expect((await t.http.post('/dispensing/claims').set('Authorization', pharmacist).send({ prescriptionId: rx.prescriptionId, pickupCode: rx.pickupCode })).status).toBe(201);
    expect((await t.http.post(`/dispensing/claims`).set('Authorization', pharmacist2).send({ prescriptionId: rx.prescriptionId, pickupCode: rx.pickupCode })).status).toBe(409);
    expect((await t.http.post(`/dispensing/prescriptions/${rx.prescriptionId}/review`).set('Authorization', pharmacist).send({ decision: 'APPROVED' })).status).toBe(200);
    const trace = (n: number) => String(n).padStart(20, '0');
    const dispense = await t.http
      .post(`/dispensing/prescriptions/${rx.prescriptionId}/dispenses`)
      .set('Authorization', pharmacist)
      .send({
        lines: [
          { drugCode: 'MET-500', quantity: 60, unitPriceFen: 50, batchNo: 'B1', traceCodes: [trace(1)] },
          { drugCode: 'ATV-20', quantity: 28, unitPriceFen: 500, batchNo: 'B2', traceCodes: [trace(2)] },
          { drugCode: 'VITC-100', quantity: 1, unitPriceFen: 2500, batchNo: 'B3', traceCodes: [trace(3)] },
        ],
        deliveryFeeFen: 800,
      });
    expect(dispense.status).toBe(201);
    const { dispenseId } = dispense.body as { dispenseId: string };

    const payment = await eventually(async () => {
      const r = await t.http.get(`/settlement/dispenses/${dispenseId}`).set('Authorization', agency);
      return r.status === 200 ? r.body : undefined;
    }, 'settlement to record the fund payment');
    // domain.md worked example: eligible 15600, deductible 15000, fund 420, account 19080, cash 800.
    expect(payment).toMatchObject({ totalFen: 20300, deductibleAppliedFen: 15000, fundFen: 420, personalAccountFen: 19080, cashFen: 800 });

    // Prescribing learns the outcome: fully dispensed, so a revoke is refused (D8) and nothing is appended.
    await eventually(async () => {
      const r = await t.http.post(`/prescriptions/${rx.prescriptionId}/revoke`).set('Authorization', physician).send({ reason: 'too late' });
      return r.status === 409 ? r.body : undefined;
    }, 'prescribing to learn of the full dispense');

    // The auditor replays it all, in order, each fact verified against its source in the shared store.
    const history = await eventually(async () => {
      const r = await t.http.get(`/audit/prescriptions/${rx.prescriptionId}/history`).set('Authorization', auditor);
      const types = ((r.body?.entries ?? []) as { type: string }[]).map((e) => e.type);
      return types.includes('rx.settlement.fund-payment-recorded.v1') ? (r.body.entries as { type: string; actor: unknown; integrity: { verified: boolean; sourceVerified: boolean | null } }[]) : undefined;
    }, 'audit to record the fund payment');
    expect(history.map((e) => e.type)).toEqual([
      'rx.prescribing.prescription-issued.v1',
      'rx.dispensing.prescription-claimed.v1',
      'rx.dispensing.prescription-reviewed.v1',
      'rx.dispensing.dispensed.v1',
      'rx.settlement.fund-payment-recorded.v1',
    ]);
    for (const entry of history) expect(entry.integrity).toMatchObject({ verified: true, sourceVerified: true });
    const integrity = await t.http.get('/audit/integrity').set('Authorization', auditor);
    expect(integrity.body).toMatchObject({ ok: true, failures: [] });
  });

  it('a refund after the full dispense reopens the prescription in prescribing too, so the physician can revoke it again', async () => {
    const rx = await issueAmlodipineWeek();
    expect((await t.http.post('/dispensing/claims').set('Authorization', pharmacist).send({ prescriptionId: rx.prescriptionId, pickupCode: rx.pickupCode })).status).toBe(201);
    expect((await t.http.post(`/dispensing/prescriptions/${rx.prescriptionId}/review`).set('Authorization', pharmacist).send({ decision: 'APPROVED' })).status).toBe(200);
    const dispense = await t.http
      .post(`/dispensing/prescriptions/${rx.prescriptionId}/dispenses`)
      .set('Authorization', pharmacist)
      .send({ lines: [{ drugCode: 'AML-5', quantity: 7, unitPriceFen: 100, batchNo: 'B1', traceCodes: ['9'.padStart(20, '0')] }] });
    expect(dispense.status).toBe(201);
    const { dispenseId } = dispense.body as { dispenseId: string };
    const prescription = async () => (await t.http.get(`/prescriptions/${rx.prescriptionId}`).set('Authorization', physician)).body;
    await eventually(async () => ((await prescription())?.status === 'DISPENSED' ? true : undefined), 'prescribing to learn of the full dispense');

    expect((await t.http.post(`/dispensing/dispenses/${dispenseId}/reversal`).set('Authorization', pharmacist).send({ reason: 'patient returned the unopened box' })).status).toBe(201);

    const reopened = await eventually(async () => {
      const view = await prescription();
      return view?.status === 'ISSUED' ? view : undefined;
    }, 'prescribing to learn of the refund');
    expect(reopened.dispensing).toEqual({ holderPharmacyId: null, dispenseIds: [dispenseId], reversedDispenseIds: [dispenseId], fullyDispensed: false });
    // It was dispensed from once, so the revocation asks the dispensing side, which withdraws it: nobody holds it now.
    const revoke = await t.http.post(`/prescriptions/${rx.prescriptionId}/revoke`).set('Authorization', physician).send({ reason: 'therapy changed' });
    expect(revoke.status).toBe(202);
    await eventually(async () => ((await prescription())?.status === 'REVOKED' ? true : undefined), 'the dispensing side to withdraw it');
    const again = await t.http.post('/dispensing/claims').set('Authorization', pharmacist2).send({ prescriptionId: rx.prescriptionId, pickupCode: rx.pickupCode });
    expect(again.status).toBe(422);
  });

  it('revocation race: a held prescription is pending until the pharmacy releases it', async () => {
    const rx = await issueAmlodipineWeek();
    expect((await t.http.post('/dispensing/claims').set('Authorization', pharmacist2).send({ prescriptionId: rx.prescriptionId, pickupCode: rx.pickupCode })).status).toBe(201);
    // Wait until prescribing knows a pharmacy holds it, or the revoke would (correctly) be immediate.
    const revoke = await eventually(async () => {
      const r = await t.http.post(`/prescriptions/${rx.prescriptionId}/revoke`).set('Authorization', physician).send({ reason: 'wrong drug' });
      return r.status === 202 ? r : undefined;
    }, 'prescribing to learn of the claim');
    expect(revoke.body).toMatchObject({ status: 'REVOCATION_PENDING' });

    await eventually(async () => {
      const r = await t.http.get(`/dispensing/prescriptions/${rx.prescriptionId}`).set('Authorization', pharmacist2);
      return r.body?.cancellationPending === true ? r.body : undefined;
    }, 'the pharmacy to see the pending cancellation');
    expect((await t.http.delete(`/dispensing/claims/${rx.prescriptionId}`).set('Authorization', pharmacist2)).status).toBe(200);

    await eventually(async () => {
      const r = await t.http.get(`/prescriptions/${rx.prescriptionId}`).set('Authorization', physician);
      return r.body?.status === 'REVOKED' ? r.body : undefined;
    }, 'prescribing to apply the revocation');
    const again = await t.http.post('/dispensing/claims').set('Authorization', pharmacist).send({ prescriptionId: rx.prescriptionId, pickupCode: rx.pickupCode });
    expect(again.status).toBe(422);
  });
});
