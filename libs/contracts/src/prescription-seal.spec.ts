import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { PrescriptionSignedContentV1 } from './prescribing';
import { PrescriptionSealFailures, prescriptionSealRefusal, verifyPrescriptionSeal, type InstitutionKeyAt } from './prescription-seal';
import { demoPrivateKey, sealPrescription } from './testing';

const content = (over: Partial<PrescriptionSignedContentV1> = {}): PrescriptionSignedContentV1 => ({
  prescriptionId: 'RX-SEAL-1',
  institutionId: 'H001',
  institutionLevel: 1,
  agreementInstitutionId: 'H001',
  regionCode: '522700',
  physicianId: 'D001',
  patientId: 'PT001',
  insuranceType: 'employee',
  retired: false,
  longTerm: false,
  issuedAt: '2026-03-02T01:00:00.000Z',
  validUntil: '2026-03-05T01:00:00.000Z',
  items: [
    { lineNo: 1, drugCode: 'MET-500', drugName: 'metformin', drugClass: 'A', special: false, quantity: 14, unit: 'tablet', daysSupply: 7, dosage: { dose: 1, unit: 'tablet', timesPerDay: 2 }, referencePriceFen: 50 },
  ],
  diagnoses: [{ code: 'E11.9', name: 'type 2 diabetes' }],
  pickupCodeHash: 'a'.repeat(64),
  signingKeyInstitutionId: 'H001',
  ...over,
});

const publicOf = (id: string) => createPublicKey(demoPrivateKey(id));
/** H001's demo key from 2026-01-01; before it, from 2025, a key since retired. */
const retired = generateKeyPairSync('ed25519');
const keyAt: InstitutionKeyAt = (id, at) => {
  if (id === 'H001') {
    if (at >= '2026-01-01T00:00:00.000Z') return publicOf('H001');
    if (at >= '2025-01-01T00:00:00.000Z') return retired.publicKey;
    return undefined;
  }
  if (id === 'H002') return publicOf('H002');
  return undefined;
};

describe('verifyPrescriptionSeal: the content hash and the signature of an issued prescription', () => {
  it('given a prescription sealed with its institution key in force at issue, then it verifies', () => {
    expect(verifyPrescriptionSeal(sealPrescription(content()), keyAt)).toEqual({ ok: true });
  });

  it('given a prescription issued before a rotation and sealed with the key of then, then it verifies with that key, not with today\'s', () => {
    const old = content({ issuedAt: '2025-06-01T01:00:00.000Z', validUntil: '2025-06-04T01:00:00.000Z' });
    expect(verifyPrescriptionSeal(sealPrescription(old, retired.privateKey), keyAt)).toEqual({ ok: true });
    expect(verifyPrescriptionSeal(sealPrescription(old), keyAt)).toMatchObject({ ok: false, code: PrescriptionSealFailures.signatureInvalid });
    // The retired key no longer vouches for anything issued after the rotation.
    expect(verifyPrescriptionSeal(sealPrescription(content(), retired.privateKey), keyAt)).toMatchObject({ ok: false, code: PrescriptionSealFailures.signatureInvalid });
  });

  it('given ten times the quantity and the original hash and signature, then the hash mismatch is named', () => {
    const genuine = sealPrescription(content());
    const forged = { ...genuine, items: [{ ...genuine.items[0], quantity: 140 }] };
    expect(verifyPrescriptionSeal(forged, keyAt)).toMatchObject({ ok: false, code: PrescriptionSealFailures.contentHashMismatch });
  });

  it('given a new prescription id with the hash recomputed but the old signature, then the signature is refused', () => {
    const genuine = sealPrescription(content());
    const copy = { ...genuine, prescriptionId: 'RX-SEAL-COPY' };
    const rehashed = { ...copy, contentHash: sealPrescription(copy, generateKeyPairSync('ed25519').privateKey).contentHash };
    expect(verifyPrescriptionSeal(rehashed, keyAt)).toMatchObject({ ok: false, code: PrescriptionSealFailures.signatureInvalid });
  });

  it('given a prescription sealed with a key of nobody, then the signature is refused', () => {
    const stranger: KeyObject = generateKeyPairSync('ed25519').privateKey;
    expect(verifyPrescriptionSeal(sealPrescription(content(), stranger), keyAt)).toMatchObject({ ok: false, code: PrescriptionSealFailures.signatureInvalid });
  });

  it("given H001's prescription sealed with H002's genuine key, then the signer mismatch is refused", () => {
    const borrowed = sealPrescription(content({ signingKeyInstitutionId: 'H002' }));
    expect(verifyPrescriptionSeal(borrowed, keyAt)).toMatchObject({ ok: false, code: PrescriptionSealFailures.signerMismatch });
  });

  it('given an institution without a key in force at the issue time, then the unknown key is named', () => {
    expect(verifyPrescriptionSeal(sealPrescription(content({ issuedAt: '2024-03-02T01:00:00.000Z' }), retired.privateKey), keyAt)).toMatchObject({
      ok: false,
      code: PrescriptionSealFailures.signingKeyUnknown,
    });
    const h404 = sealPrescription(content({ institutionId: 'H404', signingKeyInstitutionId: 'H404' }), retired.privateKey);
    expect(verifyPrescriptionSeal(h404, keyAt)).toMatchObject({ ok: false, code: PrescriptionSealFailures.signingKeyUnknown });
  });

  it('given a signature that is not 64 bytes, then it is refused, not thrown', () => {
    const genuine = sealPrescription(content());
    expect(verifyPrescriptionSeal({ ...genuine, signature: 'c2lnbmF0dXJl' }, keyAt)).toMatchObject({ ok: false, code: PrescriptionSealFailures.signatureInvalid });
  });

  it('prescriptionSealRefusal: a reason of the form "<type>: <CODE>: …" for an issued event, nothing for other types', () => {
    const forged = { ...sealPrescription(content()), patientId: 'PT002' };
    const refusal = prescriptionSealRefusal({ type: 'rx.prescribing.prescription-issued.v1', data: forged }, keyAt);
    expect(refusal?.code).toBe('PRESCRIPTION_CONTENT_HASH_MISMATCH');
    expect(refusal?.reason).toMatch(/^rx\.prescribing\.prescription-issued\.v1: PRESCRIPTION_CONTENT_HASH_MISMATCH: /);
    expect(prescriptionSealRefusal({ type: 'rx.prescribing.prescription-expired.v1', data: {} }, keyAt)).toBeUndefined();
  });
});
