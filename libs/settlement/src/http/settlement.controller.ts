import { Controller, Get, Param } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Auth, CurrentActor, type AuthenticatedActor } from '@rx/auth';
import type { DispensePaymentView } from '../application/queries/get-dispense-payment/dispense-payment.view';
import { GetDispensePaymentQuery } from '../application/queries/get-dispense-payment/get-dispense-payment.query';
import type { BenefitsView } from '../application/queries/get-benefits/get-benefits.handler';
import { GetBenefitsQuery } from '../application/queries/get-benefits/get-benefits.query';
import type { BudgetResponseView } from '../application/queries/get-budget/get-budget.handler';
import { GetBudgetQuery } from '../application/queries/get-budget/get-budget.query';
import { IdParam, YearParam } from './params';
import { BenefitsResponse, BudgetResponse, DispensePaymentResponse } from './settlement.responses';

@ApiTags('settlement')
@Controller('settlement')
export class SettlementController {
  constructor(private readonly queries: QueryBus) {}

  @Get('dispenses/:dispenseId')
  @Auth('pharmacist', 'agency', 'auditor')
  @ApiOkResponse({ type: DispensePaymentResponse, description: 'the fund payment split of one dispense, per line and in total, with its policy version' })
  @ApiNotFoundResponse({ description: 'FUND_PAYMENT_NOT_FOUND' })
  dispense(@CurrentActor() actor: AuthenticatedActor, @Param('dispenseId', new IdParam('dispenseId')) dispenseId: string): Promise<DispensePaymentView> {
    return this.queries.execute(new GetDispensePaymentQuery(actor, dispenseId));
  }

  @Get('patients/:patientId/benefits/:year')
  @Auth('agency', 'auditor')
  @ApiOkResponse({ type: BenefitsResponse, description: 'deductible and annual caps used and remaining, and the paying personal account' })
  @ApiNotFoundResponse({ description: 'PATIENT_NOT_FOUND or POLICY_NOT_FOUND' })
  @ApiBadRequestResponse({ description: 'bad patient id or year' })
  benefits(@Param('patientId', new IdParam('patientId')) patientId: string, @Param('year', new YearParam()) year: number): Promise<BenefitsView> {
    return this.queries.execute(new GetBenefitsQuery(patientId, year));
  }

  @Get('budget/:regionCode/:year')
  @Auth('agency', 'auditor')
  @ApiOkResponse({ type: BudgetResponse, description: 'outpatient pooling budget and spend (S3)' })
  @ApiNotFoundResponse({ description: 'POLICY_NOT_FOUND' })
  budget(@Param('regionCode', new IdParam('regionCode')) regionCode: string, @Param('year', new YearParam()) year: number): Promise<BudgetResponseView> {
    return this.queries.execute(new GetBudgetQuery(regionCode, year));
  }
}
