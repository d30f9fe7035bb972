import { fold } from '@rx/kernel';
import { deciderSpec } from '@rx/kernel/testing';
import { claimIndexDecider, selectClaimableDispenses, type ClaimIndexCommand, type ClaimIndexEvent, type PaidDispenseSummary } from './claim-index.decider';
import { ClaimEmpty, DispenseAlreadyClaimed, InvalidClaim, RecoveryAlreadyReserved } from './settlement.errors';

const spec = deciderSpec(claimIndexDecider);
const reserve = (claimId: string, dispenseIds: string[]): ClaimIndexCommand => ({ type: 'ReserveDispensesForClaim', data: { pharmacyId: 'P001', claimId, dispenseIds } });
const reserved = (claimId: string, dispenseIds: string[]): ClaimIndexEvent => ({ type: 'DispensesReservedForClaim', data: { pharmacyId: 'P001', claimId, dispenseIds } });

describe('claim index (claimindex-{pharmacyId})', () => {
  it('reserves the dispenses of a claim in one event', () => spec.given([]).when(reserve('c1', ['d2', 'd1'])).then([reserved('c1', ['d1', 'd2'])]));

  it('keeps the period asked for with the reservation, so a submission cut short can be completed as asked', () =>
    spec
      .given([])
      .when({ type: 'ReserveDispensesForClaim', data: { pharmacyId: 'P001', claimId: 'c1', dispenseIds: ['d1'], periodStart: '2026-03-01', periodEnd: '2026-03-31' } })
      .then([{ type: 'DispensesReservedForClaim', data: { pharmacyId: 'P001', claimId: 'c1', dispenseIds: ['d1'], periodStart: '2026-03-01', periodEnd: '2026-03-31' } }]));

  it('refuses a dispense already in another claim (the loser of two concurrent claims)', () =>
    spec.given([reserved('c1', ['d1', 'd2'])]).when(reserve('c2', ['d2', 'd3'])).thenThrows(DispenseAlreadyClaimed, 'DISPENSE_ALREADY_CLAIMED'));

  it('a retried reservation of the same claim is a no-op; a different set under the same id is refused', () => {
    spec.given([reserved('c1', ['d1', 'd2'])]).when(reserve('c1', ['d2', 'd1'])).thenNothing();
    spec.given([reserved('c1', ['d1', 'd2'])]).when(reserve('c1', ['d1'])).thenThrows(InvalidClaim);
  });

  it('refuses an empty claim and a dispense listed twice', () => {
    spec.given([]).when(reserve('c1', [])).thenThrows(ClaimEmpty, 'CLAIM_EMPTY');
    spec.given([]).when(reserve('c1', ['d1', 'd1'])).thenThrows(InvalidClaim);
  });

  describe('recoveries taken by a claim (issue 22.2): at most one claim awaiting payment holds each', () => {
    const rec = (previousClaimId: string | null, amountFen = 1000) => ({ dispenseId: 'd0', prescriptionId: 'rx-0', fromClaimId: 'c0', amountFen, previousClaimId });
    const withRecovery = (claimId: string, dispenseIds: string[], recoveries: ReturnType<typeof rec>[]): ClaimIndexCommand => ({
      type: 'ReserveDispensesForClaim',
      data: { pharmacyId: 'P001', claimId, dispenseIds, recoveries },
    });
    const took = (claimId: string, dispenseIds: string[], recoveries: ReturnType<typeof rec>[]): ClaimIndexEvent => ({
      type: 'DispensesReservedForClaim',
      data: { pharmacyId: 'P001', claimId, dispenseIds, recoveries },
    });

    it('a first claim takes an outstanding recovery with its dispenses, in the same event', () =>
      spec.given([]).when(withRecovery('c1', ['d1'], [rec(null)])).then([took('c1', ['d1'], [rec(null)])]));

    it('a second claim naming the same predecessor lost the race', () =>
      spec.given([took('c1', ['d1'], [rec(null)])]).when(withRecovery('c2', ['d2'], [rec(null)])).thenThrows(RecoveryAlreadyReserved, 'RECOVERY_ALREADY_RESERVED'));

    it('once the holder was paid, the next claim takes the remainder naming it', () => {
      spec.given([took('c1', ['d1'], [rec(null)])]).when(withRecovery('c2', ['d2'], [rec('c1', 400)])).then([took('c2', ['d2'], [rec('c1', 400)])]);
      const state = fold(claimIndexDecider, [took('c1', ['d1'], [rec(null)]), took('c2', ['d2'], [rec('c1', 400)])]);
      expect(state.status === 'active' && state.recoveryHolder).toEqual({ d0: 'c2' });
    });

    it('refuses a non-positive recovery', () => spec.given([]).when(withRecovery('c1', ['d1'], [rec(null, 0)])).thenThrows(InvalidClaim));
  });

  describe('selecting every paid dispense not yet claimed', () => {
    const paid = (dispenseId: string, dispensedAt: string, more: Partial<PaidDispenseSummary> = {}): PaidDispenseSummary => ({
      dispenseId,
      pharmacyId: 'P001',
      dispensedAt,
      fundFen: 420,
      reversed: false,
      ...more,
    });
    const candidates = [
      paid('d3', '2026-03-15T02:00:00Z'),
      paid('d1', '2026-02-28T16:00:00Z'), // 2026-03-01 00:00 in China: inside March
      paid('d2', '2026-03-10T02:00:00Z'), // already claimed
      paid('d4', '2026-03-31T16:00:00Z'), // 2026-04-01 in China: outside
      paid('d5', '2026-03-12T02:00:00Z', { reversed: true }),
      paid('d6', '2026-03-12T02:00:00Z', { pharmacyId: 'P002' }),
      paid('d7', '2026-03-12T02:00:00Z', { fundFen: 0 }), // nothing for the fund to reimburse
      paid('d3', '2026-03-15T02:00:00Z'), // a duplicate row of the read model
    ];
    const index = fold(claimIndexDecider, [reserved('c0', ['d2'])]);

    it('gathers the pharmacy\'s unreversed, unclaimed dispenses of the period (China dates), each once', () => {
      const picked = selectClaimableDispenses(candidates, index, { pharmacyId: 'P001', periodStart: '2026-03-01', periodEnd: '2026-03-31' });
      expect(picked.map((d) => d.dispenseId)).toEqual(['d1', 'd3']);
    });

    it('refuses a period that ends before it starts', () => {
      expect(() => selectClaimableDispenses(candidates, index, { pharmacyId: 'P001', periodStart: '2026-03-31', periodEnd: '2026-03-01' })).toThrow(InvalidClaim);
    });
  });
});
