import { pickupCodeHash } from '@rx/contracts';

/**
 * The hash a presented pickup code is compared by, computed the way prescribing stored it.
 * Crockford base32 reads I and L as 1 and O as 0, so a code read aloud or typed from paper still
 * matches; case does not matter.
 */
export function presentedPickupCodeHash(prescriptionId: string, presented: string): string {
  const code = presented.trim().toUpperCase().replace(/[IL]/g, '1').replace(/O/g, '0');
  return pickupCodeHash(prescriptionId, code);
}
