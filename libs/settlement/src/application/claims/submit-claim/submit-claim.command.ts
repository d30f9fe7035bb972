import { Command } from '@nestjs/cqrs';
import type { AuthenticatedActor } from '@rx/auth';
import type { ClaimView } from '../claim.view';

export class SubmitClaimCommand extends Command<ClaimView> {
  constructor(
    readonly actor: AuthenticatedActor,
    readonly periodStart: string,
    readonly periodEnd: string,
    /** Client-chosen id for idempotent retries (also repairs a submission interrupted after the reservation). */
    readonly claimId?: string,
  ) {
    super();
  }
}
