import { Body, Controller, Get, Param, Post } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBadRequestResponse, ApiConflictResponse, ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Auth, CurrentActor, type AuthenticatedActor } from '@rx/auth';
import { CreditPersonalAccountCommand, GetPersonalAccountQuery, type CreditResult } from '../application/accounts/personal-account.commands';
import type { PersonalAccountView } from '../application/accounts/personal-account.view';
import { IdParam } from './params';
import { CreditPersonalAccountRequest } from './settlement.requests';
import { PersonalAccountBalanceResponse, PersonalAccountCreditResponse } from './settlement.responses';

@ApiTags('settlement: personal accounts')
@Controller('settlement/personal-accounts')
export class PersonalAccountsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Post(':holderId/credits')
  @Auth('agency')
  @ApiCreatedResponse({ type: PersonalAccountCreditResponse, description: 'credited (or a retry of a credit already posted: duplicate true, nothing added)' })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED (holderId, creditId, amountFen, note)' })
  @ApiNotFoundResponse({ description: 'PERSONAL_ACCOUNT_NOT_FOUND: unknown holder or no account of their own' })
  @ApiConflictResponse({ description: 'PERSONAL_ACCOUNT_CREDIT_CONFLICT: the creditId was posted with other content' })
  credit(
    @CurrentActor() actor: AuthenticatedActor,
    @Param('holderId', new IdParam('holderId')) holderId: string,
    @Body() body: CreditPersonalAccountRequest,
  ): Promise<CreditResult> {
    return this.commands.execute(new CreditPersonalAccountCommand(actor, holderId, body.creditId, body.amountFen, body.note ?? null));
  }

  @Get(':holderId')
  @Auth('agency', 'auditor')
  @ApiOkResponse({ type: PersonalAccountBalanceResponse, description: 'the continuing balance and every movement, with the balance after each' })
  @ApiNotFoundResponse({ description: 'PERSONAL_ACCOUNT_NOT_FOUND' })
  get(@Param('holderId', new IdParam('holderId')) holderId: string): Promise<PersonalAccountView> {
    return this.queries.execute(new GetPersonalAccountQuery(holderId));
  }
}
