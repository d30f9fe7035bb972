import { CommandHandler, QueryHandler, type ICommandHandler, type IQueryHandler } from '@nestjs/cqrs';
import { chinaYear, derivedId } from '@rx/kernel';
import { allotmentYearsDue, personalAccountDecider } from '../../domain/personal-account.decider';
import { personalAccountStreamId } from '../../domain/stream-ids';
import { PersonalAccountNotFound } from '../settlement-app.errors';
import { SettlementStore } from '../settlement-store';
import { CreditPersonalAccountCommand, GetPersonalAccountQuery, type CreditResult } from './personal-account.commands';
import { PersonalAccounts } from './personal-accounts';
import { toPersonalAccountView, type PersonalAccountView } from './personal-account.view';

/** An agency credit (contributions): the account is brought up to date first, then credited once per creditId. */
@CommandHandler(CreditPersonalAccountCommand)
export class CreditPersonalAccountHandler implements ICommandHandler<CreditPersonalAccountCommand, CreditResult> {
  constructor(
    private readonly s: SettlementStore,
    private readonly accounts: PersonalAccounts,
  ) {}

  async execute({ actor, holderId, creditId, amountFen, note }: CreditPersonalAccountCommand): Promise<CreditResult> {
    const payer = this.accounts.holder(holderId);
    if (!payer) throw new PersonalAccountNotFound(`${holderId} holds no personal account`, { field: 'holderId' });
    const correlationId = this.s.nextId();
    await this.accounts.ensure(payer, chinaYear(this.s.now()), { correlationId, causationId: correlationId });
    const out = await this.s.run(
      personalAccountStreamId(holderId),
      personalAccountDecider,
      { type: 'CreditPersonalAccount', data: { holderId, creditId, amountFen, note } },
      {
        actor: { role: actor.role, id: actor.id },
        correlationId,
        causationId: correlationId,
        eventId: () => derivedId('settlement:account-credit', holderId, creditId),
      },
    );
    const balanceFen = out.state.status === 'open' ? out.state.balanceFen : 0;
    return { holderId, creditId, amountFen, duplicate: out.events.length === 0 || out.duplicate, balanceFen };
  }
}

@QueryHandler(GetPersonalAccountQuery)
export class GetPersonalAccountHandler implements IQueryHandler<GetPersonalAccountQuery, PersonalAccountView> {
  constructor(
    private readonly s: SettlementStore,
    private readonly accounts: PersonalAccounts,
  ) {}

  async execute({ holderId }: GetPersonalAccountQuery): Promise<PersonalAccountView> {
    const payer = this.accounts.holder(holderId);
    if (!payer) throw new PersonalAccountNotFound(`${holderId} holds no personal account`, { field: 'holderId' });
    const { state, events } = await this.s.load(personalAccountStreamId(holderId), personalAccountDecider);
    const year = chinaYear(this.s.now());
    const pendingYears = allotmentYearsDue(state, year).filter((y) => this.accounts.allotmentFor(payer, y) > 0);
    return toPersonalAccountView(holderId, payer.openingBalanceFen, events, { annualFen: this.accounts.allotmentFor(payer, year), pendingYears });
  }
}
