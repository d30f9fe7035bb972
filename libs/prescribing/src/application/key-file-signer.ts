import { createPrivateKey, sign, verify, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ReferenceDataService } from '@rx/reference-data';
import type { PrescriptionSigner } from '../domain/prescription-content';
import { SigningKeyUnavailable } from '../domain/prescription.errors';

/**
 * Signs with Ed25519 private keys read from `{keysDir}/{institutionId}.pem` (PKCS#8). Each key is
 * checked at start against the public key in reference data, so a mismatched pair stops start-up
 * instead of producing signatures nobody can verify.
 */
export class KeyFileSigner implements PrescriptionSigner {
  private readonly keys = new Map<string, KeyObject>();

  constructor(keysDir: string, ref: ReferenceDataService) {
    for (const inst of ref.institutions) {
      const file = join(keysDir, `${inst.id}.pem`);
      if (!existsSync(file)) continue;
      let key: KeyObject;
      try {
        key = createPrivateKey({ key: readFileSync(file, 'utf8'), format: 'pem' });
      } catch (e) {
        throw new Error(`${file}: not a PEM private key (${(e as Error).message})`);
      }
      if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${file}: must be an Ed25519 key, found ${key.asymmetricKeyType}`);
      const probe = Buffer.from(`key check ${inst.id}`);
      if (!verify(null, probe, ref.institutionPublicKey(inst.id)!, sign(null, probe, key))) {
        throw new Error(`${file}: does not match publicKeyPem of institution ${inst.id} in reference data`);
      }
      this.keys.set(inst.id, key);
    }
  }

  sign(institutionId: string, canonicalContent: string): string {
    const key = this.keys.get(institutionId);
    if (!key) throw new SigningKeyUnavailable(`institution ${institutionId} has no signing key`);
    return sign(null, Buffer.from(canonicalContent, 'utf8'), key).toString('base64');
  }
}
