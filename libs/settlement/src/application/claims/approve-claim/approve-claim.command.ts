import { Command } from '@nestjs/cqrs';
import type { AuthenticatedActor } from '@rx/auth';
import type { RefusedLine } from '../../../domain/pharmacy-claim.decider';
import type { ClaimView } from '../claim.view';

export class ApproveClaimCommand extends Command<ClaimView> {
  constructor(
    readonly actor: AuthenticatedActor,
    readonly claimId: string,
    readonly refusedLines: RefusedLine[],
  ) {
    super();
  }
}
