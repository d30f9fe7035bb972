import { fold } from '@rx/kernel';
import { deciderSpec } from '@rx/kernel/testing';
import { agreementDecider, DISSOLUTION_REASONS, isActiveAt, type AgreementCommand, type AgreementEvent } from './agreement.decider';
import { computeFundPayment, NO_BENEFIT_USED } from './fund-payment.calculator';
import { AgreementAlreadyDissolved, AgreementNotFound, DissolutionRetroactive, InvalidDissolutionReason } from './settlement.errors';
import { demoPolicy, shippedPharmacies, workedExample } from './testing/demo-region.fixture';

const spec = deciderSpec(agreementDecider);
const since = '2022-01-01T00:00:00+08:00';
const seed: AgreementCommand = { type: 'SeedAgreement', data: { pharmacyId: 'P002', regionCode: '522700', agreement: { status: 'active', since } } };
const seeded: AgreementEvent = { type: 'AgreementSeeded', data: { pharmacyId: 'P002', regionCode: '522700', since, dissolution: null } };
const now = new Date('2026-03-02T01:00:00Z');
const dissolve = (reasonCode: string, effectiveAt = '2026-03-02T04:00:00.000Z'): AgreementCommand => ({
  type: 'DissolveAgreement',
  data: { pharmacyId: 'P002', reasonCode, effectiveAt, dissolvedBy: 'AG001' },
});
const dissolved: AgreementEvent = {
  type: 'AgreementDissolved',
  data: { pharmacyId: 'P002', regionCode: '522700', reasonCode: 'FRAUDULENT_CLAIMS', effectiveAt: '2026-03-02T04:00:00.000Z', dissolvedBy: 'AG001', recordedAt: now.toISOString() },
};

describe('pharmacy agreement (agreement-{pharmacyId})', () => {
  it('is seeded from reference data; reseeding at start-up is a no-op', () => {
    spec.given([]).when(seed).then([seeded]);
    spec.given([seeded]).when(seed).thenNothing();
  });

  it('seeds every shipped pharmacy, P003 as dissolved with its reason', () => {
    for (const p of shippedPharmacies()) {
      const events = agreementDecider.decide({ type: 'SeedAgreement', data: { pharmacyId: p.id, regionCode: p.regionCode, agreement: p.agreement } }, agreementDecider.initialState(), now);
      const state = fold(agreementDecider, events);
      expect(state.status).toBe(p.agreement.status);
    }
    const p003 = shippedPharmacies().find((p) => p.id === 'P003')!;
    const state = fold(agreementDecider, agreementDecider.decide({ type: 'SeedAgreement', data: { pharmacyId: 'P003', regionCode: '522700', agreement: p003.agreement } }, agreementDecider.initialState(), now));
    expect(state).toMatchObject({ status: 'dissolved', reasonCode: 'CASHING_OUT_PERSONAL_ACCOUNTS' });
    expect(isActiveAt(state, new Date('2025-11-14T15:59:59Z'))).toBe(true);
    expect(isActiveAt(state, new Date('2025-11-14T16:00:00Z'))).toBe(false);
  });

  it('dissolves with a reason code, an effective time and who did it', () => spec.given([seeded]).when(dissolve('FRAUDULENT_CLAIMS'), now).then([dissolved]));

  it('refuses dissolving twice', () =>
    spec.given([seeded, dissolved]).when(dissolve('VOLUNTARY_WITHDRAWAL', '2026-04-01T00:00:00Z'), now).thenThrows(AgreementAlreadyDissolved, 'AGREEMENT_ALREADY_DISSOLVED'));

  it('validates the reason code against the list', () => {
    spec.given([seeded]).when(dissolve('BECAUSE'), now).thenThrows(InvalidDissolutionReason, 'INVALID_DISSOLUTION_REASON');
    spec.given([seeded]).when(dissolve('toString'), now).thenThrows(InvalidDissolutionReason);
    expect(Object.keys(DISSOLUTION_REASONS).length).toBeGreaterThanOrEqual(5);
  });

  it('refuses an unknown pharmacy and a retroactive effective time', () => {
    spec.given([]).when(dissolve('FRAUDULENT_CLAIMS'), now).thenThrows(AgreementNotFound);
    spec.given([seeded]).when(dissolve('FRAUDULENT_CLAIMS', '2026-03-01T00:00:00Z'), now).thenThrows(DissolutionRetroactive);
  });

  it('is active until the dissolution takes effect, and expenses after it are not paid by the fund (S2)', () => {
    const state = fold(agreementDecider, [seeded, dissolved]);
    const before = new Date('2026-03-02T03:59:59Z');
    const after = new Date('2026-03-02T04:00:00Z');
    expect(isActiveAt(state, before)).toBe(true);
    expect(isActiveAt(state, after)).toBe(false);
    expect(isActiveAt(fold(agreementDecider, [seeded]), new Date('2021-12-31T00:00:00Z'))).toBe(false);
    expect(isActiveAt(agreementDecider.initialState(), after)).toBe(false);

    const pay = (at: Date) => computeFundPayment({ ...workedExample(), agreementDissolved: !isActiveAt(state, at) }, demoPolicy(), NO_BENEFIT_USED, null).breakdown;
    expect(pay(before)).toMatchObject({ fundFen: 420, flags: [] });
    expect(pay(after)).toMatchObject({ fundFen: 0, flags: ['AGREEMENT_DISSOLVED'] });
  });
});
