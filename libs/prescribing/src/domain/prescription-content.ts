import { createHash } from 'node:crypto';
import { prescriptionCanonicalContent } from '@rx/contracts';
import { canonicalJson } from '@rx/kernel';
import type { IssuePrescription } from './prescription.commands';
import type { PrescriptionContent } from './prescription.events';

/**
 * Signs the canonical content bytes with the institution's key. Ed25519 (RFC 8032) signatures are
 * deterministic, so a decider holding a signer stays a pure function of command, state and time.
 * Throws SigningKeyUnavailable when the institution has no key.
 */
export interface PrescriptionSigner {
  sign(institutionId: string, canonicalContent: string): string;
}

export const PRESCRIPTION_SIGNER = Symbol('PrescriptionSigner');

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The exact bytes that are hashed and signed (P5): the contract's definition, the one every verifier uses. */
export function canonicalContent(content: PrescriptionContent): string {
  return prescriptionCanonicalContent(content);
}

export function contentHashOf(content: PrescriptionContent): string {
  return sha256Hex(canonicalContent(content));
}

/**
 * The prescriber's request, without anything the server adds (issue time, validity, pickup
 * code): same request + same prescriptionId = the same prescription.
 */
export function requestHashOf(cmd: IssuePrescription['data']): string {
  return sha256Hex(
    canonicalJson({
      prescriptionId: cmd.prescriptionId,
      institutionId: cmd.institutionId,
      physicianId: cmd.physicianId,
      patientId: cmd.patientId,
      longTerm: cmd.longTerm,
      diagnoses: cmd.diagnoses.map((d) => ({ code: d.code, name: d.name })),
      items: cmd.items.map((i) => ({
        drugCode: i.drugCode,
        quantity: i.quantity,
        daysSupply: i.daysSupply,
        dosage: { dose: i.dosage.dose, unit: i.dosage.unit, timesPerDay: i.dosage.timesPerDay },
      })),
    }),
  );
}
