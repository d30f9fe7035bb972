import { fold } from '@rx/kernel';
import { deciderSpec } from '@rx/kernel/testing';
import { createPharmacyClaimDecider, isClaimOverdue, type PharmacyClaimCommand, type PharmacyClaimEvent } from './pharmacy-claim.decider';
import {
  ClaimAlreadySubmitted,
  ClaimEmpty,
  ClaimNotApproved,
  ClaimNotFound,
  ClaimNotSubmitted,
  ClaimPaymentMismatch,
  InvalidClaim,
  RefusalReasonRequired,
  RefusedLineNotInClaim,
} from './settlement.errors';
import { CALENDARS, demoPolicy } from './testing/demo-region.fixture';

const decider = createPharmacyClaimDecider({ calendars: CALENDARS, deadlineWorkingDays: demoPolicy().settlementDeadlineWorkingDays });
const spec = deciderSpec(decider);

const lines = [
  { dispenseId: 'd1', prescriptionId: 'rx-1', fundFen: 420 },
  { dispenseId: 'd2', prescriptionId: 'rx-2', fundFen: 10920 },
  { dispenseId: 'd3', prescriptionId: 'rx-3', fundFen: 21420 },
];
const submittedAt = new Date('2026-09-21T02:00:00Z'); // Monday 10:00 in China
const submit = (dispenses = lines): PharmacyClaimCommand => ({
  type: 'SubmitClaim',
  data: { claimId: 'c1', pharmacyId: 'P001', submittedBy: 'PH001', periodStart: '2026-09-01', periodEnd: '2026-09-20', dispenses },
});
const submitted: PharmacyClaimEvent = {
  type: 'ClaimSubmitted',
  data: {
    claimId: 'c1',
    pharmacyId: 'P001',
    submittedBy: 'PH001',
    periodStart: '2026-09-01',
    periodEnd: '2026-09-20',
    dispenses: lines,
    fundFen: 32760,
    recoveries: [],
    recoveryFen: 0,
    submittedAt: submittedAt.toISOString(),
    dueBy: '2026-11-09',
    dueByProvisional: false,
  },
};
const approvedAt = new Date('2026-10-20T02:00:00Z');
const approve = (refusedLines: { dispenseId: string; reason: string }[] = []): PharmacyClaimCommand => ({
  type: 'ApproveClaim',
  data: { claimId: 'c1', approvedBy: 'AG001', refusedLines },
});
const approved: PharmacyClaimEvent = {
  type: 'ClaimApproved',
  data: {
    claimId: 'c1',
    pharmacyId: 'P001',
    approvedBy: 'AG001',
    approvedAt: approvedAt.toISOString(),
    approvedLines: [lines[0], lines[2]],
    refusedLines: [{ dispenseId: 'd2', prescriptionId: 'rx-2', reason: 'no traceability codes recorded' }],
    approvedFundFen: 21840,
  },
};
const pay = (amountFen: number): PharmacyClaimCommand => ({ type: 'PayClaim', data: { claimId: 'c1', paidBy: 'AG001', amountFen } });

describe('pharmacy settlement claim (pharmacyclaim-{claimId})', () => {
  describe('submission', () => {
    it('totals the fund share and sets the deadline 30 working days after receipt, across National Day', () =>
      spec.given([]).when(submit(), submittedAt).then([submitted]));

    it('takes the receipt day in China time (00:30 on Sep 21 in China is still Sep 21)', () =>
      spec.given([]).when(submit(), new Date('2026-09-20T16:30:00Z')).thenMatch(([e]) => expect(e.type === 'ClaimSubmitted' && e.data.dueBy).toBe('2026-11-09')));

    it('marks a deadline in 2027 (no holiday data) as provisional', () =>
      spec.given([]).when(submit(), new Date('2026-12-01T02:00:00Z')).thenMatch(([e]) =>
        expect(e.type === 'ClaimSubmitted' && { dueBy: e.data.dueBy, provisional: e.data.dueByProvisional }).toEqual({ dueBy: '2027-01-12', provisional: true }),
      ));

    it('refuses an empty claim', () => spec.given([]).when(submit([]), submittedAt).thenThrows(ClaimEmpty, 'CLAIM_EMPTY'));

    it('refuses a dispense listed twice, a negative amount and an inverted period', () => {
      spec.given([]).when(submit([lines[0], lines[0]]), submittedAt).thenThrows(InvalidClaim);
      spec.given([]).when(submit([{ dispenseId: 'd1', prescriptionId: 'rx-1', fundFen: -1 }]), submittedAt).thenThrows(InvalidClaim);
      const inverted = submit();
      if (inverted.type === 'SubmitClaim') inverted.data = { ...inverted.data, periodStart: '2026-09-20', periodEnd: '2026-09-01' };
      spec.given([]).when(inverted, submittedAt).thenThrows(InvalidClaim);
    });

    it('a retried submission is a no-op; another one under the same id is refused', () => {
      spec.given([submitted]).when(submit(), new Date('2026-09-21T03:00:00Z')).thenNothing();
      spec.given([submitted]).when(submit([lines[0]]), submittedAt).thenThrows(ClaimAlreadySubmitted);
    });
  });

  describe('approval', () => {
    it('approves with refused lines and their reasons', () =>
      spec.given([submitted]).when(approve([{ dispenseId: 'd2', reason: ' no traceability codes recorded ' }]), approvedAt).then([approved]));

    it('approves everything when nothing is refused', () =>
      spec.given([submitted]).when(approve(), approvedAt).thenMatch(([e]) => expect(e.type === 'ClaimApproved' && e.data.approvedFundFen).toBe(32760)));

    it('needs a reason for every refused line, and only lines of the claim', () => {
      spec.given([submitted]).when(approve([{ dispenseId: 'd2', reason: '   ' }])).thenThrows(RefusalReasonRequired, 'CLAIM_REFUSAL_REASON_REQUIRED');
      spec.given([submitted]).when(approve([{ dispenseId: 'd9', reason: 'unknown' }])).thenThrows(RefusedLineNotInClaim);
      spec.given([submitted]).when(approve([{ dispenseId: 'd2', reason: 'a' }, { dispenseId: 'd2', reason: 'b' }])).thenThrows(InvalidClaim);
    });

    it('approves only a submitted claim', () => {
      spec.given([]).when(approve()).thenThrows(ClaimNotFound);
      spec.given([submitted, approved]).when(approve()).thenThrows(ClaimNotSubmitted, 'CLAIM_NOT_SUBMITTED');
    });
  });

  describe('payment', () => {
    const paidAt = new Date('2026-11-02T02:00:00Z');
    it('records the payment of an approved claim', () =>
      spec
        .given([submitted, approved])
        .when(pay(21840), paidAt)
        .then([
          {
            type: 'ClaimPaid',
            data: {
              claimId: 'c1',
              pharmacyId: 'P001',
              paidBy: 'AG001',
              paidAt: paidAt.toISOString(),
              amountFen: 21840,
              late: false,
              paidLines: [lines[0], lines[2]],
              grossFen: 21840,
              withdrawnLines: [],
              recovered: [],
              carriedForwardFen: 0,
            },
          },
        ]));

    it('pays only an approved claim, once, for the approved amount', () => {
      spec.given([submitted]).when(pay(32760)).thenThrows(ClaimNotApproved, 'CLAIM_NOT_APPROVED');
      spec.given([submitted, approved]).when(pay(32760)).thenThrows(ClaimPaymentMismatch);
      const paid = decider.decide(pay(21840), fold(decider, [submitted, approved]), paidAt);
      spec.given([submitted, approved, ...paid]).when(pay(21840)).thenThrows(ClaimNotApproved);
    });

    it('marks a payment after the deadline as late', () =>
      spec.given([submitted, approved]).when(pay(21840), new Date('2026-11-10T02:00:00Z')).thenMatch(([e]) => expect(e.type === 'ClaimPaid' && e.data.late).toBe(true)));
  });

  describe('refunds after submission, approval or payment (issue 22.2)', () => {
    const paidAt = new Date('2026-11-02T02:00:00Z');
    const refundedAt = new Date('2026-11-05T02:00:00Z');
    const note = (dispenseId: string): PharmacyClaimCommand => ({
      type: 'NoteDispenseReversed',
      data: { claimId: 'c1', dispenseId, reason: 'patient returned the medicine', regionCode: '522700', year: 2026 },
    });
    const paid = (): PharmacyClaimEvent[] => decider.decide(pay(21840), fold(decider, [submitted, approved]), paidAt);
    const line3 = { ...lines[2], reason: 'patient returned the medicine' };

    it('before approval: the line is noted, and approval refuses it with the reason', () => {
      spec.given([submitted]).when(note('d3')).then([{ type: 'ClaimLineReversed', data: { claimId: 'c1', pharmacyId: 'P001', ...line3 } }]);
      const reversed = decider.decide(note('d3'), fold(decider, [submitted]), refundedAt);
      spec.given([submitted, ...reversed]).when(approve(), approvedAt).thenMatch(([e]) => {
        expect(e.type === 'ClaimApproved' && e.data.refusedLines).toEqual([{ dispenseId: 'd3', prescriptionId: 'rx-3', reason: 'DISPENSE_REVERSED: patient returned the medicine' }]);
        expect(e.type === 'ClaimApproved' && e.data.approvedFundFen).toBe(32760 - 21420);
      });
    });

    it('after approval, before payment: the dispense is taken out of the payment', () => {
      spec.given([submitted, approved]).when(note('d3')).then([{ type: 'ClaimLineWithdrawn', data: { claimId: 'c1', pharmacyId: 'P001', ...line3 } }]);
      const withdrawn = decider.decide(note('d3'), fold(decider, [submitted, approved]), refundedAt);
      spec.given([submitted, approved, ...withdrawn]).when(pay(21840), paidAt).thenThrows(ClaimPaymentMismatch);
      spec.given([submitted, approved, ...withdrawn]).when(pay(420), paidAt).thenMatch(([e]) =>
        expect(e.type === 'ClaimPaid' && e.data).toMatchObject({ amountFen: 420, grossFen: 420, paidLines: [lines[0]], withdrawnLines: [line3], carriedForwardFen: 0 }),
      );
    });

    it('after approval, a refused line has nothing to withdraw', () => spec.given([submitted, approved]).when(note('d2')).thenNothing());

    it('after payment: the fund share of a paid line becomes a recovery against the pharmacy', () => {
      spec.given([submitted, approved, ...paid()]).when(note('d3'), refundedAt).then([
        {
          type: 'RecoveryRaised',
          data: {
            claimId: 'c1',
            pharmacyId: 'P001',
            dispenseId: 'd3',
            prescriptionId: 'rx-3',
            amountFen: 21420,
            reason: 'patient returned the medicine',
            raisedAt: refundedAt.toISOString(),
            regionCode: '522700',
            year: 2026,
          },
        },
      ]);
      spec.given([submitted, approved, ...paid()]).when(note('d2')).thenNothing(); // refused, never paid
    });

    it('notes each refund once, ignores a dispense not in the claim, and needs the claim', () => {
      const raised = decider.decide(note('d3'), fold(decider, [submitted, approved, ...paid()]), refundedAt);
      spec.given([submitted, approved, ...paid(), ...raised]).when(note('d3')).thenNothing();
      spec.given([submitted]).when(note('d9')).thenNothing();
      spec.given([]).when(note('d3')).thenThrows(ClaimNotFound);
    });

    describe('recoveries deducted from the next claim', () => {
      const recovery = { dispenseId: 'd0', prescriptionId: 'rx-0', fromClaimId: 'c0', amountFen: 1000 };
      const submitWith = (recoveries: (typeof recovery)[], dispenses = lines): PharmacyClaimCommand => {
        const c = submit(dispenses);
        return c.type === 'SubmitClaim' ? { ...c, data: { ...c.data, recoveries } } : c;
      };
      const withRecovery = (recoveries: (typeof recovery)[], dispenses = lines) => decider.decide(submitWith(recoveries, dispenses), decider.initialState(), submittedAt);

      it('lists each as a negative line naming the refunded dispense', () =>
        spec.given([]).when(submitWith([recovery]), submittedAt).thenMatch(([e]) =>
          expect(e.type === 'ClaimSubmitted' && e.data).toMatchObject({ fundFen: 32760, recoveries: [recovery], recoveryFen: 1000 }),
        ));

      it('pays the approved lines less the recoveries', () => {
        const given = [...withRecovery([recovery]), approved];
        spec.given(given).when(pay(21840), paidAt).thenThrows(ClaimPaymentMismatch);
        spec.given(given).when(pay(20840), paidAt).thenMatch(([e]) =>
          expect(e.type === 'ClaimPaid' && e.data).toMatchObject({ amountFen: 20840, grossFen: 21840, recovered: [{ ...recovery, recoveredFen: 1000 }], carriedForwardFen: 0 }),
        );
      });

      it('nets to zero or below: nothing is paid, the rest carries forward, recoveries offset in their order', () => {
        const big = [
          { ...recovery, amountFen: 21000 },
          { dispenseId: 'd00', prescriptionId: 'rx-00', fromClaimId: 'c0', amountFen: 5000 },
        ];
        const given = [...withRecovery(big), approved];
        spec.given(given).when(pay(0), paidAt).thenMatch(([e]) =>
          expect(e.type === 'ClaimPaid' && e.data).toMatchObject({
            amountFen: 0,
            grossFen: 21840,
            recovered: [
              { ...big[0], recoveredFen: 21000 },
              { ...big[1], recoveredFen: 840 },
            ],
            carriedForwardFen: 4160,
          }),
        );
      });

      it('refuses a recovery of a dispense the claim also claims, a duplicate, and a non-positive amount', () => {
        spec.given([]).when(submitWith([{ ...recovery, dispenseId: 'd1' }]), submittedAt).thenThrows(InvalidClaim);
        spec.given([]).when(submitWith([recovery, recovery]), submittedAt).thenThrows(InvalidClaim);
        spec.given([]).when(submitWith([{ ...recovery, amountFen: 0 }]), submittedAt).thenThrows(InvalidClaim);
      });

      it('a retry must carry the same recoveries', () => {
        spec.given(withRecovery([recovery])).when(submitWith([recovery]), submittedAt).thenNothing();
        spec.given(withRecovery([recovery])).when(submitWith([]), submittedAt).thenThrows(ClaimAlreadySubmitted);
      });
    });
  });

  describe('overdue', () => {
    it('is overdue once the due day has passed in China time, until paid', () => {
      const open = fold(decider, [submitted]);
      expect(isClaimOverdue(open, new Date('2026-11-09T15:59:59Z'))).toBe(false); // 23:59:59 on Nov 9 in China
      expect(isClaimOverdue(open, new Date('2026-11-09T16:00:00Z'))).toBe(true);
      expect(isClaimOverdue(fold(decider, [submitted, approved]), new Date('2026-11-10T02:00:00Z'))).toBe(true);
      const paid = decider.decide(pay(21840), fold(decider, [submitted, approved]), new Date('2026-11-12T02:00:00Z'));
      expect(isClaimOverdue(fold(decider, [submitted, approved, ...paid]), new Date('2026-12-01T02:00:00Z'))).toBe(false);
      expect(isClaimOverdue(decider.initialState(), new Date('2030-01-01T00:00:00Z'))).toBe(false);
    });
  });
});
