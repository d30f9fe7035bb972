import { Query } from '@nestjs/cqrs';
import type { AuthenticatedActor } from '@rx/auth';
import type { ClaimView } from '../claim.view';

export class GetClaimQuery extends Query<ClaimView> {
  constructor(
    readonly actor: AuthenticatedActor,
    readonly claimId: string,
  ) {
    super();
  }
}
