import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PrescriptionIssuedV1, PrescriptionSignedContentV1 } from '../prescribing';
import { prescriptionCanonicalContent, prescriptionContentHash } from '../prescription-seal';

/** The demo institutions' private keys shipped in data/reference/keys (public knowledge, tests only). */
export const DEMO_KEYS_DIR = join(__dirname, '../../../../data/reference/keys');

const keys = new Map<string, KeyObject>();

export function demoPrivateKey(institutionId: string): KeyObject {
  let key = keys.get(institutionId);
  if (!key) {
    key = createPrivateKey(readFileSync(join(DEMO_KEYS_DIR, `${institutionId}.pem`), 'utf8'));
    keys.set(institutionId, key);
  }
  return key;
}

/**
 * An issued event's data sealed the way prescribing seals it: the content hash and the Ed25519
 * signature over the canonical content, with `key` (default: the demo key of its signing institution).
 */
export function sealPrescription(content: PrescriptionSignedContentV1 | PrescriptionIssuedV1, key: KeyObject = demoPrivateKey(content.signingKeyInstitutionId)): PrescriptionIssuedV1 {
  const { contentHash: _h, signature: _s, ...rest } = content as PrescriptionIssuedV1;
  return {
    ...(rest as PrescriptionSignedContentV1),
    contentHash: prescriptionContentHash(content),
    signature: sign(null, Buffer.from(prescriptionCanonicalContent(content), 'utf8'), key).toString('base64'),
  };
}
