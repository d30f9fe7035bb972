import { exhaustive } from '@rx/kernel';
import type { IssuedPrescription, PrescriptionStatus } from '../../domain/prescription.decider';
import type { Diagnosis, PrescriptionItem } from '../../domain/prescription.events';

/** The current view of a prescription. Never the pickup code nor its hash. */
export interface PrescriptionView {
  prescriptionId: string;
  status: Exclude<PrescriptionStatus, 'NONE'>;
  institutionId: string;
  institutionLevel: number;
  agreementInstitutionId: string;
  regionCode: string;
  physicianId: string;
  patientId: string;
  insuranceType: string;
  retired: boolean;
  longTerm: boolean;
  issuedAt: string;
  validUntil: string;
  items: PrescriptionItem[];
  diagnoses: Diagnosis[];
  contentHash: string;
  signature: string;
  signingKeyInstitutionId: string;
  /** `reversedDispenseIds`: dispenses refunded since (their quantities are back on the prescription). */
  dispensing: { holderPharmacyId: string | null; dispenseIds: string[]; reversedDispenseIds: string[]; fullyDispensed: boolean };
  revocation?: { reason: string; requestedBy: string; requestedAt: string; revokedAt?: string; via?: 'IMMEDIATE' | 'WITHDRAWN' };
  expiredAt?: string;
  /** Dispenses the dispensing side reported after revocation or expiry (the D8 race), kept visible. */
  lateDispenseIds?: string[];
}

export function toPrescriptionView(s: IssuedPrescription): PrescriptionView {
  const { rx } = s;
  const view: PrescriptionView = {
    prescriptionId: rx.prescriptionId,
    status: s.status,
    institutionId: rx.institutionId,
    institutionLevel: rx.institutionLevel,
    agreementInstitutionId: rx.agreementInstitutionId,
    regionCode: rx.regionCode,
    physicianId: rx.physicianId,
    patientId: rx.patientId,
    insuranceType: rx.insuranceType,
    retired: rx.retired,
    longTerm: rx.longTerm,
    issuedAt: rx.issuedAt,
    validUntil: rx.validUntil,
    items: rx.items,
    diagnoses: rx.diagnoses,
    contentHash: rx.contentHash,
    signature: rx.signature,
    signingKeyInstitutionId: rx.signingKeyInstitutionId,
    dispensing: { holderPharmacyId: s.holderPharmacyId, dispenseIds: s.dispenseIds, reversedDispenseIds: s.reversedDispenseIds, fullyDispensed: s.fullyDispensed },
  };
  switch (s.status) {
    case 'ISSUED':
    case 'DISPENSED':
      return view;
    case 'REVOCATION_PENDING':
      return { ...view, revocation: { ...s.revocation } };
    case 'REVOKED':
      return { ...view, revocation: { ...s.revocation }, lateDispenseIds: s.dispensedAfterRevocation };
    case 'EXPIRED':
      return { ...view, expiredAt: s.expiredAt, lateDispenseIds: s.dispensedAfterExpiry };
    default:
      return exhaustive(s, 'prescription state');
  }
}
