import { createHmac } from 'node:crypto';
import { pickupCodeHash } from '@rx/contracts';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const PICKUP_CODE_LENGTH = 8;

/**
 * Pickup codes are derived, not random: HMAC-SHA256(secret, prescriptionId) → 40 bits → 8 Crockford
 * base32 characters (about 1.1e12 codes). The events keep only the salted hash, yet an idempotent
 * re-issue can return the same code again, and no code is ever stored in clear.
 */
export class PickupCodes {
  constructor(private readonly secret: string) {
    if (!secret || secret.length < 16) throw new Error('pickup code secret must be at least 16 characters');
  }

  codeFor(prescriptionId: string): string {
    const mac = createHmac('sha256', this.secret).update(`rx-pickup-code|${prescriptionId}`, 'utf8').digest();
    let bits = 0n;
    for (let i = 0; i < 5; i++) bits = (bits << 8n) | BigInt(mac[i]);
    let code = '';
    for (let i = 0; i < PICKUP_CODE_LENGTH; i++) {
      code = CROCKFORD[Number(bits & 31n)] + code;
      bits >>= 5n;
    }
    return code;
  }

  hashFor(prescriptionId: string): string {
    return pickupCodeHash(prescriptionId, this.codeFor(prescriptionId));
  }
}

export const PICKUP_CODES = Symbol('PickupCodes');
