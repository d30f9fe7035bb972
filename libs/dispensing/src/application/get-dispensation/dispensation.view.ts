import { domainError, exhaustive } from '@rx/kernel';
import type { AuthenticatedActor } from '@rx/auth';
import type { ClaimReleaseReason } from '../../domain/dispensation.events';
import { isLive, pickupLockedUntil, viewOf, type DispensationStatus, type ItemStatus, type KnownDispensation } from '../../domain/dispensation.state';

export class DispensationNotVisible extends domainError('DISPENSATION_NOT_VISIBLE', 'forbidden') {}

/** GET /dispensing/prescriptions/:rxId: claim and dispense state, per-item status apart from the prescription's. */
export interface DispensationDetails {
  prescriptionId: string;
  /** With lazy claim expiry applied: a lapsed claim shows as circulating. */
  status: DispensationStatus;
  longTerm: boolean;
  regionCode: string;
  issuedAt: string;
  validUntil: string;
  /** Auditors only. */
  patientId?: string;
  claim: { pharmacyId: string; pharmacistId: string; claimedAt: string; expiresAt: string; reviewed: boolean } | null;
  /** D8: revocation requested while the claim is held; the holder should release it. */
  cancellationPending: boolean;
  lastClaim?: { pharmacyId: string; reason: ClaimReleaseReason; endedAt: string; rejectionReasons?: string[] };
  pickupLockedUntil?: string;
  items: {
    lineNo: number;
    drugCode: string;
    drugName: string;
    unit: string;
    special: boolean;
    prescribed: number;
    dispensed: number;
    remaining: number;
    status: ItemStatus;
  }[];
  dispenses: {
    dispenseId: string;
    instalment: number;
    pharmacyId: string;
    pharmacistId: string;
    dispensedAt: string;
    lines: { drugCode: string; quantity: number; daysSupply: number }[];
    reversal: { reversalId: string; reversedAt: string; reason: string } | null;
  }[];
}

/**
 * Who may read a dispensation. Auditors: everything. A pharmacist: while it circulates (no live
 * claim, not closed), while its pharmacy holds the claim, and afterwards when its pharmacy claimed
 * or dispensed it (to see a cancellation, a withdrawal or its own dispenses). A prescription
 * another pharmacy holds, or one the pharmacy never touched and that is closed, is not its business.
 */
export function canRead(actor: AuthenticatedActor, s: KnownDispensation, now: Date): boolean {
  if (actor.role === 'auditor') return true;
  if (actor.role !== 'pharmacist') return false;
  const org = actor.org;
  if (s.dispenses.some((d) => d.pharmacyId === org)) return true;
  switch (s.status) {
    case 'claimed':
      return s.claim.pharmacyId === org || !isLive(s.claim, now);
    case 'circulating':
      return true;
    case 'completed':
    case 'withdrawn':
    case 'expired':
      return false;
    default:
      return exhaustive(s, 'dispensation status');
  }
}

export function toDetails(s: KnownDispensation, now: Date, actor: AuthenticatedActor): DispensationDetails {
  const view = viewOf(s, now);
  const live = s.status === 'claimed' && isLive(s.claim, now) ? s.claim : undefined;
  const lastClaim = s.status === 'circulating' && s.lastClaim && (actor.role === 'auditor' || s.lastClaim.pharmacyId === actor.org) ? s.lastClaim : undefined;
  const drug = new Map(s.rx.items.map((i) => [i.drugCode, i]));
  return {
    prescriptionId: s.rx.prescriptionId,
    status: view.status,
    longTerm: s.rx.longTerm,
    regionCode: s.rx.regionCode,
    issuedAt: s.rx.issuedAt,
    validUntil: s.rx.validUntil,
    ...(actor.role === 'auditor' ? { patientId: s.rx.patientId } : {}),
    claim: live
      ? { pharmacyId: live.pharmacyId, pharmacistId: live.pharmacistId, claimedAt: live.claimedAt, expiresAt: live.expiresAt, reviewed: !!live.approval }
      : null,
    cancellationPending: view.cancellationPending,
    ...(lastClaim
      ? { lastClaim: { pharmacyId: lastClaim.pharmacyId, reason: lastClaim.reason, endedAt: lastClaim.endedAt, ...(lastClaim.rejectionReasons ? { rejectionReasons: lastClaim.rejectionReasons } : {}) } }
      : {}),
    // Locks are per pharmacy: a pharmacist sees whether its own pharmacy is locked out here.
    ...(actor.role === 'pharmacist' && pickupLockedUntil(s.pickup, actor.org, now) ? { pickupLockedUntil: pickupLockedUntil(s.pickup, actor.org, now) } : {}),
    items: view.items.map((i) => ({
      lineNo: i.lineNo,
      drugCode: i.drugCode,
      drugName: drug.get(i.drugCode)?.drugName ?? i.drugCode,
      unit: drug.get(i.drugCode)?.unit ?? '',
      special: drug.get(i.drugCode)?.special ?? false,
      prescribed: i.prescribed,
      dispensed: i.dispensed,
      remaining: i.remaining,
      status: i.status,
    })),
    dispenses: s.dispenses
      .filter((d) => actor.role === 'auditor' || d.pharmacyId === actor.org)
      .map((d) => ({
        dispenseId: d.dispenseId,
        instalment: d.instalment,
        pharmacyId: d.pharmacyId,
        pharmacistId: d.pharmacistId,
        dispensedAt: d.dispensedAt,
        lines: d.lines.map((l) => ({ drugCode: l.drugCode, quantity: l.quantity, daysSupply: l.daysSupply })),
        reversal: d.reversal ? { ...d.reversal } : null,
      })),
  };
}
