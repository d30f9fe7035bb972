import { Query } from '@nestjs/cqrs';
import type { BenefitsView } from './get-benefits.handler';

export class GetBenefitsQuery extends Query<BenefitsView> {
  constructor(
    readonly patientId: string,
    readonly year: number,
  ) {
    super();
  }
}
