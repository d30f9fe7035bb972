import { exhaustive } from '@rx/kernel';
import { isClaimOverdue, type ClaimLine, type PharmacyClaim, type RefusedClaimLine } from '../../domain/pharmacy-claim.decider';

export interface ClaimView {
  claimId: string;
  pharmacyId: string;
  status: 'SUBMITTED' | 'APPROVED' | 'PAID';
  periodStart: string;
  periodEnd: string;
  submittedBy: string;
  submittedAt: string;
  dispenseCount: number;
  fundFen: number;
  lines: ClaimLine[];
  /** ISO date: last working day to settle (30 working days after receipt, holiday calendar). */
  dueBy: string;
  /** The deadline ran into a year without holiday data: weekdays only. */
  provisional: boolean;
  /** Not paid and the China-time date is past dueBy (computed with the injected clock). */
  overdue: boolean;
  approval: { approvedBy: string; approvedAt: string; approvedFundFen: number; approvedLines: ClaimLine[]; refusedLines: RefusedClaimLine[] } | null;
  payment: { paidBy: string; paidAt: string; amountFen: number; late: boolean } | null;
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
      return { ...view, status: 'PAID', approval, payment: { paidBy, paidAt, amountFen, late } };
    }
    default:
      return exhaustive(s, 'pharmacy claim state');
  }
}
