import { exhaustive } from '@rx/kernel';
import type { InsuranceType } from '@rx/reference-data';
import type { FundPaymentFlag, FundPaymentLine } from '../../../domain/fund-payment.calculator';
import { amountsOf, type Payment, type PaymentAmounts } from '../../../domain/payment.decider';

/** GET /settlement/dispenses/:dispenseId — the breakdown (domain.md) as recorded, and whether it was reversed. */
/** Every amount of the breakdown (`PaymentAmounts`, the contract's list), beside who, when and why. */
export interface DispensePaymentView extends PaymentAmounts {
  dispenseId: string;
  prescriptionId: string;
  patientId: string;
  pharmacyId: string;
  regionCode: string;
  policyYear: number;
  policyVersion: string;
  /** The dispense's year had no published policy; the amounts follow the latest published one. */
  policyProvisional: boolean;
  /** The insurance type whose plan paid; null when the region's policy has none for the patient. */
  plan?: InsuranceType | null;
  dispensedAt: string;
  /** When the payment was recorded. */
  paidAt: string;
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
    // A record written before these fields existed was computed under its own year's policy, and
    // under the region's one plan of that time: no insurance type to name, so `plan` is left out.
    policyProvisional: b.policyProvisional === true,
    ...(b.plan === undefined ? {} : { plan: b.plan }),
    dispensedAt: r.dispensedAt,
    paidAt,
    ...amountsOf(b),
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
