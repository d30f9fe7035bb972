import { exhaustive } from '@rx/kernel';
import type { FundPaymentFlag, FundPaymentLine } from '../../../domain/fund-payment.calculator';
import type { Payment } from '../../../domain/payment.decider';

/** GET /settlement/dispenses/:dispenseId — the breakdown (domain.md) as recorded, and whether it was reversed. */
export interface DispensePaymentView {
  dispenseId: string;
  prescriptionId: string;
  patientId: string;
  pharmacyId: string;
  regionCode: string;
  policyYear: number;
  policyVersion: string;
  dispensedAt: string;
  /** When the payment was recorded. */
  paidAt: string;
  totalFen: number;
  fullyOwnPayFen: number;
  overLimitSelfPayFen: number;
  preSelfPayFen: number;
  inScopeFen: number;
  deductibleAppliedFen: number;
  fundFen: number;
  coPayFen: number;
  personalAccountFen: number;
  cashFen: number;
  specialFundFen: number;
  capShortfallFen: number;
  deliveryFeeFen: number;
  patientShareFen: number;
  ordinaryRatioBp: number;
  specialRatioBp: number;
  personalAccountHolderId: string | null;
  flags: FundPaymentFlag[];
  lines: FundPaymentLine[];
  reversed: boolean;
  reversal: { reason: string; reversedAt: string } | null;
}

export function toDispensePaymentView(s: Exclude<Payment, { status: 'none' }>, paidAt: string): DispensePaymentView {
  const r = s.record;
  const b = r.breakdown;
  const view: DispensePaymentView = {
    dispenseId: r.dispenseId,
    prescriptionId: r.prescriptionId,
    patientId: r.patientId,
    pharmacyId: r.pharmacyId,
    regionCode: r.regionCode,
    policyYear: b.policyYear,
    policyVersion: b.policyVersion,
    dispensedAt: r.dispensedAt,
    paidAt,
    totalFen: b.totalFen,
    fullyOwnPayFen: b.fullyOwnPayFen,
    overLimitSelfPayFen: b.overLimitSelfPayFen,
    preSelfPayFen: b.preSelfPayFen,
    inScopeFen: b.inScopeFen,
    deductibleAppliedFen: b.deductibleAppliedFen,
    fundFen: b.fundFen,
    coPayFen: b.coPayFen,
    personalAccountFen: b.personalAccountFen,
    cashFen: b.cashFen,
    specialFundFen: b.specialFundFen,
    capShortfallFen: b.capShortfallFen,
    deliveryFeeFen: b.deliveryFeeFen,
    patientShareFen: b.patientShareFen,
    ordinaryRatioBp: b.ordinaryRatioBp,
    specialRatioBp: b.specialRatioBp,
    personalAccountHolderId: b.personalAccountHolderId,
    flags: b.flags,
    lines: b.lines,
    reversed: false,
    reversal: null,
  };
  switch (s.status) {
    case 'recorded':
      return view;
    case 'reversed':
      return { ...view, reversed: true, reversal: { reason: s.reversal.reason, reversedAt: s.reversal.reversedAt } };
    default:
      return exhaustive(s, 'payment state');
  }
}
