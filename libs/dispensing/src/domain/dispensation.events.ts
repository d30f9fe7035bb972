import type { CirculatedPrescription, ReviewDecision } from './dispensation.commands';
import type { DrugClass } from '@rx/reference-data';

/** Stored event types are explicit strings, never class names; a shape change gets a new type. */

export interface DrugQuantity {
  drugCode: string;
  quantity: number;
}

export type ClaimReleaseReason = 'RELEASED' | 'EXPIRED' | 'REJECTED' | 'CANCELLED';
export type WithdrawalReason = 'REVOKED' | 'EXPIRED';
export type RevocationOutcome = 'WITHDRAWN' | 'CANCELLATION_PENDING' | 'DECLINED';

export interface PrescriptionRegistered {
  type: 'PrescriptionRegistered';
  data: CirculatedPrescription & { sourceEventId: string };
}

export interface PickupAttemptFailed {
  type: 'PickupAttemptFailed';
  data: { prescriptionId: string; pharmacyId: string; failedAt: string };
}

export interface PickupLocked {
  type: 'PickupLocked';
  /** `pharmacyId`: the pharmacy locked out (events written before issue 15.4 lack it and lock nobody). */
  data: { prescriptionId: string; pharmacyId: string; failures: number; lockedAt: string; lockedUntil: string };
}

export interface PrescriptionClaimed {
  type: 'PrescriptionClaimed';
  data: { prescriptionId: string; pharmacyId: string; pharmacistId: string; claimedAt: string; expiresAt: string };
}

export interface ClaimReleased {
  type: 'ClaimReleased';
  data: { prescriptionId: string; pharmacyId: string; reason: ClaimReleaseReason; releasedAt: string };
}

export interface PrescriptionReviewed {
  type: 'PrescriptionReviewed';
  data: {
    prescriptionId: string;
    pharmacyId: string;
    pharmacistId: string;
    decision: ReviewDecision;
    reasons: string[];
    reviewedAt: string;
  };
}

export interface DispensedLine {
  lineNo: number;
  drugCode: string;
  drugName: string;
  drugClass: DrugClass;
  special: boolean;
  unit: string;
  quantity: number;
  unitPriceFen: number;
  referencePriceFen: number;
  amountFen: number;
  aboveReferencePrice: boolean;
  batchNo: string;
  traceCodes: string[];
  /** ceil(quantity x prescribed daysSupply / prescribed quantity). */
  daysSupply: number;
}

/** Self-describing for settlement and audit: carries the patient and institution facts it was priced under. */
export interface PrescriptionDispensed {
  type: 'PrescriptionDispensed';
  data: {
    dispenseId: string;
    prescriptionId: string;
    pharmacyId: string;
    pharmacistId: string;
    patientId: string;
    insuranceType: CirculatedPrescription['insuranceType'];
    retired: boolean;
    regionCode: string;
    institutionId: string;
    institutionLevel: CirculatedPrescription['institutionLevel'];
    longTerm: boolean;
    instalment: number;
    daysSupply: number;
    dispensedAt: string;
    lines: DispensedLine[];
    deliveryFeeFen: number;
    fullyDispensed: boolean;
    remaining: DrugQuantity[];
  };
}

export interface DispenseReversed {
  type: 'DispenseReversed';
  data: {
    reversalId: string;
    dispenseId: string;
    prescriptionId: string;
    pharmacyId: string;
    pharmacistId: string;
    reason: string;
    reversedAt: string;
    /** Quantities returned to the prescription. */
    lines: DrugQuantity[];
  };
}

export interface CancellationMarked {
  type: 'CancellationMarked';
  data: { prescriptionId: string; pharmacyId: string; sourceEventId: string; markedAt: string };
}

export interface PrescriptionWithdrawn {
  type: 'PrescriptionWithdrawn';
  data: { prescriptionId: string; reason: WithdrawalReason; dispensed: DrugQuantity[]; withdrawnAt: string };
}

/** The answer to one revocation request (prescribing's event id), whatever the outcome. */
export interface RevocationAnswered {
  type: 'RevocationAnswered';
  data: { prescriptionId: string; sourceEventId: string; outcome: RevocationOutcome; dispensed: DrugQuantity[]; answeredAt: string };
}

export type DispensationEvent =
  | PrescriptionRegistered
  | PickupAttemptFailed
  | PickupLocked
  | PrescriptionClaimed
  | ClaimReleased
  | PrescriptionReviewed
  | PrescriptionDispensed
  | DispenseReversed
  | CancellationMarked
  | PrescriptionWithdrawn
  | RevocationAnswered;

export type DispensationEventType = DispensationEvent['type'];
