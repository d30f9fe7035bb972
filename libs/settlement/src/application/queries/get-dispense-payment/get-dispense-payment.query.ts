import { Query } from '@nestjs/cqrs';
import type { AuthenticatedActor } from '@rx/auth';
import type { DispensePaymentView } from './dispense-payment.view';

export class GetDispensePaymentQuery extends Query<DispensePaymentView> {
  constructor(
    readonly actor: AuthenticatedActor,
    readonly dispenseId: string,
  ) {
    super();
  }
}
