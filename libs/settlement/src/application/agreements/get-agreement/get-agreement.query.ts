import { Query } from '@nestjs/cqrs';
import type { AuthenticatedActor } from '@rx/auth';
import type { AgreementView } from '../agreement.view';

export class GetAgreementQuery extends Query<AgreementView> {
  constructor(
    readonly actor: AuthenticatedActor,
    readonly pharmacyId: string,
  ) {
    super();
  }
}
