import { fold } from '@rx/kernel';
import { deciderSpec } from '@rx/kernel/testing';
import { benefitLedgerDecider, benefitLimits, emptyUsage, usageOf, type BenefitLedgerCommand, type BenefitLedgerEvent, type BenefitLimits } from './benefit-ledger.decider';
import { computeFundPayment, type BenefitDelta, type BenefitUsage } from './fund-payment.calculator';
import { BenefitAlreadyApplied, BenefitLedgerStale, BenefitLimitExceeded, InvalidBenefitDelta } from './settlement.errors';
import { demoPolicy, workedExample } from './testing/demo-region.fixture';

const spec = deciderSpec(benefitLedgerDecider);
const policy = demoPolicy();
const limits: BenefitLimits = benefitLimits(policy, 'employee');
const delta = (d: Partial<BenefitDelta>): BenefitDelta => ({ deductibleFen: 0, ordinaryFundFen: 0, specialDeductibleFen: 0, specialFundFen: 0, ...d });
const apply = (dispenseId: string, d: BenefitDelta, basis: BenefitUsage = emptyUsage()): BenefitLedgerCommand => ({
  type: 'ApplyPayment',
  data: { patientId: 'PT001', year: 2026, dispenseId, delta: d, basis, limits, policyVersion: policy.version },
});
const consumed = (dispenseId: string, d: BenefitDelta): BenefitLedgerEvent => ({
  type: 'BenefitConsumed',
  data: { patientId: 'PT001', year: 2026, dispenseId, delta: d, policyVersion: policy.version },
});
const restored = (dispenseId: string, d: BenefitDelta): BenefitLedgerEvent => ({ type: 'BenefitRestored', data: { patientId: 'PT001', year: 2026, dispenseId, delta: d } });
const reverse = (dispenseId: string): BenefitLedgerCommand => ({ type: 'ReversePayment', data: { patientId: 'PT001', year: 2026, dispenseId } });

const first = delta({ deductibleFen: 15000, ordinaryFundFen: 420 });

describe('benefit ledger (benefit-{patientId}-{year})', () => {
  it('records what a payment consumes', () => spec.given([]).when(apply('d1', first)).then([consumed('d1', first)]));

  it('treats a redelivered payment as a no-op', () => spec.given([consumed('d1', first)]).when(apply('d1', first)).thenNothing());

  it('still treats the redelivery as a no-op after the ledger moved on', () =>
    spec.given([consumed('d1', first), consumed('d2', delta({ ordinaryFundFen: 100 }))]).when(apply('d1', first)).thenNothing());

  it('refuses a different payment for the same dispense', () =>
    spec.given([consumed('d1', first)]).when(apply('d1', delta({ deductibleFen: 1 }))).thenThrows(BenefitAlreadyApplied, 'BENEFIT_ALREADY_APPLIED'));

  it('records nothing for a payment that consumed nothing', () => spec.given([]).when(apply('d1', delta({}))).thenNothing());

  it('refuses a negative or fractional delta', () => spec.given([]).when(apply('d1', delta({ deductibleFen: -5 }))).thenThrows(InvalidBenefitDelta));

  describe('concurrency: two dispenses decided from the same snapshot', () => {
    // Both computed from an empty ledger: each would take the whole year's deductible.
    const a = computeFundPayment(workedExample(), policy, emptyUsage(), null);
    const b = computeFundPayment(workedExample(), policy, emptyUsage(), null);

    it('refuses the stale second decision, so the deductible is not consumed twice', () =>
      spec
        .given([consumed('dA', a.ledgerDelta)])
        .when(apply('dB', b.ledgerDelta, emptyUsage()))
        .thenThrows(BenefitLedgerStale, 'BENEFIT_LEDGER_STALE'));

    it('accepts the recomputed decision, which finds no deductible left', () => {
      const state = fold(benefitLedgerDecider, [consumed('dA', a.ledgerDelta)]);
      const fresh = computeFundPayment(workedExample(), policy, usageOf(state), null);
      expect(fresh.ledgerDelta).toEqual(delta({ ordinaryFundFen: 10920 }));
      spec.given([consumed('dA', a.ledgerDelta)]).when(apply('dB', fresh.ledgerDelta, usageOf(state))).then([consumed('dB', fresh.ledgerDelta)]);
    });
  });

  describe('limits are checked again (second line of defence)', () => {
    it('refuses a payment that would pass the deductible', () =>
      spec.given([]).when(apply('d1', delta({ deductibleFen: 15001 }))).thenThrows(BenefitLimitExceeded, 'BENEFIT_LIMIT_EXCEEDED'));

    it('refuses a payment that would pass the annual cap', () => {
      const basis = { ...emptyUsage(), deductibleUsedFen: 15000, ordinaryFundUsedFen: 199900 };
      spec
        .given([consumed('d0', delta({ deductibleFen: 15000, ordinaryFundFen: 199900 }))])
        .when(apply('d1', delta({ ordinaryFundFen: 101 }), basis))
        .thenThrows(BenefitLimitExceeded);
    });

    it('accepts a payment that reaches the cap exactly', () => {
      const basis = { ...emptyUsage(), deductibleUsedFen: 15000, ordinaryFundUsedFen: 199900 };
      spec
        .given([consumed('d0', delta({ deductibleFen: 15000, ordinaryFundFen: 199900 }))])
        .when(apply('d1', delta({ ordinaryFundFen: 100 }), basis))
        .then([consumed('d1', delta({ ordinaryFundFen: 100 }))]);
    });

    it('refuses a special payment past the inpatient plan cap, and any special deductible (none, 001)', () => {
      spec.given([]).when(apply('d1', delta({ specialFundFen: 30_000_001 }))).thenThrows(BenefitLimitExceeded);
      spec.given([]).when(apply('d1', delta({ specialDeductibleFen: 1 }))).thenThrows(BenefitLimitExceeded);
    });
  });

  describe('reversal', () => {
    it('restores exactly what the payment consumed', () => spec.given([consumed('d1', first)]).when(reverse('d1')).then([restored('d1', first)]));

    it('leaves the ledger as it was before the payment', () => {
      const other = delta({ ordinaryFundFen: 700 });
      const state = fold(benefitLedgerDecider, [consumed('d0', other), consumed('d1', first), restored('d1', first)]);
      expect(usageOf(state)).toEqual({ ...emptyUsage(), ordinaryFundUsedFen: 700 });
    });

    it('is a no-op the second time', () => spec.given([consumed('d1', first), restored('d1', first)]).when(reverse('d1')).thenNothing());

    it('is a no-op for a dispense that consumed nothing', () => spec.given([consumed('d0', first)]).when(reverse('d9')).thenNothing());

    it('a redelivered payment after its reversal consumes nothing again', () =>
      spec.given([consumed('d1', first), restored('d1', first)]).when(apply('d1', first)).thenNothing());
  });
});
