import { generateKeyPairSync, verify } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReferenceDataService } from '@rx/reference-data';
import { SigningKeyUnavailable } from '../domain/prescription.errors';
import { KeyFileSigner } from './key-file-signer';

const DATA = join(__dirname, '../../../../data/reference');
const ref = ReferenceDataService.load(DATA);

describe('KeyFileSigner', () => {
  it('signs with the demo keys so that the public keys in reference data verify', () => {
    const signer = new KeyFileSigner(join(DATA, 'keys'), ref);
    for (const inst of ['H001', 'H002', 'H003', 'H004']) {
      const sig = signer.sign(inst, '{"a":1}');
      expect(verify(null, Buffer.from('{"a":1}'), ref.institutionPublicKey(inst)!, Buffer.from(sig, 'base64'))).toBe(true);
      expect(signer.sign(inst, '{"a":1}')).toBe(sig); // Ed25519 is deterministic
    }
  });

  it('refuses to sign for an institution without a key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rx-keys-'));
    try {
      expect(() => new KeyFileSigner(dir, ref).sign('H001', '{}')).toThrow(SigningKeyUnavailable);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stops start-up when a private key does not match the published public key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rx-keys-'));
    try {
      cpSync(join(DATA, 'keys'), dir, { recursive: true });
      writeFileSync(join(dir, 'H002.pem'), generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }));
      expect(() => new KeyFileSigner(dir, ref)).toThrow(/H002\.pem: does not match publicKeyPem of institution H002/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
