import type { SettlementAmountsV1 } from '@rx/contracts';
import { personalAccountCashOutRule } from './index';
import { amounts, dispensedData, dispenseIdOf, fact, paymentData, reversedData, rxId, T } from '../testing/audit-fixtures';
import { ruleSpec } from '../testing/rule-spec';

const spec = ruleSpec(personalAccountCashOutRule);
const params = { windowDays: 30, drainMinPayments: 3, drainMinAccountFen: 100_000, drainMinShareBp: 9_000, selfPayMinAccountFen: 50_000 };

/** A purchase on day `day` of March 2026 at `pharmacyId`, of which the account paid `accountFen` of `totalFen`. */
function purchase(name: string, day: number, totalFen: number, accountFen: number, o: { pharmacyId?: string; selfPayFen?: number; month?: number } = {}) {
  const at = `2026-${String(o.month ?? 3).padStart(2, '0')}-${String(day).padStart(2, '0')}T10:00:00.000Z`;
  const d = dispensedData(rxId(name), at, { dispenseId: dispenseIdOf(name), pharmacyId: o.pharmacyId ?? 'P002', unitPriceFen: totalFen, quantity: 1 });
  const p = paymentData(d, at, 0);
  const a: SettlementAmountsV1 = { ...amounts(totalFen, 0, accountFen), fullyOwnPayFen: o.selfPayFen ?? 0, inScopeFen: totalFen - (o.selfPayFen ?? 0) };
  return { d, f: fact(T.SettlementEventTypes.fundPaymentRecorded, { ...p, amounts: a }, at, 'system:settlement') };
}

describe('personal-account cash-out rule', () => {
  it('given three purchases at one pharmacy paid almost wholly from the account, 1,200 yuan in a month, then one DRAIN alert at the third', () => {
    const ps = [purchase('A', 2, 40_000, 40_000), purchase('B', 9, 40_000, 38_000), purchase('C', 16, 40_000, 40_000)];
    spec.given(ps.map((p) => p.f)).when(params).thenRaises([
      {
        ruleId: 'personal-account-cash-out',
        severity: 'high',
        pharmacyId: 'P002',
        dispenseId: dispenseIdOf('C'),
        prescriptionId: rxId('C'),
        evidence: ps.map((p) => p.f.sourceEventId),
        details: { pattern: 'DRAIN', payments: 3, accountFen: 118_000, totalFen: 120_000, windowDays: 30 },
      },
    ]);
  });

  it('a steady drain is one alert; after it falls below the line, a new drain is another', () => {
    const facts = [2, 5, 8, 11, 14].map((day, i) => purchase(`A${i}`, day, 40_000, 40_000).f);
    const later = [3, 6, 9].map((day, i) => purchase(`B${i}`, day, 40_000, 40_000, { month: 6 }).f);
    spec
      .given([...facts, ...later])
      .when(params)
      .thenMatch((alerts) => expect(alerts.map((a) => a.dispenseId)).toEqual([dispenseIdOf('A2'), dispenseIdOf('B2')]));
  });

  it('stays quiet below each threshold: spread over pharmacies, mostly paid by the fund or in cash, or outside the window', () => {
    spec.given([purchase('A', 2, 40_000, 40_000), purchase('B', 9, 40_000, 40_000, { pharmacyId: 'P001' }), purchase('C', 16, 40_000, 40_000, { pharmacyId: 'P004' })].map((p) => p.f)).when(params).thenNothing();
    spec.given([purchase('A', 2, 40_000, 30_000), purchase('B', 9, 40_000, 30_000), purchase('C', 16, 40_000, 30_000), purchase('D', 20, 40_000, 30_000)].map((p) => p.f)).when(params).thenNothing();
    spec.given([purchase('A', 1, 60_000, 60_000), purchase('B', 2, 60_000, 60_000)].map((p) => p.f)).when(params).thenNothing();
  });

  it('a refunded purchase does not count', () => {
    const ps = [purchase('A', 2, 40_000, 40_000), purchase('B', 9, 40_000, 40_000), purchase('C', 16, 40_000, 40_000)];
    const refund = fact(T.DispensingEventTypes.dispenseReversed, reversedData(ps[1].d, '2026-03-10T10:00:00.000Z'), '2026-03-10T10:00:00.000Z');
    const fundReversal = fact(
      T.SettlementEventTypes.fundPaymentReversed,
      { dispenseId: ps[1].d.dispenseId, prescriptionId: ps[1].d.prescriptionId, patientId: 'PT002', pharmacyId: 'P002', regionCode: '522700', policyYear: 2026, policyVersion: 'v', reason: 'refund', reversedAt: '2026-03-10T10:00:00.000Z', amounts: amounts(-40_000, 0, -40_000) },
      '2026-03-10T10:00:00.000Z',
    );
    spec.given([...ps.map((p) => p.f), refund, fundReversal]).when(params).thenNothing();
  });

  it('given self-pay items paid from the account, 500 yuan within the window, then a SELF_PAY_FROM_ACCOUNT alert', () => {
    const ps = [purchase('A', 2, 30_000, 30_000, { selfPayFen: 30_000 }), purchase('B', 20, 30_000, 25_000, { selfPayFen: 30_000 })];
    spec.given(ps.map((p) => p.f)).when(params).thenRaises([{ dispenseId: dispenseIdOf('B'), details: expect.objectContaining({ pattern: 'SELF_PAY_FROM_ACCOUNT', selfPayFromAccountFen: 55_000 }) }]);
  });
});
