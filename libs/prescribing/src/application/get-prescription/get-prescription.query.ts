import { Query } from '@nestjs/cqrs';
import type { AuthenticatedActor } from '@rx/auth';
import type { PrescriptionView } from './prescription.view';

export class GetPrescriptionQuery extends Query<PrescriptionView> {
  constructor(
    readonly actor: AuthenticatedActor,
    readonly prescriptionId: string,
  ) {
    super();
  }
}
