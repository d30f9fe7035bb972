import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBadRequestResponse, ApiConflictResponse, ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { Auth, CurrentActor, type AuthenticatedActor } from '@rx/auth';
import { ApproveClaimCommand } from '../application/claims/approve-claim/approve-claim.command';
import type { ClaimView } from '../application/claims/claim.view';
import { GetClaimQuery } from '../application/claims/get-claim/get-claim.query';
import { ListClaimsQuery } from '../application/claims/list-claims/list-claims.query';
import { PayClaimCommand } from '../application/claims/pay-claim/pay-claim.command';
import { SubmitClaimCommand } from '../application/claims/submit-claim/submit-claim.command';
import { UuidParam } from './params';
import { ClaimListResponse, ClaimResponse, SubmitClaimResponse } from './settlement.responses';
import { ApproveClaimRequest, ListClaimsQueryDto, PayClaimRequest, SubmitClaimRequest } from './settlement.requests';

const claimIdPipe = new UuidParam('claimId');

@ApiTags('settlement: pharmacy claims')
@Controller('settlement/claims')
export class ClaimsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Post()
  @HttpCode(201)
  @Auth('pharmacist')
  @ApiCreatedResponse({ type: SubmitClaimResponse, description: "every paid, unclaimed dispense of the token's pharmacy in the period, each at most once" })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED' })
  @ApiUnprocessableEntityResponse({ description: 'CLAIM_EMPTY: nothing to claim in the period' })
  @ApiConflictResponse({ description: 'CLAIM_ALREADY_SUBMITTED: the claimId exists with another period' })
  async submit(@CurrentActor() actor: AuthenticatedActor, @Body() body: SubmitClaimRequest): Promise<SubmitClaimResponse> {
    const claim = await this.commands.execute(new SubmitClaimCommand(actor, body.periodStart, body.periodEnd, body.claimId?.toLowerCase()));
    return { claimId: claim.claimId, dispenseCount: claim.dispenseCount, fundFen: claim.fundFen, dueBy: claim.dueBy, provisional: claim.provisional, status: claim.status };
  }

  @Post(':claimId/approve')
  @HttpCode(200)
  @Auth('agency')
  @ApiOkResponse({ type: ClaimResponse })
  @ApiNotFoundResponse({ description: 'CLAIM_NOT_FOUND' })
  @ApiConflictResponse({ description: 'CLAIM_NOT_SUBMITTED: already approved or paid' })
  approve(@CurrentActor() actor: AuthenticatedActor, @Param('claimId', claimIdPipe) claimId: string, @Body() body: ApproveClaimRequest): Promise<ClaimView> {
    return this.commands.execute(new ApproveClaimCommand(actor, claimId, (body.refusedLines ?? []).map((r) => ({ dispenseId: r.dispenseId, reason: r.reason }))));
  }

  @Post(':claimId/pay')
  @HttpCode(200)
  @Auth('agency')
  @ApiOkResponse({ type: ClaimResponse })
  @ApiNotFoundResponse({ description: 'CLAIM_NOT_FOUND' })
  @ApiConflictResponse({ description: 'CLAIM_NOT_APPROVED' })
  @ApiUnprocessableEntityResponse({ description: 'CLAIM_PAYMENT_MISMATCH or INVALID_PAYMENT_TIME' })
  pay(@CurrentActor() actor: AuthenticatedActor, @Param('claimId', claimIdPipe) claimId: string, @Body() body: PayClaimRequest): Promise<ClaimView> {
    return this.commands.execute(new PayClaimCommand(actor, claimId, body.amountFen, body.paidAt));
  }

  @Get(':claimId')
  @Auth('pharmacist', 'agency', 'auditor')
  @ApiOkResponse({ type: ClaimResponse })
  @ApiNotFoundResponse({ description: 'CLAIM_NOT_FOUND' })
  get(@CurrentActor() actor: AuthenticatedActor, @Param('claimId', claimIdPipe) claimId: string): Promise<ClaimView> {
    return this.queries.execute(new GetClaimQuery(actor, claimId));
  }

  @Get()
  @Auth('agency', 'auditor')
  @ApiOkResponse({ type: ClaimListResponse, description: 'claims by due date; overdue=true lists the unpaid ones past their deadline' })
  async list(@Query() query: ListClaimsQueryDto): Promise<{ claims: ClaimView[]; count: number }> {
    const claims = await this.queries.execute(
      new ListClaimsQuery({ overdue: query.overdue === undefined ? undefined : query.overdue === 'true', pharmacyId: query.pharmacyId, status: query.status }),
    );
    return { claims, count: claims.length };
  }
}
