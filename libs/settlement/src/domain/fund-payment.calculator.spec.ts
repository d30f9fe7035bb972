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
        policyVersion: '522700-2026.1',
        regionCode: '522700',
        policyYear: 2026,
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

    it('gives a resident the ordinary policy without the retiree bonus', () => {
      const r = computeFundPayment(retailDispense([met(1, 200)], { insuranceType: 'resident', retired: true }), demoPolicy(), usage({ deductibleUsedFen: 15000 }), null);
      expect(r.breakdown).toMatchObject({ ordinaryRatioBp: 7000, fundFen: 7000 });
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

    it('is limited by its own annual bucket', () => {
      const r = computeFundPayment(retailDispense([osi(1, 2)], PT001), demoPolicy(), usage({ specialFundUsedFen: 395000 }), null);
      expect(r.breakdown).toMatchObject({ fundFen: 5000, specialFundFen: 5000, capShortfallFen: 16420, flags: ['SPECIAL_CAP_REACHED'] });
      expectBalanced(r);
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
      // PT004's own benefit: deductible 15000, fund 420; PT001's account pays the rest of 17000
      expect(r.breakdown).toMatchObject({ fundFen: 420, personalAccountFen: 16580, cashFen: 0, personalAccountHolderId: 'PT001' });
      expect(r.accountDelta).toEqual({ holderId: 'PT001', debitFen: 16580 });
      expect(r.ledgerDelta.deductibleFen).toBe(15000);
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

    it('pays the over-limit share above a payment standard', () => {
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
