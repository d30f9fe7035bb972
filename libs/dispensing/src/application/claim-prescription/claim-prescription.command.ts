import { Command } from '@nestjs/cqrs';
import type { AuthenticatedActor } from '@rx/auth';

export interface ClaimResult {
  prescriptionId: string;
  pharmacyId: string;
  pharmacistId: string;
  claimedAt: string;
  expiresAt: string;
  /** False when the same pharmacy got its live claim back (idempotent re-claim). */
  created: boolean;
  /** D8: the prescriber asked to revoke while this pharmacy held it; release it. */
  cancellationPending: boolean;
}

export class ClaimPrescriptionCommand extends Command<ClaimResult> {
  constructor(
    readonly actor: AuthenticatedActor,
    readonly prescriptionId: string,
    readonly pickupCode: string,
  ) {
    super();
  }
}
