import { exhaustive } from '@rx/kernel';
import { isClaimOverdue, recoveriesOf, settlementOf, type ClaimLine, type PharmacyClaim, type RecoveryRaisedData, type RefusedClaimLine, type ReversedClaimLine } from '../../domain/pharmacy-claim.decider';

export interface ClaimView {
  claimId: string;
  pharmacyId: string;
  status: 'SUBMITTED' | 'APPROVED' | 'PAID';
  periodStart: string;
  periodEnd: string;
  submittedBy: string;
  submittedAt: string;
  dispenseCount: number;
  /** Sum of the dispense lines (gross). */
  fundFen: number;
  lines: ClaimLine[];
  /** Recoveries deducted: negative lines naming the refunded dispense and the claim that had paid it. */
  recoveryLines: { dispenseId: string; prescriptionId: string; fromClaimId: string; amountFen: number }[];
  recoveryFen: number;
  /** fundFen less the recoveries: may be zero or below (then nothing is paid and the rest carries forward). */
  netFundFen: number;
  /** What paying now transfers (approved lines less withdrawn ones less recoveries, not below zero); null before approval. */
  payableFen: number | null;
  /** Dispenses refunded before approval (refused at approval) and after approval before payment (withdrawn). */
  reversedLines: ReversedClaimLine[];
  withdrawnLines: ReversedClaimLine[];
  /** Dispenses refunded after this claim was paid: recoveries against the pharmacy. */
  recoveriesRaised: Omit<RecoveryRaisedData, 'claimId' | 'pharmacyId'>[];
  /** ISO date: last working day to settle (30 working days after receipt, holiday calendar). */
  dueBy: string;
  /** The deadline ran into a year without holiday data: weekdays only. */
  provisional: boolean;
  /** Not paid and the China-time date is past dueBy (computed with the injected clock). */
  overdue: boolean;
  approval: { approvedBy: string; approvedAt: string; approvedFundFen: number; approvedLines: ClaimLine[]; refusedLines: RefusedClaimLine[] } | null;
  payment: {
    paidBy: string;
    paidAt: string;
    amountFen: number;
    late: boolean;
    grossFen: number;
    recovered: { dispenseId: string; fromClaimId: string; amountFen: number; recoveredFen: number }[];
    carriedForwardFen: number;
  } | null;
}

export function toClaimView(s: Exclude<PharmacyClaim, { status: 'none' }>, now: Date): ClaimView {
  const c = s.claim;
  const view: ClaimView = {
    claimId: c.claimId,
    pharmacyId: c.pharmacyId,
    status: 'SUBMITTED',
    periodStart: c.periodStart,
    periodEnd: c.periodEnd,
    submittedBy: c.submittedBy,
    submittedAt: c.submittedAt,
    dispenseCount: c.dispenses.length,
    fundFen: c.fundFen,
    lines: c.dispenses,
    recoveryLines: recoveriesOf(c).map((r) => ({ ...r, amountFen: -r.amountFen })),
    recoveryFen: c.recoveryFen ?? 0,
    netFundFen: c.fundFen - (c.recoveryFen ?? 0),
    payableFen: s.status === 'approved' ? settlementOf(s).payableFen : s.status === 'paid' ? s.payment.amountFen : null,
    reversedLines: s.reversals.reversed,
    withdrawnLines: s.reversals.withdrawn,
    recoveriesRaised: s.reversals.raised.map(({ claimId: _c, pharmacyId: _p, ...r }) => r),
    dueBy: c.dueBy,
    provisional: c.dueByProvisional,
    overdue: isClaimOverdue(s, now),
    approval: null,
    payment: null,
  };
  switch (s.status) {
    case 'submitted':
      return view;
    case 'approved':
    case 'paid': {
      const { approvedBy, approvedAt, approvedFundFen, approvedLines, refusedLines } = s.approval;
      const approval = { approvedBy, approvedAt, approvedFundFen, approvedLines, refusedLines };
      if (s.status === 'approved') return { ...view, status: 'APPROVED', approval };
      const { paidBy, paidAt, amountFen, late } = s.payment;
      const recovered = (s.payment.recovered ?? []).map((r) => ({ dispenseId: r.dispenseId, fromClaimId: r.fromClaimId, amountFen: r.amountFen, recoveredFen: r.recoveredFen }));
      const payment = { paidBy, paidAt, amountFen, late, grossFen: s.payment.grossFen ?? amountFen, recovered, carriedForwardFen: s.payment.carriedForwardFen ?? 0 };
      return { ...view, status: 'PAID', approval, payment };
    }
    default:
      return exhaustive(s, 'pharmacy claim state');
  }
}
