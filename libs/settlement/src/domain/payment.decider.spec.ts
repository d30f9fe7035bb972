import { fold } from '@rx/kernel';
import { deciderSpec } from '@rx/kernel/testing';
import { benefitLedgerDecider, emptyUsage, usageOf, type BenefitLedgerEvent } from './benefit-ledger.decider';
import { computeFundPayment } from './fund-payment.calculator';
import { amountsOf, paymentDecider, type FundPaymentRecordData, type PaymentCommand, type PaymentEvent } from './payment.decider';
import { personalAccountDecider, type PersonalAccountEvent } from './personal-account.decider';
import { FundPaymentAlreadyRecorded, FundPaymentNotFound, InvalidFundPaymentRecord } from './settlement.errors';
import { demoPolicy, workedExample } from './testing/demo-region.fixture';

const spec = deciderSpec(paymentDecider);
const policy = demoPolicy();
const result = computeFundPayment(workedExample(), policy, emptyUsage(), { holderId: 'PT001', balanceFen: 50000 });
const record: FundPaymentRecordData = {
  dispenseId: 'd1',
  prescriptionId: 'rx-1',
  patientId: 'PT001',
  pharmacyId: 'P001',
  regionCode: '522700',
  year: 2026,
  dispensedAt: '2026-03-02T02:00:00.000Z',
  ...result,
};
const recorded: PaymentEvent = { type: 'FundPaymentRecorded', data: record };
const recordCmd: PaymentCommand = { type: 'RecordFundPayment', data: record };
const reverseCmd: PaymentCommand = { type: 'ReverseFundPayment', data: { dispenseId: 'd1', reason: 'patient returned the medicine' } };
const at = new Date('2026-03-03T01:00:00Z');

describe('fund payment record (payment-{dispenseId})', () => {
  it('records the payment once with the breakdown and policy version', () =>
    spec.given([]).when(recordCmd).thenMatch(([e]) => {
      expect(e).toEqual(recorded);
      expect(e.type === 'FundPaymentRecorded' && e.data.breakdown.policyVersion).toBe('522700-2026.2');
    }));

  it('a redelivery is a no-op', () => spec.given([recorded]).when(recordCmd).thenNothing());

  it('a different record for the same dispense is refused', () =>
    spec
      .given([recorded])
      .when({ type: 'RecordFundPayment', data: { ...record, pharmacyId: 'P002' } })
      .thenThrows(FundPaymentAlreadyRecorded, 'FUND_PAYMENT_ALREADY_RECORDED'));

  it('a breakdown that does not add up is never stored', () =>
    spec
      .given([])
      .when({ type: 'RecordFundPayment', data: { ...record, breakdown: { ...record.breakdown, cashFen: 799 } } })
      .thenThrows(InvalidFundPaymentRecord));

  describe('reversal', () => {
    it('is the exact negation of the original, keyed on it', () =>
      spec.given([recorded]).when(reverseCmd, at).thenMatch(([e]) => {
        expect(e.type).toBe('FundPaymentReversed');
        if (e.type !== 'FundPaymentReversed') return;
        expect(e.data).toMatchObject({ dispenseId: 'd1', reversalOf: 'FundPaymentRecorded', reversedAt: at.toISOString(), policyVersion: '522700-2026.2' });
        const original = amountsOf(record.breakdown);
        for (const [k, v] of Object.entries(original)) expect(v + e.data.amounts[k as keyof typeof original]).toBe(0);
        expect(e.data.amounts).toMatchObject({ totalFen: -20300, fundFen: -420, personalAccountFen: -19080, cashFen: -800, deductibleAppliedFen: -15000 });
        e.data.lines.forEach((l, i) => {
          expect(l.lineNo).toBe(record.breakdown.lines[i].lineNo);
          expect(l.fundFen + record.breakdown.lines[i].fundFen).toBe(0);
          expect(l.cashFen + record.breakdown.lines[i].cashFen).toBe(0);
        });
        expect(e.data.ledgerRestore).toEqual(record.ledgerDelta);
        expect(e.data.accountRestore).toEqual(record.accountDelta);
      }));

    it('happens once: a second reversal is a no-op', () =>
      spec
        .given([recorded, ...paymentDecider.decide(reverseCmd, fold(paymentDecider, [recorded]), at)])
        .when(reverseCmd)
        .thenNothing());

    it('needs a recorded payment and a reason', () => {
      spec.given([]).when(reverseCmd).thenThrows(FundPaymentNotFound, 'FUND_PAYMENT_NOT_FOUND');
      spec.given([recorded]).when({ type: 'ReverseFundPayment', data: { dispenseId: 'd1', reason: '  ' } }).thenThrows(InvalidFundPaymentRecord);
    });

    it('a redelivered original after the reversal appends nothing', () => {
      const reversed = paymentDecider.decide(reverseCmd, fold(paymentDecider, [recorded]), at);
      spec.given([recorded, ...reversed]).when(recordCmd).thenNothing();
    });

    it('restores the benefit ledger and the personal account exactly (the saga of README)', () => {
      const [reversal] = paymentDecider.decide(reverseCmd, fold(paymentDecider, [recorded]), at);
      if (reversal.type !== 'FundPaymentReversed') throw new Error('expected a reversal');

      const ledgerEvents: BenefitLedgerEvent[] = [
        { type: 'BenefitConsumed', data: { patientId: 'PT001', year: 2026, dispenseId: 'd1', delta: record.ledgerDelta, policyVersion: policy.version } },
      ];
      const ledgerAfterPayment = fold(benefitLedgerDecider, ledgerEvents);
      ledgerEvents.push(...benefitLedgerDecider.decide({ type: 'ReversePayment', data: { patientId: 'PT001', year: 2026, dispenseId: 'd1' } }, ledgerAfterPayment, at));
      expect(ledgerEvents[1]).toMatchObject({ type: 'BenefitRestored', data: { delta: reversal.data.ledgerRestore } });
      expect(usageOf(fold(benefitLedgerDecider, ledgerEvents))).toEqual(emptyUsage());

      const accountEvents: PersonalAccountEvent[] = [
        { type: 'PersonalAccountOpened', data: { holderId: 'PT001', year: 2026, openingBalanceFen: 50000 } },
        { type: 'PersonalAccountDebited', data: { holderId: 'PT001', dispenseId: 'd1', patientId: 'PT001', amountFen: record.accountDelta!.debitFen } },
      ];
      accountEvents.push(
        ...personalAccountDecider.decide({ type: 'RestorePersonalAccount', data: { holderId: 'PT001', dispenseId: 'd1' } }, fold(personalAccountDecider, accountEvents), at),
      );
      expect(accountEvents[2]).toMatchObject({ data: { amountFen: reversal.data.accountRestore!.debitFen } });
      const account = fold(personalAccountDecider, accountEvents);
      expect(account.status === 'open' && account.balanceFen).toBe(50000);

      // Recomputing the same basket now gives the first-purchase numbers again.
      expect(computeFundPayment(workedExample(), policy, usageOf(fold(benefitLedgerDecider, ledgerEvents)), { holderId: 'PT001', balanceFen: 50000 })).toEqual(result);
    });
  });
});
