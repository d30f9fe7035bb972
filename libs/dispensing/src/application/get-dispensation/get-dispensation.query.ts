import { Query } from '@nestjs/cqrs';
import type { AuthenticatedActor } from '@rx/auth';
import type { DispensationDetails } from './dispensation.view';

export class GetDispensationQuery extends Query<DispensationDetails> {
  constructor(
    readonly actor: AuthenticatedActor,
    readonly prescriptionId: string,
  ) {
    super();
  }
}
