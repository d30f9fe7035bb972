import { Command, Query } from '@nestjs/cqrs';
import type { AuthenticatedActor } from '@rx/auth';
import type { PersonalAccountView } from './personal-account.view';

export interface CreditResult {
  holderId: string;
  creditId: string;
  amountFen: number;
  /** True when this creditId was already posted with the same content (a retry): nothing was added. */
  duplicate: boolean;
  balanceFen: number;
}

export class CreditPersonalAccountCommand extends Command<CreditResult> {
  constructor(
    readonly actor: AuthenticatedActor,
    readonly holderId: string,
    readonly creditId: string,
    readonly amountFen: number,
    readonly note: string | null,
  ) {
    super();
  }
}

export class GetPersonalAccountQuery extends Query<PersonalAccountView> {
  constructor(readonly holderId: string) {
    super();
  }
}
