import { AuditModule } from '@rx/audit';
import { DispensingModule } from '@rx/dispensing';
import { ManualClock } from '@rx/kernel';
import { PrescribingModule } from '@rx/prescribing';
import { createTestApp, TestApp } from '@rx/runtime/testing';

/**
 * Refused attempts reach audit (issue 22.6, 22.9): the refused command appends nothing to its own
 * aggregate, its refusal signal travels the bus, and the auditor sees an alert and a history entry.
 */
// Whole lifecycles across four contexts: seconds alone, more on a shared machine.
jest.setTimeout(30_000);

describe('refused attempts raise audit alerts (embedded, all contexts)', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp({ imports: [PrescribingModule, DispensingModule, AuditModule.forRoot({ sweepIntervalMs: 0 })], clock: new ManualClock('2026-03-02T01:00:00.000Z') });
  });
  afterEach(() => t.close());

  const auditor = () => t.bearer('auditor', 'AU001', 'AUDIT');
  async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 5000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  const alerts = async (rule: string) => (await t.http.get(`/audit/alerts?rule=${rule}`).set('Authorization', auditor())).body.alerts as Array<Record<string, unknown>>;

  /** Issued, claimed and approved by `pharmacyId`, ready to dispense. */
  async function ready(pharmacyId: string, diagnoses = [{ code: 'I10', name: 'Hypertension' }]) {
    const pharmacist = t.bearer('pharmacist', pharmacyId === 'P001' ? 'PH001' : 'PH002', pharmacyId);
    const res = await t.http
      .post('/prescriptions')
      .set('Authorization', t.bearer('physician', 'D001', 'H001'))
      .send({ patientId: 'PT003', diagnoses, items: [{ drugCode: 'AML-5', quantity: 7, daysSupply: 7, dosage: { dose: 1, unit: 'tablet', timesPerDay: 1 } }] });
    expect(res.status).toBe(201);
    const { prescriptionId, pickupCode } = res.body as { prescriptionId: string; pickupCode: string };
    await eventually(async () => ((await t.http.get(`/dispensing/prescriptions/${prescriptionId}`).set('Authorization', pharmacist)).status === 200 ? true : undefined), 'dispensing to learn it');
    expect((await t.http.post('/dispensing/claims').set('Authorization', pharmacist).send({ prescriptionId, pickupCode })).status).toBe(201);
    expect((await t.http.post(`/dispensing/prescriptions/${prescriptionId}/review`).set('Authorization', pharmacist).send({ decision: 'APPROVED' })).status).toBe(200);
    const dispense = (traceCodes: string[]) =>
      t.http.post(`/dispensing/prescriptions/${prescriptionId}/dispenses`).set('Authorization', pharmacist).send({ lines: [{ drugCode: 'AML-5', quantity: 7, unitPriceFen: 80, batchNo: 'B1', traceCodes }] });
    return { prescriptionId, dispense };
  }

  it('a box sold at P001 and offered again at P002: 422 TRACE_CODE_USED, and a trace-code-reuse alert on the second prescription, in its history too', async () => {
    const box = '81234567890123450001';
    const first = await ready('P001');
    const second = await ready('P002');
    expect((await first.dispense([box])).status).toBe(201);
    const refused = await second.dispense([box]);
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ code: 'TRACE_CODE_USED', details: { traceCode: box } });

    const [alert] = await eventually(async () => {
      const found = await alerts('trace-code-reuse');
      return found.length > 0 ? found : undefined;
    }, 'the trace-code-reuse alert');
    expect(alert).toMatchObject({ ruleId: 'trace-code-reuse', prescriptionId: second.prescriptionId, pharmacyId: 'P002', details: expect.objectContaining({ traceCode: box, heldByPrescriptionId: first.prescriptionId }) });
    const history = (await t.http.get(`/audit/prescriptions/${second.prescriptionId}/history`).set('Authorization', auditor())).body.entries as Array<{ type: string }>;
    expect(history.map((e) => e.type)).toContain('rx.dispensing.attempt-refused.v1');
    const dispensing = (await t.http.get(`/dispensing/prescriptions/${second.prescriptionId}`).set('Authorization', auditor())).body;
    expect(dispensing.dispenses).toEqual([]);
  });

  it('a special drug at a level-1 institution: 422 at issue, and a three-fixed-attempt alert; amlodipine for diabetes alone: a drug-not-indicated alert', async () => {
    const refused = await t.http
      .post('/prescriptions')
      .set('Authorization', t.bearer('physician', 'D005', 'H001'))
      .send({ patientId: 'PT003', diagnoses: [{ code: 'C34.9', name: 'lung cancer' }], items: [{ drugCode: 'SD-OSIMERTINIB', quantity: 7, daysSupply: 7, dosage: { dose: 80, unit: 'mg', timesPerDay: 1 } }] });
    expect(refused.body.code).toBe('INSTITUTION_NOT_DESIGNATED_FOR_SPECIAL_DRUG');
    await ready('P001', [{ code: 'E11.9', name: 'Type 2 diabetes' }]);
    const [threeFixed] = await eventually(async () => {
      const found = await alerts('three-fixed-attempt');
      return found.length > 0 ? found : undefined;
    }, 'the three-fixed-attempt alert');
    expect(threeFixed).toMatchObject({ drugCode: 'SD-OSIMERTINIB', details: expect.objectContaining({ leg: 'INSTITUTION', party: 'H001' }) });
    const [notIndicated] = await eventually(async () => {
      const found = await alerts('drug-not-indicated');
      return found.length > 0 ? found : undefined;
    }, 'the drug-not-indicated alert');
    expect(notIndicated).toMatchObject({ drugCode: 'AML-5', details: expect.objectContaining({ diagnoses: 'E11.9' }) });
  });
});
