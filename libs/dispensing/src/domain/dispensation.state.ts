import { exhaustive } from '@rx/kernel';
import type { CirculatedPrescription, PrescribedItem } from './dispensation.commands';
import type { ClaimReleaseReason, DispensedLine, DrugQuantity, RevocationOutcome } from './dispensation.events';

/** Per-item status, a machine of its own, apart from the prescription's status. */
export type ItemStatus = 'NOT_DISPENSED' | 'PARTLY_DISPENSED' | 'DISPENSED';

export interface ItemRecord {
  lineNo: number;
  drugCode: string;
  prescribed: number;
  /** Net of reversals. */
  dispensed: number;
  status: ItemStatus;
}

export interface DispenseRecord {
  dispenseId: string;
  instalment: number;
  pharmacyId: string;
  pharmacistId: string;
  dispensedAt: string;
  lines: Pick<DispensedLine, 'lineNo' | 'drugCode' | 'quantity' | 'traceCodes' | 'daysSupply'>[];
  reversal?: { reversalId: string; reversedAt: string; reason: string };
}

/** One pharmacy's wrong pickup codes on this prescription. */
export interface PharmacyPickupRecord {
  /** ISO instants of recent failures, oldest first, bounded. */
  failures: string[];
  lockedUntil?: string;
}

/**
 * Wrong pickup codes counted per pharmacy (issue 15.4): a lock stops the pharmacy that guessed,
 * never the patient at another pharmacy. Bounded by the registered pharmacies (the edge refuses
 * any other).
 */
export interface PickupGuard {
  byPharmacy: Record<string, PharmacyPickupRecord>;
}

export function pickupLockedUntil(guard: PickupGuard, pharmacyId: string, now: Date): string | undefined {
  const until = guard.byPharmacy[pharmacyId]?.lockedUntil;
  return until && Date.parse(until) > now.getTime() ? until : undefined;
}

export interface RevocationRecord {
  /** Prescribing event ids already handled: a redelivery is a no-op. */
  sourceEventIds: string[];
  lastOutcome: RevocationOutcome;
}

export interface Claim {
  pharmacyId: string;
  pharmacistId: string;
  claimedAt: string;
  expiresAt: string;
  approval?: { pharmacistId: string; reviewedAt: string };
  /** Set only between a rejection and the claim release appended with it. */
  rejection?: { pharmacistId: string; reasons: string[]; reviewedAt: string };
  /** D8: a revocation arrived while this claim was held and nothing was dispensed. */
  cancellationPending?: { sourceEventId: string; markedAt: string };
}

export interface EndedClaim {
  pharmacyId: string;
  reason: ClaimReleaseReason;
  endedAt: string;
  rejectionReasons?: string[];
}

interface Known {
  rx: CirculatedPrescription;
  items: ItemRecord[];
  dispenses: DispenseRecord[];
  pickup: PickupGuard;
  revocation?: RevocationRecord;
}

export type Dispensation =
  | { status: 'unknown' }
  | (Known & { status: 'circulating'; lastClaim?: EndedClaim })
  | (Known & { status: 'claimed'; claim: Claim })
  | (Known & { status: 'completed' })
  | (Known & { status: 'withdrawn'; withdrawnAt: string })
  | (Known & { status: 'expired'; expiredAt: string });

export type KnownDispensation = Exclude<Dispensation, { status: 'unknown' }>;
export type DispensationStatus = Dispensation['status'];

export const dispensationStreamId = (prescriptionId: string): string => `dispensation-${prescriptionId}`;

export function itemStatusOf(prescribed: number, dispensed: number): ItemStatus {
  if (dispensed <= 0) return 'NOT_DISPENSED';
  return dispensed >= prescribed ? 'DISPENSED' : 'PARTLY_DISPENSED';
}

export function newItemRecord(item: PrescribedItem): ItemRecord {
  return { lineNo: item.lineNo, drugCode: item.drugCode, prescribed: item.quantity, dispensed: 0, status: 'NOT_DISPENSED' };
}

export function remainingOf(item: ItemRecord): number {
  return item.prescribed - item.dispensed;
}

export function dispensedQuantities(s: Known): DrugQuantity[] {
  return s.items.filter((i) => i.dispensed > 0).map((i) => ({ drugCode: i.drugCode, quantity: i.dispensed }));
}

export function remainingQuantities(items: readonly ItemRecord[]): DrugQuantity[] {
  return items.map((i) => ({ drugCode: i.drugCode, quantity: remainingOf(i) }));
}

export function nothingDispensed(s: Known): boolean {
  return s.items.every((i) => i.dispensed === 0);
}

export function fullyDispensed(items: readonly ItemRecord[]): boolean {
  return items.every((i) => remainingOf(i) <= 0);
}

/** A claim counts only until it expires; an expired claim is treated as released (lazily). */
export function isLive(claim: Claim, now: Date): boolean {
  return Date.parse(claim.expiresAt) > now.getTime();
}

/** What a pharmacist or auditor sees (GET /dispensing/prescriptions/:rxId), with lazy claim expiry applied. */
export interface DispensationView {
  prescriptionId?: string;
  status: DispensationStatus;
  claimedBy?: string;
  claimExpiresAt?: string;
  reviewed: boolean;
  cancellationPending: boolean;
  items: { lineNo: number; drugCode: string; prescribed: number; dispensed: number; remaining: number; status: ItemStatus }[];
  dispenses: { dispenseId: string; instalment: number; pharmacyId: string; dispensedAt: string; reversed: boolean }[];
}

export function viewOf(s: Dispensation, now: Date): DispensationView {
  if (s.status === 'unknown') return { status: 'unknown', reviewed: false, cancellationPending: false, items: [], dispenses: [] };
  const base = {
    prescriptionId: s.rx.prescriptionId,
    items: s.items.map((i) => ({ ...i, remaining: remainingOf(i) })),
    dispenses: s.dispenses.map((d) => ({ dispenseId: d.dispenseId, instalment: d.instalment, pharmacyId: d.pharmacyId, dispensedAt: d.dispensedAt, reversed: !!d.reversal })),
    reviewed: false,
    cancellationPending: false,
  };
  switch (s.status) {
    case 'claimed':
      return {
        ...base,
        status: isLive(s.claim, now) ? 'claimed' : 'circulating',
        ...(isLive(s.claim, now) ? { claimedBy: s.claim.pharmacyId, claimExpiresAt: s.claim.expiresAt, reviewed: !!s.claim.approval } : {}),
        cancellationPending: !!s.claim.cancellationPending,
      };
    case 'circulating':
    case 'completed':
    case 'withdrawn':
    case 'expired':
      return { ...base, status: s.status };
    default:
      return exhaustive(s, 'dispensation status');
  }
}
