import { createHash, verify, type KeyObject } from 'node:crypto';
import { canonicalJson } from '@rx/kernel';
import { PrescribingEventTypes, prescriptionSignedContent, type PrescriptionIssuedV1, type PrescriptionSignedContentV1 } from './prescribing';

/**
 * Every party that learns a prescription checks its seal (P5, issue 21): the content hash over the
 * canonical content, and the institution's Ed25519 signature over the same bytes, with the key the
 * reference data says was in force at `issuedAt`. These codes are the stable dead-letter reasons.
 */
export const PrescriptionSealFailures = {
  /** `signingKeyInstitutionId` is not the issuing institution: one institution's key cannot vouch for another's prescription. */
  signerMismatch: 'PRESCRIPTION_SIGNER_MISMATCH',
  /** `contentHash` is not the sha-256 of the canonical signed content: the content was changed after issue. */
  contentHashMismatch: 'PRESCRIPTION_CONTENT_HASH_MISMATCH',
  /** The reference data knows no key of the institution in force at `issuedAt`. */
  signingKeyUnknown: 'PRESCRIPTION_SIGNING_KEY_UNKNOWN',
  /** The signature does not verify over the canonical content with that key. */
  signatureInvalid: 'PRESCRIPTION_SIGNATURE_INVALID',
} as const;

export type PrescriptionSealFailure = (typeof PrescriptionSealFailures)[keyof typeof PrescriptionSealFailures];

export type PrescriptionSealVerdict = { ok: true } | { ok: false; code: PrescriptionSealFailure; reason: string };

/** The institution's public key in force at an instant (`ReferenceDataService.institutionPublicKeyAt`). */
export type InstitutionKeyAt = (institutionId: string, at: string) => KeyObject | undefined;

/** The exact bytes the institution hashes and signs. */
export function prescriptionCanonicalContent(e: PrescriptionIssuedV1 | PrescriptionSignedContentV1): string {
  return canonicalJson(prescriptionSignedContent(e));
}

export function prescriptionContentHash(e: PrescriptionIssuedV1 | PrescriptionSignedContentV1): string {
  return createHash('sha256').update(prescriptionCanonicalContent(e), 'utf8').digest('hex');
}

/**
 * Checks a contract-valid issued event's seal. The hash is checked before the signature so a
 * changed field is named as such; both cover the same bytes, so either failing refuses it.
 */
export function verifyPrescriptionSeal(data: PrescriptionIssuedV1, keyAt: InstitutionKeyAt): PrescriptionSealVerdict {
  const fail = (code: PrescriptionSealFailure, reason: string): PrescriptionSealVerdict => ({ ok: false, code, reason });
  if (data.signingKeyInstitutionId !== data.institutionId) {
    return fail(PrescriptionSealFailures.signerMismatch, `signed by ${data.signingKeyInstitutionId}, issued by ${data.institutionId}`);
  }
  const canonical = prescriptionCanonicalContent(data);
  if (createHash('sha256').update(canonical, 'utf8').digest('hex') !== data.contentHash) {
    return fail(PrescriptionSealFailures.contentHashMismatch, 'contentHash is not the sha-256 of the canonical content');
  }
  const key = keyAt(data.signingKeyInstitutionId, data.issuedAt);
  if (!key) return fail(PrescriptionSealFailures.signingKeyUnknown, `no key of institution ${data.signingKeyInstitutionId} in force at ${data.issuedAt}`);
  let valid = false;
  try {
    valid = verify(null, Buffer.from(canonical, 'utf8'), key, Buffer.from(data.signature, 'base64'));
  } catch {
    valid = false;
  }
  if (!valid) return fail(PrescriptionSealFailures.signatureInvalid, `the signature does not verify with the key of ${data.signingKeyInstitutionId} in force at ${data.issuedAt}`);
  return { ok: true };
}

/**
 * For consumers of rx.prescribing.v1, after the contract check: a dead-letter reason
 * (`<type>: <CODE>: <detail>`) when an issued event's seal fails, else undefined. Other types carry
 * no seal.
 */
export function prescriptionSealRefusal(event: { type: string; data: unknown }, keyAt: InstitutionKeyAt): { code: PrescriptionSealFailure; reason: string } | undefined {
  if (event.type !== PrescribingEventTypes.prescriptionIssued) return undefined;
  const verdict = verifyPrescriptionSeal(event.data as PrescriptionIssuedV1, keyAt);
  return verdict.ok ? undefined : { code: verdict.code, reason: `${event.type}: ${verdict.code}: ${verdict.reason}` };
}
