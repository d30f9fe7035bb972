import {
  computeFundPayment,
  NO_BENEFIT_USED,
  type BenefitUsage,
  type FundPaymentInput,
  type FundPaymentResult,
  type PersonalAccountSnapshot,
} from './fund-payment.calculator';
import { InvalidFundPaymentInput } from './settlement.errors';
import { PT001, PT002, PT003, PT004, atv, demoPolicy, met, osi, retailDispense, shippedPolicy, vitc, workedExample } from './testing/demo-region.fixture';

const account = (balanceFen: number, holderId = 'PT001'): PersonalAccountSnapshot => ({ holderId, balanceFen });
const usage = (u: Partial<BenefitUsage>): BenefitUsage => ({ ...NO_BENEFIT_USED, ...u });

/** Every result must add up, in total and line by line (F6: exact integer fen). */
function expectBalanced({ breakdown: b, ledgerDelta, accountDelta }: FundPaymentResult): void {
  expect(b.totalFen).toBe(b.fullyOwnPayFen + b.overLimitSelfPayFen + b.preSelfPayFen + b.inScopeFen);
  expect(b.inScopeFen).toBe(b.deductibleAppliedFen + b.fundFen + b.coPayFen);
  expect(b.totalFen).toBe(b.fundFen + b.personalAccountFen + b.cashFen);
  expect(b.patientShareFen).toBe(b.totalFen - b.fundFen);
  const sum = (k: 'amountFen' | 'fundFen' | 'deductibleAppliedFen' | 'coPayFen' | 'personalAccountFen' | 'cashFen' | 'preSelfPayFen' | 'inScopeFen') =>
    b.lines.reduce((a, l) => a + l[k], 0);
  expect(sum('amountFen') + b.deliveryFeeFen).toBe(b.totalFen);
  expect(sum('fundFen')).toBe(b.fundFen);
  expect(sum('deductibleAppliedFen')).toBe(b.deductibleAppliedFen);
  expect(sum('coPayFen')).toBe(b.coPayFen);
  expect(sum('personalAccountFen')).toBe(b.personalAccountFen);
  expect(sum('cashFen') + b.deliveryFeeFen).toBe(b.cashFen);
  expect(sum('preSelfPayFen')).toBe(b.preSelfPayFen);
  expect(sum('inScopeFen')).toBe(b.inScopeFen);
  for (const l of b.lines) {
    expect(l.amountFen).toBe(l.fullyOwnPayFen + l.overLimitSelfPayFen + l.preSelfPayFen + l.inScopeFen);
    expect(l.amountFen).toBe(l.fundFen + l.personalAccountFen + l.cashFen);
    expect(Math.min(l.fundFen, l.personalAccountFen, l.cashFen, l.coPayFen, l.deductibleAppliedFen)).toBeGreaterThanOrEqual(0);
  }
  // The delivery fee is never paid by fund or account (D5, F5).
  expect(b.cashFen).toBeGreaterThanOrEqual(b.deliveryFeeFen);
  expect(ledgerDelta.ordinaryFundFen + ledgerDelta.specialFundFen).toBe(b.fundFen);
  expect(ledgerDelta.deductibleFen + ledgerDelta.specialDeductibleFen).toBe(b.deductibleAppliedFen);
  expect(accountDelta?.debitFen ?? 0).toBe(b.personalAccountFen);
}

describe('computeFundPayment', () => {
  it('the demo policy fixture is the shipped 522700-2026 policy', () => {
    expect(demoPolicy()).toEqual(shippedPolicy());
  });

  describe('the worked example of domain.md', () => {
    const result = computeFundPayment(workedExample(), demoPolicy(), NO_BENEFIT_USED, account(50000));
    const b = result.breakdown;

    it('gives exactly its numbers', () => {
      expect(b).toMatchObject({
        totalFen: 20300,
        fullyOwnPayFen: 3300, // vitamin C 2500 + delivery 800
        overLimitSelfPayFen: 0,
        preSelfPayFen: 1400,
        inScopeFen: 15600,
        deductibleAppliedFen: 15000,
        fundFen: 420,
        coPayFen: 180,
        patientShareFen: 19880,
        personalAccountFen: 19080,
        cashFen: 800,
        specialFundFen: 0,
        deliveryFeeFen: 800,
        ordinaryRatioBp: 7000,
        policyVersion: '522700-2026.2',
        regionCode: '522700',
        policyYear: 2026,
        policyProvisional: false,
        plan: 'employee',
        personalAccountHolderId: 'PT001',
        flags: [],
      });
      expect(result.ledgerDelta).toEqual({ deductibleFen: 15000, ordinaryFundFen: 420, specialDeductibleFen: 0, specialFundFen: 0 });
      expect(result.accountDelta).toEqual({ holderId: 'PT001', debitFen: 19080 });
      expectBalanced(result);
    });

    it('gives the table per line, distributing deductible and fund by largest remainder', () => {
      const pick = b.lines.map(({ lineNo, amountFen, preSelfPayFen, inScopeFen, deductibleAppliedFen, fundFen, coPayFen, personalAccountFen, cashFen }) => ({
        lineNo,
        amountFen,
        preSelfPayFen,
        inScopeFen,
        deductibleAppliedFen,
        fundFen,
        coPayFen,
        personalAccountFen,
        cashFen,
      }));
      expect(pick).toEqual([
        // deductible 15000 x 3000/15600 = 2884.6 -> 2885 (largest remainder); fund 420 x 115/600 = 80.5 -> 81 (tie: earlier line)
        { lineNo: 1, amountFen: 3000, preSelfPayFen: 0, inScopeFen: 3000, deductibleAppliedFen: 2885, fundFen: 81, coPayFen: 34, personalAccountFen: 2919, cashFen: 0 },
        { lineNo: 2, amountFen: 14000, preSelfPayFen: 1400, inScopeFen: 12600, deductibleAppliedFen: 12115, fundFen: 339, coPayFen: 146, personalAccountFen: 13661, cashFen: 0 },
        { lineNo: 3, amountFen: 2500, preSelfPayFen: 0, inScopeFen: 0, deductibleAppliedFen: 0, fundFen: 0, coPayFen: 0, personalAccountFen: 2500, cashFen: 0 },
      ]);
      expect(b.lines[2]).toMatchObject({ bucket: null, fullyOwnPayFen: 2500 });
    });
  });

  it('a second purchase in the same year starts with no deductible left', () => {
    const r = computeFundPayment(workedExample(), demoPolicy(), usage({ deductibleUsedFen: 15000, ordinaryFundUsedFen: 420 }), account(50000 - 19080));
    expect(r.breakdown).toMatchObject({ deductibleAppliedFen: 0, fundFen: 10920, coPayFen: 4680, personalAccountFen: 8580, cashFen: 800 });
    expect(r.ledgerDelta).toEqual({ deductibleFen: 0, ordinaryFundFen: 10920, specialDeductibleFen: 0, specialFundFen: 0 });
    expectBalanced(r);
  });

  it('a partly used deductible is applied only up to what is left', () => {
    const r = computeFundPayment(retailDispense([met(1, 60)], PT001), demoPolicy(), usage({ deductibleUsedFen: 14000 }), null);
    // 3000 eligible, 1000 deductible left, fund round(2000 x 0.70) = 1400
    expect(r.breakdown).toMatchObject({ deductibleAppliedFen: 1000, fundFen: 1400, coPayFen: 600, cashFen: 1600 });
    expectBalanced(r);
  });

  describe('annual cap', () => {
    it('limits the fund to the remaining cap and flags it', () => {
      const r = computeFundPayment(retailDispense([met(1, 60)], PT001), demoPolicy(), usage({ deductibleUsedFen: 15000, ordinaryFundUsedFen: 199900 }), null);
      expect(r.breakdown).toMatchObject({ fundFen: 100, capShortfallFen: 2000, coPayFen: 2900, flags: ['CAP_REACHED'] });
      expect(r.ledgerDelta.ordinaryFundFen).toBe(100);
      expectBalanced(r);
    });

    it('pays nothing once the cap is used up', () => {
      const r = computeFundPayment(retailDispense([met(1, 60)], PT001), demoPolicy(), usage({ deductibleUsedFen: 15000, ordinaryFundUsedFen: 200000 }), account(50000));
      expect(r.breakdown).toMatchObject({ fundFen: 0, capShortfallFen: 2100, personalAccountFen: 3000, flags: ['CAP_REACHED'] });
      expectBalanced(r);
    });

    it('does not flag a purchase that uses exactly the remaining cap', () => {
      const r = computeFundPayment(retailDispense([met(1, 60)], PT001), demoPolicy(), usage({ deductibleUsedFen: 15000, ordinaryFundUsedFen: 197900 }), null);
      expect(r.breakdown).toMatchObject({ fundFen: 2100, capShortfallFen: 0, flags: [] });
    });
  });

  describe('ratio', () => {
    it('adds the retiree bonus (+0.05) for an employee retiree', () => {
      const first = computeFundPayment(retailDispense([met(1, 60), atv(2, 28)], PT002), demoPolicy(), NO_BENEFIT_USED, account(120000, 'PT002'));
      expect(first.breakdown).toMatchObject({ ordinaryRatioBp: 7500, deductibleAppliedFen: 15000, fundFen: 450 }); // 600 x 0.75
      const second = computeFundPayment(retailDispense([met(1, 60), atv(2, 28)], PT002), demoPolicy(), usage({ deductibleUsedFen: 15000, ordinaryFundUsedFen: 450 }), null);
      expect(second.breakdown.fundFen).toBe(11700); // 15600 x 0.75
      expectBalanced(first);
      expectBalanced(second);
    });

    it('uses the institution level; a retail pharmacy is level 1', () => {
      const at = (institutionLevel: 1 | 2 | 3, patient: FundPaymentInput['patient'] = PT001) =>
        computeFundPayment({ ...retailDispense([met(1, 200)], patient), institutionLevel }, demoPolicy(), usage({ deductibleUsedFen: 15000 }), null).breakdown;
      expect(at(1).fundFen).toBe(7000);
      expect(at(2).fundFen).toBe(6000);
      expect(at(3).fundFen).toBe(5000);
      expect(at(2, PT002)).toMatchObject({ ordinaryRatioBp: 6500, fundFen: 6500 });
    });

  });

  describe('plans per insurance type (issue 22.3)', () => {
    it('pays a resident under the resident plan: its deductible 5000, ratio 0.55 at level 1, never the employee figures', () => {
      const r = computeFundPayment(retailDispense([met(1, 60), atv(2, 28)], PT003), demoPolicy(), NO_BENEFIT_USED, null);
      // eligible 3000 + 12600 = 15600; deductible 5000; fund round(10600 x 0.55) = 5830
      expect(r.breakdown).toMatchObject({ plan: 'resident', inScopeFen: 15600, deductibleAppliedFen: 5000, fundFen: 5830, ordinaryRatioBp: 5500, coPayFen: 4770, cashFen: 11170, flags: [] });
      expect(r.ledgerDelta).toEqual({ deductibleFen: 5000, ordinaryFundFen: 5830, specialDeductibleFen: 0, specialFundFen: 0 });
      expectBalanced(r);
    });

    it('the employee plan still pays the employee figures on the same dispense', () => {
      const r = computeFundPayment(retailDispense([met(1, 60), atv(2, 28)], PT001), demoPolicy(), NO_BENEFIT_USED, null);
      expect(r.breakdown).toMatchObject({ plan: 'employee', deductibleAppliedFen: 15000, fundFen: 420, ordinaryRatioBp: 7000 });
    });

    it("limits a resident by the resident plan's annual cap (50000), not the employee's", () => {
      const r = computeFundPayment(retailDispense([met(1, 200)], PT003), demoPolicy(), usage({ deductibleUsedFen: 5000, ordinaryFundUsedFen: 49000 }), null);
      // 10000 x 0.55 = 5500, only 1000 left under the cap
      expect(r.breakdown).toMatchObject({ fundFen: 1000, capShortfallFen: 4500, flags: ['CAP_REACHED'] });
      expectBalanced(r);
    });

    it('gives a retired resident no bonus: the resident plan declares none', () => {
      const r = computeFundPayment(retailDispense([met(1, 200)], { insuranceType: 'resident', retired: true }), demoPolicy(), usage({ deductibleUsedFen: 5000 }), null);
      expect(r.breakdown).toMatchObject({ ordinaryRatioBp: 5500, fundFen: 5500 });
    });

    it('uses the level ratios of the resident plan', () => {
      const at = (institutionLevel: 1 | 2 | 3) =>
        computeFundPayment({ ...retailDispense([met(1, 200)], PT003), institutionLevel }, demoPolicy(), usage({ deductibleUsedFen: 5000 }), null).breakdown.fundFen;
      expect([at(1), at(2), at(3)]).toEqual([5500, 5000, 4500]);
    });

    describe('a type with no plan in the region', () => {
      const employeeOnly = () => {
        const p = demoPolicy();
        return { ...p, plans: { employee: p.plans.employee } };
      };

      it('gets no fund payment, consumes no deductible or cap, and is flagged NO_PLAN_FOR_INSURANCE_TYPE', () => {
        const r = computeFundPayment(retailDispense([met(1, 60), atv(2, 28), osi(3, 1)], PT003), employeeOnly(), NO_BENEFIT_USED, null);
        expect(r.breakdown).toMatchObject({
          plan: null,
          totalFen: 34000,
          // no plan's Class B share or advance: nothing is shared out before a fund that does not pay
          preSelfPayFen: 0,
          inScopeFen: 34000,
          deductibleAppliedFen: 0,
          fundFen: 0,
          coPayFen: 34000,
          cashFen: 34000,
          ordinaryRatioBp: 0,
          specialRatioBp: 0,
          flags: ['NO_PLAN_FOR_INSURANCE_TYPE'],
        });
        expect(r.ledgerDelta).toEqual({ deductibleFen: 0, ordinaryFundFen: 0, specialDeductibleFen: 0, specialFundFen: 0 });
        expectBalanced(r);
      });

      it("a family member without a plan may still be paid from the holder's personal account (its money, not the pool's)", () => {
        const r = computeFundPayment(retailDispense([met(1, 60)], PT004), employeeOnly(), NO_BENEFIT_USED, account(50000, 'PT001'));
        expect(r.breakdown).toMatchObject({ fundFen: 0, personalAccountFen: 3000, cashFen: 0, flags: ['NO_PLAN_FOR_INSURANCE_TYPE'] });
        expectBalanced(r);
      });

      it('an employee in the same region is paid as before', () => {
        const r = computeFundPayment(workedExample(), employeeOnly(), NO_BENEFIT_USED, account(50000));
        expect(r.breakdown).toMatchObject({ fundFen: 420, personalAccountFen: 19080, flags: [] });
      });
    });
  });

  describe('special drugs (F4)', () => {
    it('employee: no deductible, Class B first share, ratio 0.70, separate bucket', () => {
      const r = computeFundPayment(retailDispense([osi(1, 2)], PT001), demoPolicy(), NO_BENEFIT_USED, account(50000));
      // 34000; Class B first 3400; eligible 30600; fund 21420
      expect(r.breakdown).toMatchObject({
        totalFen: 34000,
        preSelfPayFen: 3400,
        inScopeFen: 30600,
        deductibleAppliedFen: 0,
        fundFen: 21420,
        specialFundFen: 21420,
        specialRatioBp: 7000,
        coPayFen: 9180,
        personalAccountFen: 12580,
        cashFen: 0,
      });
      expect(r.ledgerDelta).toEqual({ deductibleFen: 0, ordinaryFundFen: 0, specialDeductibleFen: 0, specialFundFen: 21420 });
      expectBalanced(r);
    });

    it('resident: advance self-pay 0.20 first, then Class B 0.10 on the rest, ratio 0.60', () => {
      const r = computeFundPayment(retailDispense([osi(1, 2)], PT003), demoPolicy(), NO_BENEFIT_USED, null);
      // 34000; advance 6800; Class B first 10% of 27200 = 2720; eligible 24480; fund 14688
      expect(r.breakdown.lines[0]).toMatchObject({ advanceSelfPayFen: 6800, classBSelfPayFirstFen: 2720, preSelfPayFen: 9520, inScopeFen: 24480 });
      expect(r.breakdown).toMatchObject({ preSelfPayFen: 9520, inScopeFen: 24480, fundFen: 14688, specialFundFen: 14688, specialRatioBp: 6000, personalAccountFen: 0, cashFen: 19312 });
      expect(r.ledgerDelta.specialFundFen).toBe(14688);
      expectBalanced(r);
    });

    it('does not touch the ordinary deductible or cap, even when both are exhausted', () => {
      const r = computeFundPayment(retailDispense([osi(1, 2)], PT001), demoPolicy(), usage({ deductibleUsedFen: 0, ordinaryFundUsedFen: 200000 }), null);
      expect(r.breakdown).toMatchObject({ fundFen: 21420, deductibleAppliedFen: 0, flags: [] });
    });

    it("is limited by the inpatient plan's annual cap (300,000 yuan), not by an unsupported 4,000-yuan special cap", () => {
      const past4000 = computeFundPayment(retailDispense([osi(1, 2)], PT001), demoPolicy(), usage({ specialFundUsedFen: 395000 }), null);
      expect(past4000.breakdown).toMatchObject({ fundFen: 21420, specialFundFen: 21420, capShortfallFen: 0, flags: [] });
      const r = computeFundPayment(retailDispense([osi(1, 2)], PT001), demoPolicy(), usage({ specialFundUsedFen: 29_995_000 }), null);
      expect(r.breakdown).toMatchObject({ fundFen: 5000, specialFundFen: 5000, capShortfallFen: 16420, flags: ['SPECIAL_CAP_REACHED'] });
      expectBalanced(r);
    });

    it('has no deductible, whatever the ordinary deductible left (001)', () => {
      const r = computeFundPayment(retailDispense([osi(1, 1)], PT003), demoPolicy(), NO_BENEFIT_USED, null);
      // resident: 17000; advance 3400; Class B 10% of 13600 = 1360; eligible 12240; fund 0.60 x 12240 = 7344, no deductible
      expect(r.breakdown).toMatchObject({ deductibleAppliedFen: 0, inScopeFen: 12240, fundFen: 7344, specialFundFen: 7344 });
      expect(r.ledgerDelta).toEqual({ deductibleFen: 0, ordinaryFundFen: 0, specialDeductibleFen: 0, specialFundFen: 7344 });
    });

    it("follows the inpatient plan's own figures when they differ from the outpatient plan's", () => {
      const p = demoPolicy();
      p.plans.employee!.inpatient = { ratio: '0.85', annualCapFen: 30_000_000, classBSelfPayFirst: '0.05' };
      const r = computeFundPayment(retailDispense([osi(1, 2), atv(2, 10)], PT001), p, usage({ deductibleUsedFen: 15000 }), null);
      // special: 34000, Class B 5% = 1700, eligible 32300, fund 0.85 -> 27455; ordinary atv: Class B 10% of 5000 = 500, fund 0.70 x 4500 = 3150
      expect(r.breakdown.lines.map((l) => [l.classBSelfPayFirstFen, l.inScopeFen, l.fundFen])).toEqual([
        [1700, 32300, 27455],
        [500, 4500, 3150],
      ]);
      expect(r.breakdown).toMatchObject({ specialRatioBp: 8500, ordinaryRatioBp: 7000, specialFundFen: 27455, fundFen: 30605 });
    });

    it('does not give a retiree the ordinary retiree bonus (README: special ratios are by insurance type only)', () => {
      const r = computeFundPayment(retailDispense([osi(1, 2)], PT002), demoPolicy(), NO_BENEFIT_USED, null);
      expect(r.breakdown).toMatchObject({ specialRatioBp: 7000, fundFen: 21420 });
    });

    it('mixes with ordinary lines: each bucket applies its own deductible, ratio and cap', () => {
      const r = computeFundPayment(retailDispense([met(1, 60), osi(2, 2)], PT001), demoPolicy(), NO_BENEFIT_USED, account(50000));
      // ordinary: 3000 all to the deductible, fund 0; special: 21420
      expect(r.breakdown).toMatchObject({ deductibleAppliedFen: 3000, fundFen: 21420, specialFundFen: 21420 });
      expect(r.ledgerDelta).toEqual({ deductibleFen: 3000, ordinaryFundFen: 0, specialDeductibleFen: 0, specialFundFen: 21420 });
      expectBalanced(r);
    });

    it('a special flag on a drug outside the catalog does not make it eligible', () => {
      const r = computeFundPayment(retailDispense([{ ...vitc(1, 1), special: true }], PT001), demoPolicy(), NO_BENEFIT_USED, null);
      expect(r.breakdown).toMatchObject({ fullyOwnPayFen: 2500, inScopeFen: 0, fundFen: 0 });
    });
  });

  describe('delivery fee (D5, F5)', () => {
    it('is never paid by the fund nor the account, however large the balance', () => {
      const r = computeFundPayment(retailDispense([met(1, 10)], PT001, 1000), demoPolicy(), usage({ deductibleUsedFen: 15000 }), account(1_000_000));
      expect(r.breakdown).toMatchObject({ totalFen: 1500, fullyOwnPayFen: 1000, fundFen: 350, personalAccountFen: 150, cashFen: 1000, deliveryFeeFen: 1000 });
      expectBalanced(r);
    });

    it('a self-pay-only dispense: the account pays the drug, the delivery fee stays in cash', () => {
      const r = computeFundPayment(retailDispense([vitc(1, 1)], PT001, 800), demoPolicy(), NO_BENEFIT_USED, account(50000));
      expect(r.breakdown).toMatchObject({ fundFen: 0, personalAccountFen: 2500, cashFen: 800 });
    });
  });

  describe('personal account (F5)', () => {
    it('a family member (PT004, resident child) is paid from PT001\'s account', () => {
      const r = computeFundPayment(retailDispense([met(1, 60), atv(2, 28)], PT004), demoPolicy(), NO_BENEFIT_USED, account(50000, 'PT001'));
      // PT004's own benefit under the resident plan: deductible 5000, fund round(10600 x 0.55) = 5830; PT001's account pays the rest of 17000
      expect(r.breakdown).toMatchObject({ fundFen: 5830, personalAccountFen: 11170, cashFen: 0, personalAccountHolderId: 'PT001' });
      expect(r.accountDelta).toEqual({ holderId: 'PT001', debitFen: 11170 });
      expect(r.ledgerDelta.deductibleFen).toBe(5000);
      expectBalanced(r);
    });

    it('pays only what the balance holds, the rest in cash, and flags it', () => {
      const r = computeFundPayment(workedExample(), demoPolicy(), NO_BENEFIT_USED, account(10000));
      expect(r.breakdown).toMatchObject({ fundFen: 420, personalAccountFen: 10000, cashFen: 9880, flags: ['ACCOUNT_BALANCE_SHORT'] });
      expect(r.accountDelta).toEqual({ holderId: 'PT001', debitFen: 10000 });
      expectBalanced(r);
    });

    it('an empty account pays nothing and records no debit', () => {
      const r = computeFundPayment(workedExample(), demoPolicy(), NO_BENEFIT_USED, account(0));
      expect(r.breakdown).toMatchObject({ personalAccountFen: 0, cashFen: 19880, personalAccountHolderId: null });
      expect(r.accountDelta).toBeNull();
    });

    it('does not pay self-pay drugs where the region does not allow it', () => {
      const r = computeFundPayment(workedExample(), demoPolicy({ personalAccountPaysSelfPayDrugs: false }), NO_BENEFIT_USED, account(50000));
      expect(r.breakdown).toMatchObject({ personalAccountFen: 16580, cashFen: 3300 });
      expectBalanced(r);
    });

    it('pays the over-limit share above a payment standard (it is the patient\'s, outside the fund\'s scope)', () => {
      const r = computeFundPayment(retailDispense([{ ...met(1, 60), paymentLimitUnitFen: 40 }], PT001), demoPolicy(), usage({ deductibleUsedFen: 15000 }), account(50000));
      // 60 x (50 - 40) = 600 over limit; 2400 eligible; fund 1680
      expect(r.breakdown).toMatchObject({ overLimitSelfPayFen: 600, inScopeFen: 2400, fundFen: 1680, personalAccountFen: 1320, cashFen: 0 });
      expectBalanced(r);
    });

    it('the balance never changes the ledger delta (a refused debit is recomputed on the same basis)', () => {
      const rich = computeFundPayment(workedExample(), demoPolicy(), NO_BENEFIT_USED, account(50000));
      const poor = computeFundPayment(workedExample(), demoPolicy(), NO_BENEFIT_USED, account(100));
      expect(poor.ledgerDelta).toEqual(rich.ledgerDelta);
      expect(poor.breakdown.fundFen).toBe(rich.breakdown.fundFen);
    });

    it('a resident without a family account pays cash', () => {
      const r = computeFundPayment(workedExample(), demoPolicy(), NO_BENEFIT_USED, null);
      expect(r.breakdown).toMatchObject({ personalAccountFen: 0, cashFen: 19880, flags: [] });
      expect(r.accountDelta).toBeNull();
    });
  });

  describe('payment standard (支付标准, issue 22.7)', () => {
    it('7 tablets at 100,000 yuan each: the part above the standard is over-limit self-pay; the fund pays at most what the standard allows', () => {
      const line = { ...met(1, 7, 10_000_000), paymentLimitUnitFen: 60 };
      const first = computeFundPayment(retailDispense([line], PT001), demoPolicy(), NO_BENEFIT_USED, null);
      expect(first.breakdown).toMatchObject({ totalFen: 70_000_000, overLimitSelfPayFen: 69_999_580, inScopeFen: 420, deductibleAppliedFen: 420, fundFen: 0, flags: [] });
      const later = computeFundPayment(retailDispense([line], PT001), demoPolicy(), usage({ deductibleUsedFen: 15000 }), null);
      expect(later.breakdown).toMatchObject({ overLimitSelfPayFen: 69_999_580, inScopeFen: 420, fundFen: 294, capShortfallFen: 0, flags: [] });
      expect(later.ledgerDelta.ordinaryFundFen).toBe(294);
      expectBalanced(first);
      expectBalanced(later);
    });

    it('a price at or below the standard has no over-limit share', () => {
      const r = computeFundPayment(retailDispense([{ ...met(1, 10, 60), paymentLimitUnitFen: 60 }, { ...met(2, 10, 40), paymentLimitUnitFen: 60 }], PT001), demoPolicy(), NO_BENEFIT_USED, null);
      expect(r.breakdown).toMatchObject({ overLimitSelfPayFen: 0, inScopeFen: 1000 });
    });

    it('a special drug: the advance and Class B shares are taken on the amount within the standard', () => {
      const r = computeFundPayment(retailDispense([{ ...osi(1, 1, 20000), paymentLimitUnitFen: 17000 }], PT003), demoPolicy(), NO_BENEFIT_USED, null);
      expect(r.breakdown.lines[0]).toMatchObject({ overLimitSelfPayFen: 3000, advanceSelfPayFen: 3400, classBSelfPayFirstFen: 1360, inScopeFen: 12240, fundFen: 7344 });
      expectBalanced(r);
    });

    it('a Class B line: the first share is taken on the amount within the standard', () => {
      const r = computeFundPayment(retailDispense([{ ...atv(1, 10, 800), paymentLimitUnitFen: 600 }], PT001), demoPolicy(), usage({ deductibleUsedFen: 15000 }), null);
      expect(r.breakdown.lines[0]).toMatchObject({ overLimitSelfPayFen: 2000, classBSelfPayFirstFen: 600, inScopeFen: 5400, fundFen: 3780 });
    });
  });

  describe('a provisional policy (issue 22.8)', () => {
    it('says so in the breakdown when the caller paid under another year\'s policy', () => {
      const r = computeFundPayment(workedExample(), demoPolicy(), NO_BENEFIT_USED, account(50000), { provisional: true });
      expect(r.breakdown).toMatchObject({ policyProvisional: true, policyYear: 2026, fundFen: 420 });
    });

    it('is not provisional under the year\'s own policy', () => {
      expect(computeFundPayment(workedExample(), demoPolicy(), NO_BENEFIT_USED, account(50000), { provisional: false }).breakdown.policyProvisional).toBe(false);
    });
  });

  it('after the agreement is dissolved neither fund nor account pays, nothing is consumed, and it is flagged (S2)', () => {
    const input: FundPaymentInput = { ...workedExample(), agreementDissolved: true };
    const r = computeFundPayment(input, demoPolicy(), NO_BENEFIT_USED, account(50000));
    expect(r.breakdown).toMatchObject({
      totalFen: 20300,
      inScopeFen: 15600,
      deductibleAppliedFen: 0,
      fundFen: 0,
      coPayFen: 15600,
      personalAccountFen: 0,
      cashFen: 20300,
      flags: ['AGREEMENT_DISSOLVED'],
    });
    expect(r.ledgerDelta).toEqual({ deductibleFen: 0, ordinaryFundFen: 0, specialDeductibleFen: 0, specialFundFen: 0 });
    expect(r.accountDelta).toBeNull();
    expectBalanced(r);
  });

  describe('rounding half-up at the defined steps (F6)', () => {
    it('rounds the Class B first share per line: 10% of 15 = 1.5 -> 2', () => {
      const r = computeFundPayment(retailDispense([atv(1, 1, 15)], PT001), demoPolicy(), usage({ deductibleUsedFen: 15000 }), null);
      expect(r.breakdown.lines[0]).toMatchObject({ classBSelfPayFirstFen: 2, inScopeFen: 13 });
      expect(r.breakdown.fundFen).toBe(9); // 13 x 0.70 = 9.1 -> 9
    });

    it('rounds the fund once per bucket total: 0.70 x 5 = 3.5 -> 4, not per line', () => {
      const one = computeFundPayment(retailDispense([met(1, 1, 5)], PT001), demoPolicy(), usage({ deductibleUsedFen: 15000 }), null);
      expect(one.breakdown.fundFen).toBe(4);
      // two lines of 5: total 10 x 0.70 = 7 (per-line rounding would give 4 + 4 = 8)
      const two = computeFundPayment(retailDispense([met(1, 1, 5), met(2, 1, 5)], PT001), demoPolicy(), usage({ deductibleUsedFen: 15000 }), null);
      expect(two.breakdown.fundFen).toBe(7);
      expect(two.breakdown.lines.map((l) => l.fundFen)).toEqual([4, 3]); // 3.5 / 3.5: the tie goes to the earlier line
      expectBalanced(two);
    });

    it('rounds the resident advance and then the Class B share, each half-up', () => {
      const r = computeFundPayment(retailDispense([osi(1, 1, 19)], PT003), demoPolicy(), NO_BENEFIT_USED, null);
      // advance 20% of 19 = 3.8 -> 4; Class B 10% of 15 = 1.5 -> 2; eligible 13; fund 0.60 x 13 = 7.8 -> 8
      expect(r.breakdown.lines[0]).toMatchObject({ advanceSelfPayFen: 4, classBSelfPayFirstFen: 2, inScopeFen: 13, fundFen: 8 });
      expectBalanced(r);
    });

    it('rounds to the nearest fen, never truncating: 0.7 -> 1, 1.4 -> 1, 2.1 -> 2, 2.8 -> 3', () => {
      const fundOf = (unit: number) => computeFundPayment(retailDispense([met(1, 1, unit)], PT001), demoPolicy(), usage({ deductibleUsedFen: 15000 }), null).breakdown.fundFen;
      expect([1, 2, 3, 4].map(fundOf)).toEqual([1, 1, 2, 3]); // 0.7, 1.4, 2.1, 2.8
    });
  });

  describe('hostile input', () => {
    const bad = (input: Partial<FundPaymentInput>) => () => computeFundPayment({ ...workedExample(), ...input }, demoPolicy(), NO_BENEFIT_USED, null);
    it.each([
      ['no lines', { lines: [] }],
      ['a fractional price', { lines: [met(1, 1, 1.5)] }],
      ['a negative delivery fee', { deliveryFeeFen: -1 }],
      ['a zero quantity', { lines: [met(1, 0)] }],
      ['a repeated line number', { lines: [met(1, 1), atv(1, 1)] }],
      ['an unknown class', { lines: [{ ...met(1, 1), drugClass: 'C' as never }] }],
      ['an amount beyond safe integers', { lines: [met(1, 2 ** 40, 2 ** 20)] }],
    ])('refuses %s', (_, input) => {
      expect(bad(input)).toThrow(InvalidFundPaymentInput);
    });
  });
});
