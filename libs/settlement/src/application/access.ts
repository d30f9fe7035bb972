import type { AuthenticatedActor } from '@rx/auth';
import { NotOwnPharmacy } from './settlement-app.errors';

/** Agency and auditors see every pharmacy; a pharmacist only their own (the token's org). */
export function assertPharmacyAccess(actor: AuthenticatedActor, pharmacyId: string): void {
  if (actor.role === 'pharmacist' && actor.org !== pharmacyId) throw new NotOwnPharmacy('a pharmacist sees only their own pharmacy');
}
