import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBadRequestResponse, ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { Auth, CurrentActor, type AuthenticatedActor } from '@rx/auth';
import type { AgreementView } from '../application/agreements/agreement.view';
import { DissolveAgreementCommand } from '../application/agreements/dissolve-agreement/dissolve-agreement.command';
import { GetAgreementQuery } from '../application/agreements/get-agreement/get-agreement.query';
import { GetPharmacyRecoveriesQuery, type PharmacyRecoveriesView } from '../application/claims/recoveries/get-recoveries';
import { IdParam } from './params';
import { AgreementResponse, PharmacyRecoveriesResponse } from './settlement.responses';
import { DissolveAgreementRequest } from './settlement.requests';

@ApiTags('settlement: agreements')
@Controller('settlement/pharmacies')
export class AgreementsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Post(':id/agreement/dissolve')
  @HttpCode(200)
  @Auth('agency')
  @ApiOkResponse({ type: AgreementResponse, description: 'dissolved; expenses from effectiveAt on are not settled and dispensing learns it (rx.settlement.agreement-dissolved.v1)' })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED (reasonCode, effectiveAt)' })
  @ApiNotFoundResponse({ description: 'AGREEMENT_NOT_FOUND: unknown pharmacy' })
  @ApiConflictResponse({ description: 'AGREEMENT_ALREADY_DISSOLVED' })
  @ApiUnprocessableEntityResponse({ description: 'DISSOLUTION_RETROACTIVE: effectiveAt before now' })
  dissolve(
    @CurrentActor() actor: AuthenticatedActor,
    @Param('id', new IdParam('id')) pharmacyId: string,
    @Body() body: DissolveAgreementRequest,
  ): Promise<AgreementView> {
    return this.commands.execute(new DissolveAgreementCommand(actor, pharmacyId, body.reasonCode, body.effectiveAt));
  }

  @Get(':id/recoveries')
  @Auth('agency', 'auditor', 'pharmacist')
  @ApiOkResponse({ type: PharmacyRecoveriesResponse, description: 'recoveries (冲销) of refunds after the pharmacy was paid: raised, offset by later claims, outstanding (a receivable of the fund)' })
  @ApiNotFoundResponse({ description: 'PHARMACY_NOT_FOUND' })
  recoveries(@CurrentActor() actor: AuthenticatedActor, @Param('id', new IdParam('id')) pharmacyId: string): Promise<PharmacyRecoveriesView> {
    return this.queries.execute(new GetPharmacyRecoveriesQuery(actor, pharmacyId));
  }

  @Get(':id/agreement')
  @Auth('agency', 'auditor', 'pharmacist')
  @ApiOkResponse({ type: AgreementResponse })
  @ApiNotFoundResponse({ description: 'AGREEMENT_NOT_FOUND' })
  get(@CurrentActor() actor: AuthenticatedActor, @Param('id', new IdParam('id')) pharmacyId: string): Promise<AgreementView> {
    return this.queries.execute(new GetAgreementQuery(actor, pharmacyId));
  }
}
