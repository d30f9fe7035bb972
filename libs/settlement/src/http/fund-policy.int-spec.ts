import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DispensingEventTypes, SettlementEventTypes, Topics, validateSettlementCloudEvent, type CloudEvent, type DispensedV1 } from '@rx/contracts';
import { ManualClock } from '@rx/kernel';
import { createTestApp, type TestApp } from '@rx/runtime/testing';
import { SettlementModule } from '../settlement.module';
import { dispensedData, envelope, eventually, publish, type DispenseSpec } from './testing/settlement-test-kit';

/**
 * Issue 22 points 3, 4, 7 and 8 over HTTP: the plan per insurance type and the insured region, special
 * drugs under the inpatient plan, payment standards, and a year without a published policy. Each
 * dispense arrives as rx.dispensing.dispensed.v1 on the bus, the answer is read over HTTP.
 */
const SHIPPED = join(__dirname, '../../../../data/reference');
const START = '2026-03-02T09:00:00.000Z';

interface Harness {
  t: TestApp;
  published: CloudEvent[];
  dispense(spec: DispenseSpec, override?: Partial<DispensedV1>): Promise<DispensedV1>;
  payment(dispenseId: string): Promise<Record<string, any>>;
  benefits(patientId: string, year?: number): Promise<Record<string, any>>;
  budget(regionCode: string, year?: number): Promise<Record<string, any>>;
}

async function harness(referenceDir?: string): Promise<Harness> {
  const t = await createTestApp({ imports: [SettlementModule], clock: new ManualClock(START), env: referenceDir ? { RX_REFERENCE_DATA: referenceDir } : {} });
  const published: CloudEvent[] = [];
  await t.bus.consume({ groupId: `observer-${randomUUID()}`, topics: [Topics.settlement], handler: async (m) => void published.push(m.event) });
  const agency = t.bearer('agency', 'AG001', 'AGENCY');
  const get = async (path: string) => {
    const res = await t.http.get(path).set('Authorization', agency);
    expect(res.status).toBe(200);
    return res.body as Record<string, any>;
  };
  return {
    t,
    published,
    async dispense(spec, override = {}) {
      const data = { ...dispensedData(spec, t.clock.now()), ...override };
      await publish(t, envelope(DispensingEventTypes.dispensed, data.prescriptionId, data, t.clock.now()));
      return data;
    },
    payment: (id) => get(`/settlement/dispenses/${id}`),
    benefits: (patientId, year = 2026) => get(`/settlement/patients/${patientId}/benefits/${year}`),
    budget: (regionCode, year = 2026) => get(`/settlement/budget/${regionCode}/${year}`),
  };
}

/** A private copy of the shipped reference data, edited, for one test's app. */
function referenceCopy(edit: (dir: string) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'rx-policy-'));
  cpSync(SHIPPED, dir, { recursive: true });
  edit(dir);
  return dir;
}
const editJson = (dir: string, file: string, change: (json: any) => void) => {
  const path = join(dir, file);
  const json = JSON.parse(readFileSync(path, 'utf8'));
  writeFileSync(path, JSON.stringify(change(json) ?? json));
};

describe('settlement: the fund policy (issue 22: plans per insurance type, special drugs, payment standard, provisional year)', () => {
  describe('on the shipped demo region', () => {
    let h: Harness;
    beforeEach(async () => (h = await harness()));
    afterEach(() => h.t.close());

    describe('plans per insurance type (22.3)', () => {
      it('pays a resident under the resident plan (deductible 5000, 0.55), not the employee plan', async () => {
        const d = await h.dispense({ patientId: 'PT003', lines: [['MET-500', 60], ['ATV-20', 28]] });
        expect(await h.payment(d.dispenseId)).toMatchObject({ plan: 'resident', inScopeFen: 15600, deductibleAppliedFen: 5000, fundFen: 5830, ordinaryRatioBp: 5500, cashFen: 11170, flags: [] });
        expect(await h.benefits('PT003')).toMatchObject({ plan: 'resident', deductibleFen: 5000, deductibleUsedFen: 5000, ordinaryFundCapFen: 50000, ordinaryFundUsedFen: 5830 });
      });

      it('the same dispense for an employee is paid under the employee plan (the worked example)', async () => {
        const d = await h.dispense({ patientId: 'PT001', lines: [['MET-500', 60], ['ATV-20', 28], ['VITC-100', 1]], deliveryFeeFen: 800 });
        expect(await h.payment(d.dispenseId)).toMatchObject({ plan: 'employee', deductibleAppliedFen: 15000, fundFen: 420, personalAccountFen: 19080, cashFen: 800, policyProvisional: false });
      });
    });

    describe('special drugs under the inpatient plan (22.4)', () => {
      it('no 4,000-yuan special cap: the inpatient cap of 300,000 yuan, no deductible, their own budget line', async () => {
        const ids: string[] = [];
        for (let i = 0; i < 3; i++) ids.push((await h.dispense({ patientId: 'PT001', lines: [['SD-OSIMERTINIB', 20]] })).dispenseId);
        // 340000 each; Class B first 34000; eligible 306000; fund 0.70 -> 214200, three times (the old 400000 cap stopped the second)
        for (const id of ids) expect(await h.payment(id)).toMatchObject({ deductibleAppliedFen: 0, fundFen: 214200, specialFundFen: 214200, capShortfallFen: 0, flags: expect.not.arrayContaining(['SPECIAL_CAP_REACHED']) });
        expect(await h.benefits('PT001')).toMatchObject({ deductibleUsedFen: 0, specialFundCapFen: 30_000_000, specialFundUsedFen: 642600, specialFundRemainingFen: 30_000_000 - 642600 });
        expect(await h.budget('522700')).toMatchObject({ spentFen: 0, specialSpentFen: 642600, payments: 3 });
      });

      it('a resident pays the advance share first, then the Class B share, then the inpatient ratio 0.60', async () => {
        const d = await h.dispense({ patientId: 'PT003', lines: [['SD-OSIMERTINIB', 2]] });
        expect(await h.payment(d.dispenseId)).toMatchObject({ preSelfPayFen: 9520, inScopeFen: 24480, deductibleAppliedFen: 0, fundFen: 14688, specialRatioBp: 6000 });
        expect(await h.benefits('PT003')).toMatchObject({ deductibleUsedFen: 0, specialFundUsedFen: 14688 });
      });
    });

    describe('payment standard (22.7)', () => {
      it('7 tablets at 100,000 yuan each: the fund pays at most what the standard (60 fen) allows, the rest is over-limit self-pay', async () => {
        await h.dispense({ patientId: 'PT002', lines: [['MET-500', 400]] }); // uses up the deductible
        const d = await h.dispense({ patientId: 'PT002', lines: [['MET-500', 7, 10_000_000]] });
        // 7 x 60 = 420 in scope; fund 0.75 (retiree) -> 315; the old code paid the rest of the 2,000-yuan cap
        expect(await h.payment(d.dispenseId)).toMatchObject({ totalFen: 70_000_000, overLimitSelfPayFen: 69_999_580, inScopeFen: 420, fundFen: 315, capShortfallFen: 0, flags: expect.not.arrayContaining(['CAP_REACHED']) });
        expect(await h.benefits('PT002')).toMatchObject({ ordinaryFundUsedFen: 3750 + 315 });
      });

      it('a price between the reference price and the standard is flagged to monitoring only: no over-limit share', async () => {
        const d = await h.dispense({ patientId: 'PT001', lines: [['MET-500', 10, 60]] });
        expect(await h.payment(d.dispenseId)).toMatchObject({ overLimitSelfPayFen: 0, inScopeFen: 600 });
      });
    });

    describe('a year with no published policy (22.8)', () => {
      it('is paid under the latest policy, and the breakdown, the benefits and the published event say provisional', async () => {
        h.t.clock.set('2027-02-01T02:00:00.000Z');
        const d = await h.dispense({ patientId: 'PT001', lines: [['MET-500', 400]] });
        expect(await h.payment(d.dispenseId)).toMatchObject({ policyYear: 2026, policyVersion: '522700-2026.2', policyProvisional: true, deductibleAppliedFen: 15000, fundFen: 3500 });
        expect(await h.benefits('PT001', 2027)).toMatchObject({ year: 2027, policyVersion: '522700-2026.2', policyProvisional: true, deductibleUsedFen: 15000 });
        expect(await h.benefits('PT001', 2026)).toMatchObject({ policyProvisional: false, deductibleUsedFen: 0 });
        await eventually('payment published', () => h.published.some((e) => e.type === SettlementEventTypes.fundPaymentRecorded));
        const e = h.published.find((x) => x.type === SettlementEventTypes.fundPaymentRecorded)!;
        expect(validateSettlementCloudEvent(e)).toBeUndefined();
        expect(e.data).toMatchObject({ policyYear: 2027, policyVersion: '522700-2026.2', policyProvisional: true });
      });
    });
  });

  describe('a region whose policy has no resident plan (22.3)', () => {
    let h: Harness;
    let dir: string;
    beforeEach(async () => {
      dir = referenceCopy((d) => editJson(d, 'policies/522700-2026.json', (j) => void delete j.plans.resident));
      h = await harness(dir);
    });
    afterEach(async () => {
      await h.t.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('a resident gets no fund payment and the flag NO_PLAN_FOR_INSURANCE_TYPE, never the employee figures', async () => {
      const d = await h.dispense({ patientId: 'PT003', lines: [['MET-500', 400]] });
      expect(await h.payment(d.dispenseId)).toMatchObject({ plan: null, inScopeFen: 20000, deductibleAppliedFen: 0, fundFen: 0, coPayFen: 20000, cashFen: 20000, flags: ['NO_PLAN_FOR_INSURANCE_TYPE'] });
      expect(await h.benefits('PT003')).toMatchObject({ plan: null, deductibleFen: 0, deductibleUsedFen: 0, ordinaryFundCapFen: 0, ordinaryFundUsedFen: 0 });
      await eventually('payment published', () => h.published.some((e) => e.type === SettlementEventTypes.fundPaymentRecorded));
      const e = h.published.find((x) => x.type === SettlementEventTypes.fundPaymentRecorded)!;
      expect(validateSettlementCloudEvent(e)).toBeUndefined();
      expect(e.data).toMatchObject({ flags: ['NO_PLAN_FOR_INSURANCE_TYPE'], amounts: { fundFen: 0 } });
    });

    it('an employee of the same region is paid as before', async () => {
      const d = await h.dispense({ patientId: 'PT001', lines: [['MET-500', 400]] });
      expect(await h.payment(d.dispenseId)).toMatchObject({ plan: 'employee', deductibleAppliedFen: 15000, fundFen: 3500, flags: [] });
    });
  });

  describe("the policy follows the patient's insured region, not the prescribing institution's (22.3)", () => {
    let h: Harness;
    let dir: string;
    beforeEach(async () => {
      dir = referenceCopy((d) => {
        // Region 522701 with its own employee plan: no deductible, ratio 0.90.
        editJson(d, 'policies/522700-2026.json', (j) => {
          j.regionCode = '522701';
          j.regionName = 'Neighbouring demo region';
          j.version = '522701-2026.1';
          j.plans.employee.outpatient.deductibleFen = 0;
          j.plans.employee.outpatient.ratioByLevel['1'] = '0.90';
          j.outpatientPoolingBudgetFen = 1_000_000;
          writeFileSync(join(d, 'policies/522701-2026.json'), JSON.stringify(j));
          return JSON.parse(readFileSync(join(SHIPPED, 'policies/522700-2026.json'), 'utf8'));
        });
        editJson(d, 'patients.json', (j) => [...j, { id: 'PT101', name: 'Insured in 522701', regionCode: '522701', insuranceType: 'employee', retired: false, chronicConditions: [] }]);
      });
      h = await harness(dir);
    });
    afterEach(async () => {
      await h.t.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it("a patient insured in 522701, prescribed in 522700, is paid under 522701's policy and counted in 522701's budget", async () => {
      const d = await h.dispense({ patientId: 'PT003', lines: [['MET-500', 400]] }, { patientId: 'PT101', insuranceType: 'employee', regionCode: '522700' });
      expect(await h.payment(d.dispenseId)).toMatchObject({ regionCode: '522701', policyVersion: '522701-2026.1', deductibleAppliedFen: 0, fundFen: 18000, ordinaryRatioBp: 9000 });
      expect(await h.budget('522701')).toMatchObject({ spentFen: 18000, payments: 1 });
      expect(await h.budget('522700')).toMatchObject({ spentFen: 0, payments: 0 });
    });

    it("a patient insured in 522700, prescribed in 522701, is paid under 522700's policy", async () => {
      const d = await h.dispense({ patientId: 'PT001', lines: [['MET-500', 400]] }, { regionCode: '522701' });
      expect(await h.payment(d.dispenseId)).toMatchObject({ regionCode: '522700', policyVersion: '522700-2026.2', deductibleAppliedFen: 15000, fundFen: 3500 });
    });
  });
});
