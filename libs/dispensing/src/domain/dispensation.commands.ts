import type { InstitutionLevel, InsuranceType, DrugClass } from '@rx/reference-data';

export interface PrescribedItem {
  lineNo: number;
  drugCode: string;
  drugName: string;
  drugClass: DrugClass;
  special: boolean;
  quantity: number;
  unit: string;
  daysSupply: number;
  referencePriceFen: number;
}

/** What the context learns from prescribing's issued event (the only way it learns a prescription). */
export interface CirculatedPrescription {
  prescriptionId: string;
  patientId: string;
  insuranceType: InsuranceType;
  retired: boolean;
  institutionId: string;
  institutionLevel: InstitutionLevel;
  regionCode: string;
  longTerm: boolean;
  /** ISO instants. */
  issuedAt: string;
  validUntil: string;
  /** Hash of the pickup code as prescribing published it; the code itself never travels. */
  pickupCodeHash: string;
  items: PrescribedItem[];
}

export interface RegisterPrescription {
  type: 'RegisterPrescription';
  data: CirculatedPrescription & { sourceEventId: string };
}

/** Facts about the claiming pharmacy, looked up by the application (reference data, agreements). */
export interface PharmacyFacts {
  agreementActive: boolean;
  outpatientPooling: boolean;
  designatedSpecialDrugs: readonly string[];
}

export interface ClaimPrescription {
  type: 'ClaimPrescription';
  data: {
    pharmacyId: string;
    pharmacistId: string;
    /** The presented pickup code, hashed by the application the same way prescribing hashed it. */
    pickupCodeHash: string;
    pharmacy: PharmacyFacts;
    /** Set while the pharmacy is locked out for wrong codes across prescriptions (its own guard stream). */
    pharmacyPickupLockedUntil?: string;
  };
}

/** Issued by the application after a claim was refused with PICKUP_CODE_INVALID (a refusal appends nothing). */
export interface RecordFailedPickupAttempt {
  type: 'RecordFailedPickupAttempt';
  data: { pharmacyId: string };
}

export interface ReleaseClaim {
  type: 'ReleaseClaim';
  data: { pharmacyId: string };
}

/** Issued by a time-to-live sweeper; a no-op unless the claim has really lapsed. */
export interface ExpireClaim {
  type: 'ExpireClaim';
  data: Record<string, never>;
}

export type ReviewDecision = 'APPROVED' | 'REJECTED';

export interface ReviewPrescription {
  type: 'ReviewPrescription';
  data: { pharmacyId: string; pharmacistId: string; decision: ReviewDecision; reasons: readonly string[] };
}

export interface DispenseLineInput {
  drugCode: string;
  quantity: number;
  unitPriceFen: number;
  batchNo: string;
  traceCodes: readonly string[];
}

export interface Dispense {
  type: 'Dispense';
  data: {
    dispenseId: string;
    pharmacyId: string;
    pharmacistId: string;
    lines: readonly DispenseLineInput[];
    deliveryFeeFen?: number;
  };
}

export interface ReverseDispense {
  type: 'ReverseDispense';
  data: { reversalId: string; dispenseId: string; pharmacyId: string; pharmacistId: string; reason: string };
}

/** From prescribing's revocation-requested or prescription-revoked event (D8). */
export interface ApplyRevocation {
  type: 'ApplyRevocation';
  data: { sourceEventId: string; source: 'revocation-requested' | 'prescription-revoked' };
}

/** From prescribing's prescription-expired event. */
export interface ApplyPrescriptionExpired {
  type: 'ApplyPrescriptionExpired';
  data: { sourceEventId: string };
}

export type DispensationCommand =
  | RegisterPrescription
  | ClaimPrescription
  | RecordFailedPickupAttempt
  | ReleaseClaim
  | ExpireClaim
  | ReviewPrescription
  | Dispense
  | ReverseDispense
  | ApplyRevocation
  | ApplyPrescriptionExpired;
