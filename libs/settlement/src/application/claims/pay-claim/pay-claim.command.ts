import { Command } from '@nestjs/cqrs';
import type { AuthenticatedActor } from '@rx/auth';
import type { ClaimView } from '../claim.view';

export class PayClaimCommand extends Command<ClaimView> {
  constructor(
    readonly actor: AuthenticatedActor,
    readonly claimId: string,
    /** Defaults to the approved amount; any other amount is refused (CLAIM_PAYMENT_MISMATCH). */
    readonly amountFen?: number,
    /** When the transfer was made; defaults to now, never in the future nor before the approval. */
    readonly paidAt?: string,
  ) {
    super();
  }
}
