import { applyToBudget, initialBudgetView, summariseBudget } from './budget';
import { computeFundPayment, NO_BENEFIT_USED, type FundPaymentInput } from './fund-payment.calculator';
import { paymentDecider, type PaymentEvent } from './payment.decider';
import { PT001, demoPolicy, met, osi, retailDispense } from './testing/demo-region.fixture';

const policy = demoPolicy();
const recordedEvent = (dispenseId: string, input: FundPaymentInput, regionCode = '522700'): PaymentEvent => ({
  type: 'FundPaymentRecorded',
  data: {
    dispenseId,
    prescriptionId: `rx-${dispenseId}`,
    patientId: 'PT001',
    pharmacyId: 'P001',
    regionCode,
    year: 2026,
    dispensedAt: '2026-03-02T02:00:00Z',
    ...computeFundPayment(input, policy, { ...NO_BENEFIT_USED, deductibleUsedFen: 15000 }, null),
  },
});
const reversalOf = (e: PaymentEvent): PaymentEvent =>
  paymentDecider.decide({ type: 'ReverseFundPayment', data: { dispenseId: e.data.dispenseId, reason: 'refund' } }, paymentDecider.evolve(paymentDecider.initialState(), e), new Date('2026-03-03T00:00:00Z'))[0];

describe('outpatient pooling budget (S3)', () => {
  const ordinary = recordedEvent('d1', retailDispense([met(1, 200)], PT001)); // fund 7000
  const special = recordedEvent('d2', retailDispense([met(1, 100), osi(2, 2)], PT001)); // ordinary 3500 + special 21420
  const elsewhere = recordedEvent('d3', retailDispense([met(1, 200)], PT001), '520100');

  it('sums fund payments minus reversals against the policy budget; special drugs are reported apart', () => {
    const view = [ordinary, special, elsewhere, reversalOf(ordinary)].reduce(applyToBudget, initialBudgetView(policy));
    expect(summariseBudget(view)).toEqual({
      regionCode: '522700',
      year: 2026,
      budgetFen: 5000000000,
      spentFen: 3500,
      remainingFen: 5000000000 - 3500,
      specialSpentFen: 21420,
      utilisationBp: 0,
      overBudget: false,
    });
    expect(view).toMatchObject({ payments: 2, reversals: 1 });
  });

  it('counts a replayed event once', () => {
    const view = [ordinary, ordinary, reversalOf(ordinary), reversalOf(ordinary), special].reduce(applyToBudget, initialBudgetView(policy));
    expect(summariseBudget(view)).toMatchObject({ spentFen: 3500, specialSpentFen: 21420 });
  });

  it('reports utilisation and an overspent budget', () => {
    const small = initialBudgetView({ ...policy, outpatientPoolingBudgetFen: 10000 });
    const view = [ordinary, special].reduce(applyToBudget, small);
    expect(summariseBudget(view)).toMatchObject({ spentFen: 10500, remainingFen: -500, utilisationBp: 10500, overBudget: true });
  });
});
