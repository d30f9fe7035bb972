import type { Drug, Institution, Patient, Physician, PrescriptionPolicy } from '@rx/reference-data';
import type { Diagnosis, DrugQuantity } from './prescription.events';

export interface RequestedItem {
  drugCode: string;
  quantity: number;
  daysSupply: number;
  dosage: { dose: number; unit: string; timesPerDay: number };
}

/**
 * Reference data the handler resolved for this command. The decider stays pure: it never looks
 * anything up, and an unresolved reference (undefined) is itself a rule it judges.
 */
export interface IssueReferences {
  institution?: Institution;
  /** For an internet hospital: the physical institution it relies on (P1). */
  reliedOn?: Institution;
  physician?: Physician;
  patient?: Patient;
  /** Catalog entries of the requested drug codes; a missing code is not in the catalog. */
  drugs: Readonly<Record<string, Drug | undefined>>;
  /** Prescription limits of the institution's region for the year of issue. */
  policy?: PrescriptionPolicy;
}

export type IssuePrescription = {
  type: 'IssuePrescription';
  data: {
    prescriptionId: string;
    /** The token's subject and org: who prescribes, for which institution. */
    physicianId: string;
    institutionId: string;
    patientId: string;
    diagnoses: Diagnosis[];
    items: RequestedItem[];
    longTerm: boolean;
    /** Generated outside the decider; only the hash travels (see pickup-code.service). */
    pickupCodeHash: string;
  };
  refs: IssueReferences;
};

export type RequestRevocation = {
  type: 'RequestRevocation';
  data: { prescriptionId: string; physicianId: string; institutionId: string; reason: string };
};

/** Reactor commands: facts from rx.dispensing.v1, each carrying the integration event's id. */
export type RecordClaim = {
  type: 'RecordClaim';
  data: { sourceEventId: string; pharmacyId: string; claimedAt: string; expiresAt: string };
};
export type RecordClaimRelease = {
  type: 'RecordClaimRelease';
  data: { sourceEventId: string; pharmacyId: string; reason: 'RELEASED' | 'EXPIRED' | 'REJECTED' | 'CANCELLED' };
};
export type RecordDispense = {
  type: 'RecordDispense';
  data: { sourceEventId: string; dispenseId: string; pharmacyId: string; fullyDispensed: boolean };
};
export type RecordDispenseReversal = {
  type: 'RecordDispenseReversal';
  data: { sourceEventId: string; reversalId: string; dispenseId: string; pharmacyId: string; reversedAt: string };
};
export type RecordRevocationAnswer = {
  type: 'RecordRevocationAnswer';
  data: { sourceEventId: string; outcome: 'WITHDRAWN' | 'CANCELLATION_PENDING' | 'DECLINED'; dispensed: DrugQuantity[] };
};

export type ExpirePrescription = { type: 'ExpirePrescription'; data: { prescriptionId: string } };

export type PrescriptionCommand =
  | IssuePrescription
  | RequestRevocation
  | RecordClaim
  | RecordClaimRelease
  | RecordDispense
  | RecordDispenseReversal
  | RecordRevocationAnswer
  | ExpirePrescription;
