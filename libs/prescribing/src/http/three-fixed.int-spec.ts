import { randomUUID } from 'node:crypto';
import { PrescribingEventTypes, Topics, validatePrescribingCloudEvent, type CloudEvent, type IssueRefusedV1 } from '@rx/contracts';
import { ManualClock } from '@rx/kernel';
import { createTestApp, type TestApp } from '@rx/runtime/testing';
import { PrescribingModule } from '../prescribing.module';

/** Three-fixed, institution leg (issue 22.5): special drugs only at designated institutions (level 2 and above, 001). */
describe('three-fixed at issue over HTTP (embedded app, real SQLite store)', () => {
  let t: TestApp;
  let published: CloudEvent[];
  beforeEach(async () => {
    t = await createTestApp({ imports: [PrescribingModule], clock: new ManualClock('2026-03-02T09:00:00.000Z') });
    published = [];
    await t.bus.consume({ groupId: `observer-${randomUUID()}`, topics: [Topics.prescribing], handler: async (m) => void published.push(m.event) });
  });
  afterEach(() => t.close());

  const osimertinib = { drugCode: 'SD-OSIMERTINIB', quantity: 7, daysSupply: 7, dosage: { dose: 80, unit: 'mg', timesPerDay: 1 } };
  const metformin = { drugCode: 'MET-500', quantity: 42, daysSupply: 7, dosage: { dose: 0.5, unit: 'g', timesPerDay: 3 } };
  const issue = (sub: string, org: string, items: unknown[], prescriptionId = randomUUID()) =>
    t.http
      .post('/prescriptions')
      .set('Authorization', t.bearer('physician', sub, org))
      .send({ prescriptionId, patientId: 'PT003', diagnoses: [{ code: 'C34.9', name: 'lung cancer' }], items });
  const refusals = () => published.filter((e) => e.type === PrescribingEventTypes.issueRefused);
  const until = async (check: () => boolean) => {
    const deadline = Date.now() + 3000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 10));
    }
  };

  it('a designated physician at a non-designated (level-1) institution: 422 INSTITUTION_NOT_DESIGNATED_FOR_SPECIAL_DRUG naming the item, nothing stored, the attempt published', async () => {
    const prescriptionId = randomUUID();
    const res = await issue('D005', 'H001', [metformin, osimertinib], prescriptionId);
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: 'INSTITUTION_NOT_DESIGNATED_FOR_SPECIAL_DRUG', field: 'items[1].drugCode', details: { institutionId: 'H001', drugCode: 'SD-OSIMERTINIB' } });
    expect(await t.store.readStream(`prescription-${prescriptionId}`)).toEqual([]);
    await until(() => refusals().length === 1);
    const [signal] = refusals();
    expect(validatePrescribingCloudEvent(signal)).toBeUndefined();
    expect(signal.subject).toBe(prescriptionId);
    expect(signal.data as IssueRefusedV1).toMatchObject({
      prescriptionId,
      institutionId: 'H001',
      physicianId: 'D005',
      patientId: 'PT003',
      code: 'INSTITUTION_NOT_DESIGNATED_FOR_SPECIAL_DRUG',
      field: 'items[1].drugCode',
      drugCodes: ['SD-OSIMERTINIB'],
    });
  });

  it('the same physician may still prescribe ordinary drugs there; a designated institution and physician may prescribe the special drug', async () => {
    expect((await issue('D005', 'H001', [metformin])).status).toBe(201);
    expect((await issue('D003', 'H003', [osimertinib])).status).toBe(201);
  });

  it('an undesignated physician at a designated institution is refused on the physician leg, and that attempt is published too', async () => {
    const res = await issue('D002', 'H002', [osimertinib]);
    expect(res.body.code).toBe('SPECIAL_DRUG_PHYSICIAN_NOT_DESIGNATED');
    await until(() => refusals().length === 1);
    expect(refusals()[0].data).toMatchObject({ code: 'SPECIAL_DRUG_PHYSICIAN_NOT_DESIGNATED', institutionId: 'H002', physicianId: 'D002' });
  });

  it('other refusals are not published as attempts', async () => {
    expect((await issue('D005', 'H001', [{ ...metformin, quantity: 601 }])).body.code).toBe('QUANTITY_OUT_OF_RANGE');
    expect((await issue('D005', 'H001', [metformin])).status).toBe(201);
    await until(() => published.some((e) => e.type === PrescribingEventTypes.prescriptionIssued));
    expect(refusals()).toEqual([]);
  });
});
