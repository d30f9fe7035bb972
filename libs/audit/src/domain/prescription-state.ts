import { exhaustive } from '@rx/kernel';
import { contextOfType, typed, type AuditFact } from './audit-fact';

/**
 * A prescription as the audit sees it, folded from every context's facts: what the hospital
 * issued, who held it, what was dispensed, what the fund paid, how the pharmacy was reimbursed.
 * Replaying the facts that happened up to an instant gives the state as it was then (A2).
 */
export type AuditStatus = 'not-issued' | 'issued' | 'claimed' | 'partly-dispensed' | 'dispensed' | 'revocation-pending' | 'revoked' | 'expired';

export interface AuditItemState {
  drugCode: string;
  drugName: string;
  prescribed: number;
  /** Net of reversals. */
  dispensed: number;
  remaining: number;
}

export interface AuditDispenseState {
  dispenseId: string;
  instalment: number;
  pharmacyId: string;
  pharmacistId: string;
  dispensedAt: string;
  daysSupply: number;
  lines: { drugCode: string; quantity: number; unitPriceFen: number; referencePriceFen: number; amountFen: number; aboveReferencePrice: boolean }[];
  deliveryFeeFen: number;
  totalFen: number;
  reversed: boolean;
  reversedAt: string | null;
  fund: { totalFen: number; fundFen: number; personalAccountFen: number; cashFen: number; reversed: boolean; policyVersion: string } | null;
}

export interface AuditClaimState {
  claimId: string;
  pharmacyId: string;
  status: 'submitted' | 'approved' | 'paid';
  submittedAt: string | null;
  dueBy: string | null;
  /** This prescription's lines only. */
  fundFen: number;
  approvedFundFen: number | null;
  refusedDispenseIds: string[];
  paidAt: string | null;
  late: boolean | null;
  /** This prescription's lines refunded after approval and taken out of the payment. */
  withdrawnDispenseIds: string[];
  /** Recoveries of this prescription's refunded dispenses this claim deducted (negative lines), and what its payment offset. */
  recoveries: { dispenseId: string; fromClaimId: string; amountFen: number; recoveredFen: number | null }[];
}

/** The fund's share of a dispense refunded after the pharmacy's claim was paid: owed back by the pharmacy (冲销). */
export interface AuditRecoveryState {
  dispenseId: string;
  pharmacyId: string;
  /** The paid claim that had reimbursed the dispense. */
  claimId: string;
  amountFen: number;
  raisedAt: string;
}

export interface AuditPrescriptionState {
  prescriptionId: string;
  /** False when no fact about the prescription had happened yet. */
  existed: boolean;
  status: AuditStatus;
  factsApplied: number;
  lastFactAt: string | null;
  patientId: string | null;
  institutionId: string | null;
  physicianId: string | null;
  longTerm: boolean | null;
  issuedAt: string | null;
  validUntil: string | null;
  holder: { pharmacyId: string; claimedAt: string; expiresAt: string } | null;
  review: { pharmacyId: string; pharmacistId: string; decision: 'APPROVED' | 'REJECTED'; reasons: string[]; at: string } | null;
  items: AuditItemState[];
  dispenses: AuditDispenseState[];
  fund: { paidFen: number; reversedFen: number; netFen: number; personalAccountFen: number; cashFen: number; payments: number; reversals: number };
  settlementClaims: AuditClaimState[];
  recoveries: AuditRecoveryState[];
  revocation: { status: 'requested' | 'revoked' | 'declined'; reason: string | null; requestedAt: string | null; revokedAt: string | null; via: string | null } | null;
  expiredAt: string | null;
}

export function initialPrescriptionState(prescriptionId: string): AuditPrescriptionState {
  return {
    prescriptionId,
    existed: false,
    status: 'not-issued',
    factsApplied: 0,
    lastFactAt: null,
    patientId: null,
    institutionId: null,
    physicianId: null,
    longTerm: null,
    issuedAt: null,
    validUntil: null,
    holder: null,
    review: null,
    items: [],
    dispenses: [],
    fund: { paidFen: 0, reversedFen: 0, netFen: 0, personalAccountFen: 0, cashFen: 0, payments: 0, reversals: 0 },
    settlementClaims: [],
    recoveries: [],
    revocation: null,
    expiredAt: null,
  };
}

/** Folds facts (already in the order they happened) into the state; unknown types are skipped. */
export function foldPrescription(prescriptionId: string, facts: readonly AuditFact[]): AuditPrescriptionState {
  let s = initialPrescriptionState(prescriptionId);
  for (const f of facts) s = evolvePrescription(s, f);
  return { ...s, status: statusOf(s), items: netItems(s) };
}

/** Pure: returns a new state (lists are copied where they change). */
export function evolvePrescription(state: AuditPrescriptionState, fact: AuditFact): AuditPrescriptionState {
  if (contextOfType(fact.type) === undefined) return state;
  const s: AuditPrescriptionState = { ...state, existed: true, factsApplied: state.factsApplied + 1, lastFactAt: fact.time };
  const f = typed(fact);
  switch (f.type) {
    case 'rx.prescribing.issue-refused.v1':
    case 'rx.dispensing.attempt-refused.v1':
      // A refused attempt changed nothing about the prescription; it is in the history and the alerts.
      return state;
    case 'rx.prescribing.prescription-issued.v1':
      return {
        ...s,
        patientId: f.data.patientId,
        institutionId: f.data.institutionId,
        physicianId: f.data.physicianId,
        longTerm: f.data.longTerm,
        issuedAt: f.data.issuedAt,
        validUntil: f.data.validUntil,
        items: f.data.items.map((i) => ({ drugCode: i.drugCode, drugName: i.drugName, prescribed: i.quantity, dispensed: 0, remaining: i.quantity })),
      };
    case 'rx.prescribing.revocation-requested.v1':
      return { ...s, revocation: { status: 'requested', reason: f.data.reason, requestedAt: f.data.requestedAt, revokedAt: null, via: null } };
    case 'rx.prescribing.prescription-revoked.v1':
      return {
        ...s,
        holder: null,
        revocation: { status: 'revoked', reason: f.data.reason, requestedAt: s.revocation?.requestedAt ?? f.data.revokedAt, revokedAt: f.data.revokedAt, via: f.data.via },
      };
    case 'rx.prescribing.revocation-declined.v1':
      return { ...s, revocation: s.revocation ? { ...s.revocation, status: 'declined' } : { status: 'declined', reason: null, requestedAt: null, revokedAt: null, via: null } };
    case 'rx.prescribing.prescription-expired.v1':
      return { ...s, holder: null, expiredAt: f.data.expiredAt };
    case 'rx.dispensing.prescription-claimed.v1':
      return { ...s, holder: { pharmacyId: f.data.pharmacyId, claimedAt: f.data.claimedAt, expiresAt: f.data.expiresAt } };
    case 'rx.dispensing.claim-released.v1':
      return s.holder?.pharmacyId === f.data.pharmacyId ? { ...s, holder: null } : s;
    case 'rx.dispensing.prescription-reviewed.v1':
      return {
        ...s,
        review: { pharmacyId: f.data.pharmacyId, pharmacistId: f.data.pharmacistId, decision: f.data.decision, reasons: [...f.data.reasons], at: f.data.reviewedAt ?? f.time },
      };
    case 'rx.dispensing.dispensed.v1': {
      const d = f.data;
      if (s.dispenses.some((x) => x.dispenseId === d.dispenseId)) return s;
      const lines = d.lines.map((l) => ({
        drugCode: l.drugCode,
        quantity: l.quantity,
        unitPriceFen: l.unitPriceFen,
        referencePriceFen: l.referencePriceFen,
        amountFen: l.amountFen,
        aboveReferencePrice: l.aboveReferencePrice,
      }));
      const items = s.items.length > 0 ? s.items : d.lines.map((l) => ({ drugCode: l.drugCode, drugName: l.drugName, prescribed: 0, dispensed: 0, remaining: 0 }));
      const dispense: AuditDispenseState = {
        dispenseId: d.dispenseId,
        instalment: d.instalment,
        pharmacyId: d.pharmacyId,
        pharmacistId: d.pharmacistId,
        dispensedAt: d.dispensedAt,
        daysSupply: d.daysSupply,
        lines,
        deliveryFeeFen: d.deliveryFeeFen,
        totalFen: lines.reduce((a, l) => a + l.amountFen, 0) + d.deliveryFeeFen,
        reversed: false,
        reversedAt: null,
        fund: null,
      };
      // A fully dispensed prescription is off the shelf: nobody holds it any more.
      return { ...s, items, patientId: s.patientId ?? d.patientId, dispenses: [...s.dispenses, dispense], holder: d.fullyDispensed ? null : s.holder };
    }
    case 'rx.dispensing.dispense-reversed.v1':
      return { ...s, dispenses: s.dispenses.map((x) => (x.dispenseId === f.data.dispenseId ? { ...x, reversed: true, reversedAt: f.data.reversedAt } : x)) };
    case 'rx.dispensing.revocation-answered.v1':
    case 'rx.dispensing.prescription-withdrawn.v1':
      // The pharmacy's side of a revocation; prescribing's revoked/declined event settles the status.
      return s;
    case 'rx.settlement.fund-payment-recorded.v1': {
      const a = f.data.amounts;
      return {
        ...s,
        fund: {
          ...s.fund,
          paidFen: s.fund.paidFen + a.fundFen,
          netFen: s.fund.netFen + a.fundFen,
          personalAccountFen: s.fund.personalAccountFen + a.personalAccountFen,
          cashFen: s.fund.cashFen + a.cashFen,
          payments: s.fund.payments + 1,
        },
        dispenses: s.dispenses.map((x) =>
          x.dispenseId === f.data.dispenseId
            ? { ...x, fund: { totalFen: a.totalFen, fundFen: a.fundFen, personalAccountFen: a.personalAccountFen, cashFen: a.cashFen, reversed: false, policyVersion: f.data.policyVersion } }
            : x,
        ),
      };
    }
    case 'rx.settlement.fund-payment-reversed.v1': {
      const a = f.data.amounts;
      // Reversal amounts are the original's negation.
      return {
        ...s,
        fund: {
          ...s.fund,
          reversedFen: s.fund.reversedFen - a.fundFen,
          netFen: s.fund.netFen + a.fundFen,
          personalAccountFen: s.fund.personalAccountFen + a.personalAccountFen,
          cashFen: s.fund.cashFen + a.cashFen,
          reversals: s.fund.reversals + 1,
        },
        dispenses: s.dispenses.map((x) => (x.dispenseId === f.data.dispenseId && x.fund ? { ...x, fund: { ...x.fund, reversed: true } } : x)),
      };
    }
    case 'rx.settlement.agreement-dissolved.v1':
      return s;
    case 'rx.settlement.claim-submitted.v1': {
      const mine = f.data.lines.filter((l) => l.prescriptionId === prescriptionIdOf(s));
      const claim: AuditClaimState = {
        claimId: f.data.claimId,
        pharmacyId: f.data.pharmacyId,
        status: 'submitted',
        submittedAt: f.data.submittedAt,
        dueBy: f.data.dueBy,
        fundFen: mine.reduce((a, l) => a + l.fundFen, 0),
        approvedFundFen: null,
        refusedDispenseIds: [],
        paidAt: null,
        late: null,
        withdrawnDispenseIds: [],
        recoveries: (f.data.recoveries ?? [])
          .filter((r) => r.prescriptionId === prescriptionIdOf(s))
          .map((r) => ({ dispenseId: r.dispenseId, fromClaimId: r.fromClaimId, amountFen: r.amountFen, recoveredFen: null })),
      };
      return { ...s, settlementClaims: upsertClaim(s.settlementClaims, claim.claimId, () => claim) };
    }
    case 'rx.settlement.claim-approved.v1': {
      const rx = prescriptionIdOf(s);
      const approved = f.data.approvedLines.filter((l) => l.prescriptionId === rx).reduce((a, l) => a + l.fundFen, 0);
      const refused = f.data.refusedLines.filter((l) => l.prescriptionId === rx).map((l) => l.dispenseId);
      return {
        ...s,
        settlementClaims: upsertClaim(s.settlementClaims, f.data.claimId, (c) => ({
          ...(c ?? emptyClaim(f.data.claimId, f.data.pharmacyId)),
          status: 'approved',
          approvedFundFen: approved,
          refusedDispenseIds: refused,
        })),
      };
    }
    case 'rx.settlement.claim-paid.v1':
      return {
        ...s,
        settlementClaims: upsertClaim(s.settlementClaims, f.data.claimId, (c) => ({
          ...(c ?? emptyClaim(f.data.claimId, f.data.pharmacyId)),
          status: 'paid',
          paidAt: f.data.paidAt,
          late: f.data.late,
          withdrawnDispenseIds: (f.data.withdrawnLines ?? []).filter((l) => l.prescriptionId === prescriptionIdOf(s)).map((l) => l.dispenseId),
          recoveries: (f.data.recovered ?? [])
            .filter((r) => r.prescriptionId === prescriptionIdOf(s))
            .map((r) => ({ dispenseId: r.dispenseId, fromClaimId: r.fromClaimId, amountFen: r.amountFen, recoveredFen: r.recoveredFen })),
        })),
      };
    case 'rx.settlement.recovery-raised.v1':
      return {
        ...s,
        recoveries: [...s.recoveries, { dispenseId: f.data.dispenseId, pharmacyId: f.data.pharmacyId, claimId: f.data.claimId, amountFen: f.data.amountFen, raisedAt: f.data.raisedAt }],
      };
    default:
      return exhaustive(f, 'fact type');
  }
}

function prescriptionIdOf(s: AuditPrescriptionState): string {
  return s.prescriptionId;
}

function emptyClaim(claimId: string, pharmacyId: string): AuditClaimState {
  return {
    claimId,
    pharmacyId,
    status: 'submitted',
    submittedAt: null,
    dueBy: null,
    fundFen: 0,
    approvedFundFen: null,
    refusedDispenseIds: [],
    paidAt: null,
    late: null,
    withdrawnDispenseIds: [],
    recoveries: [],
  };
}

function upsertClaim(claims: AuditClaimState[], claimId: string, update: (c: AuditClaimState | undefined) => AuditClaimState): AuditClaimState[] {
  const i = claims.findIndex((c) => c.claimId === claimId);
  if (i < 0) return [...claims, update(undefined)];
  return claims.map((c, j) => (j === i ? update(c) : c));
}

/** Items with dispensed quantities net of reversals. */
function netItems(s: AuditPrescriptionState): AuditItemState[] {
  const dispensed = new Map<string, number>();
  for (const d of s.dispenses) {
    if (d.reversed) continue;
    for (const l of d.lines) dispensed.set(l.drugCode, (dispensed.get(l.drugCode) ?? 0) + l.quantity);
  }
  return s.items.map((i) => {
    const q = dispensed.get(i.drugCode) ?? 0;
    return { ...i, dispensed: q, remaining: Math.max(0, i.prescribed - q) };
  });
}

function statusOf(s: AuditPrescriptionState): AuditStatus {
  if (!s.existed) return 'not-issued';
  if (s.revocation?.status === 'revoked') return 'revoked';
  if (s.expiredAt) return 'expired';
  if (s.revocation?.status === 'requested') return 'revocation-pending';
  const items = netItems(s);
  const anyDispensed = s.dispenses.some((d) => !d.reversed);
  if (items.length > 0 && items.some((i) => i.prescribed > 0)) {
    if (items.every((i) => i.remaining === 0)) return 'dispensed';
    if (anyDispensed) return 'partly-dispensed';
  } else if (anyDispensed) {
    return 'partly-dispensed';
  }
  if (s.holder) return 'claimed';
  return s.issuedAt ? 'issued' : 'not-issued';
}
