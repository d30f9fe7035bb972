import type { DomainEvent } from '@rx/kernel';
import type { PrescriptionSignedContentV1 } from '@rx/contracts';

/** Stored event types are explicit strings, never class names (style.md §4). */
export const PRESCRIPTION_STREAM_PREFIX = 'prescription-';

export function prescriptionStreamId(prescriptionId: string): string {
  return `${PRESCRIPTION_STREAM_PREFIX}${prescriptionId}`;
}

export function prescriptionIdOfStream(streamId: string): string | undefined {
  return streamId.startsWith(PRESCRIPTION_STREAM_PREFIX) ? streamId.slice(PRESCRIPTION_STREAM_PREFIX.length) : undefined;
}

/** What the institution signs; the same shape consumers verify (`prescriptionSignedContent`). */
export type PrescriptionContent = PrescriptionSignedContentV1;
export type PrescriptionItem = PrescriptionContent['items'][number];
export type Diagnosis = PrescriptionContent['diagnoses'][number];

export interface DrugQuantity {
  drugCode: string;
  quantity: number;
}

export type PrescriptionIssued = DomainEvent<
  'PrescriptionIssued',
  PrescriptionContent & {
    contentHash: string;
    signature: string;
    /** sha-256 of the prescriber's request: an idempotent re-issue compares it (issuedAt differs on a retry). */
    requestHash: string;
  }
>;

/** What prescribing learnt from the dispensing context; `sourceEventId` is the integration event's id. */
export type DispensingClaimRecorded = DomainEvent<
  'DispensingClaimRecorded',
  { sourceEventId: string; pharmacyId: string; claimedAt: string; expiresAt: string }
>;
export type DispensingClaimReleaseRecorded = DomainEvent<
  'DispensingClaimReleaseRecorded',
  { sourceEventId: string; pharmacyId: string; reason: 'RELEASED' | 'EXPIRED' | 'REJECTED' | 'CANCELLED' }
>;
export type DispenseRecorded = DomainEvent<
  'DispenseRecorded',
  { sourceEventId: string; dispenseId: string; pharmacyId: string; fullyDispensed: boolean }
>;
/** The race of D8, kept visible: the dispensing side dispensed after prescribing had revoked. */
export type DispensedAfterRevocation = DomainEvent<
  'DispensedAfterRevocation',
  { sourceEventId: string; dispenseId: string; pharmacyId: string; fullyDispensed: boolean; revokedAt: string }
>;
export type DispensedAfterExpiry = DomainEvent<
  'DispensedAfterExpiry',
  { sourceEventId: string; dispenseId: string; pharmacyId: string; fullyDispensed: boolean; expiredAt: string }
>;
/**
 * A refund on the dispensing side (keyed on the original dispense) put its quantities back.
 * `reopened`: the prescription had been fully dispensed and is open again (it circulates until
 * `validUntil`, as on the dispensing side), so the expiry sweeper watches it again.
 */
export type DispenseReversalRecorded = DomainEvent<
  'DispenseReversalRecorded',
  { sourceEventId: string; reversalId: string; dispenseId: string; pharmacyId: string; reversedAt: string; reopened: boolean; validUntil: string }
>;

export type RevocationRequested = DomainEvent<
  'RevocationRequested',
  { reason: string; requestedBy: string; requestedAt: string; holderPharmacyId: string | null }
>;
export type PrescriptionRevoked = DomainEvent<
  'PrescriptionRevoked',
  {
    reason: string;
    revokedBy: string;
    revokedAt: string;
    via: 'IMMEDIATE' | 'WITHDRAWN';
    dispensed: DrugQuantity[];
    /** The revocation-answered event that confirmed the withdrawal, for WITHDRAWN. */
    sourceEventId?: string;
  }
>;
export type RevocationDeclined = DomainEvent<
  'RevocationDeclined',
  { sourceEventId: string; declinedAt: string; dispensed: DrugQuantity[]; status: 'ISSUED' | 'DISPENSED' }
>;
export type PrescriptionExpired = DomainEvent<'PrescriptionExpired', { expiredAt: string; validUntil: string }>;

export type PrescriptionEvent =
  | PrescriptionIssued
  | DispensingClaimRecorded
  | DispensingClaimReleaseRecorded
  | DispenseRecorded
  | DispensedAfterRevocation
  | DispensedAfterExpiry
  | DispenseReversalRecorded
  | RevocationRequested
  | PrescriptionRevoked
  | RevocationDeclined
  | PrescriptionExpired;

export type PrescriptionEventType = PrescriptionEvent['type'];
