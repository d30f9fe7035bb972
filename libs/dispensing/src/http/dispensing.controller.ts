import { BadRequestException, Body, Controller, Delete, Get, HttpCode, Param, PipeTransform, Post, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { ActiveOrganisation, Auth, CurrentActor, type AuthenticatedActor } from '@rx/auth';
import { ClaimPrescriptionCommand, type ClaimResult } from '../application/claim-prescription/claim-prescription.command';
import { DispenseCommand, type DispenseResult } from '../application/dispense/dispense.command';
import type { DispensationDetails } from '../application/get-dispensation/dispensation.view';
import { GetDispensationQuery } from '../application/get-dispensation/get-dispensation.query';
import { ReleaseClaimCommand, type ReleaseResult } from '../application/release-claim/release-claim.command';
import { ReverseDispenseCommand, type ReversalResult } from '../application/reverse-dispense/reverse-dispense.command';
import { ReviewPrescriptionCommand, type ReviewResult } from '../application/review-prescription/review-prescription.command';
import { ClaimRequest, DispenseRequest, ID_PATTERN, ReversalRequest, ReviewRequest } from './dispensing.requests';
import { ClaimResponse, DispensationResponse, DispenseResponse, ReleaseResponse, ReversalResponse, ReviewResponse } from './dispensing.responses';

/** Path ids are hostile input too: bounded, plain characters, 400 naming the parameter. */
class IdParam implements PipeTransform<unknown, string> {
  constructor(private readonly name: string) {}
  transform(value: unknown): string {
    if (typeof value === 'string' && ID_PATTERN.test(value)) return value;
    const message = `${this.name} must be an id of at most 128 letters, digits, '.', '_', ':' or '-'`;
    throw new BadRequestException({ code: 'VALIDATION_FAILED', message: `${this.name}: ${message}`, errors: [{ field: this.name, messages: [message] }] });
  }
}

interface Reply {
  status(code: number): unknown;
}

/**
 * The pharmacy side of API v1 (architecture.md). The pharmacy is always the token's org; the
 * pharmacist is the token's subject. Domain errors become HTTP in the runtime's ProblemFilter.
 */
@ApiTags('dispensing')
@Controller('dispensing')
export class DispensingController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Post('claims')
  @Auth('pharmacist')
  @ActiveOrganisation()
  @ApiCreatedResponse({ type: ClaimResponse, description: 'claimed: exclusive until expiresAt' })
  @ApiOkResponse({ type: ClaimResponse, description: 'the same pharmacy already holds the live claim: it gets it back' })
  @ApiConflictResponse({ description: 'ALREADY_CLAIMED by another pharmacy; PRESCRIPTION_FULLY_DISPENSED' })
  @ApiNotFoundResponse({ description: 'UNKNOWN_PRESCRIPTION' })
  @ApiUnprocessableEntityResponse({
    description:
      'PICKUP_CODE_INVALID, PICKUP_ATTEMPTS_THROTTLED, PHARMACY_AGREEMENT_NOT_ACTIVE, PHARMACY_POOLING_NOT_OPEN, PHARMACY_NOT_DESIGNATED_FOR_SPECIAL_DRUG, PRESCRIPTION_EXPIRED, PRESCRIPTION_REVOKED',
  })
  @ApiBadRequestResponse({ description: 'malformed input (VALIDATION_FAILED, field-level)' })
  async claim(@CurrentActor() actor: AuthenticatedActor, @Body() body: ClaimRequest, @Res({ passthrough: true }) reply: Reply): Promise<ClaimResult> {
    const result = await this.commands.execute(new ClaimPrescriptionCommand(actor, body.prescriptionId, body.pickupCode));
    reply.status(result.created ? 201 : 200);
    return result;
  }

  @Delete('claims/:rxId')
  @HttpCode(200)
  @Auth('pharmacist')
  @ApiOkResponse({ type: ReleaseResponse, description: 'released back to circulation (or withdrawn, when a cancellation was pending)' })
  @ApiConflictResponse({ description: 'NOT_CLAIMED_BY_PHARMACY' })
  @ApiNotFoundResponse({ description: 'UNKNOWN_PRESCRIPTION' })
  release(@CurrentActor() actor: AuthenticatedActor, @Param('rxId', new IdParam('rxId')) rxId: string): Promise<ReleaseResult> {
    return this.commands.execute(new ReleaseClaimCommand(actor, rxId));
  }

  @Post('prescriptions/:rxId/review')
  @HttpCode(200)
  @Auth('pharmacist')
  @ActiveOrganisation()
  @ApiOkResponse({ type: ReviewResponse, description: 'reviewed (D3); a rejection releases the claim' })
  @ApiConflictResponse({ description: 'NOT_CLAIMED_BY_PHARMACY, PRESCRIPTION_FULLY_DISPENSED' })
  @ApiUnprocessableEntityResponse({ description: 'CANCELLATION_PENDING, PRESCRIPTION_EXPIRED, PRESCRIPTION_REVOKED' })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED; REVIEW_REASONS_INVALID (a rejection needs reasons)' })
  review(@CurrentActor() actor: AuthenticatedActor, @Param('rxId', new IdParam('rxId')) rxId: string, @Body() body: ReviewRequest): Promise<ReviewResult> {
    return this.commands.execute(new ReviewPrescriptionCommand(actor, rxId, body.decision, body.reasons ?? []));
  }

  @Post('prescriptions/:rxId/dispenses')
  @HttpCode(201)
  @Auth('pharmacist')
  @ActiveOrganisation()
  @ApiCreatedResponse({ type: DispenseResponse })
  @ApiConflictResponse({ description: 'NOT_CLAIMED_BY_PHARMACY, PRESCRIPTION_FULLY_DISPENSED, DISPENSE_ID_CONFLICT' })
  @ApiUnprocessableEntityResponse({
    description:
      'REVIEW_REQUIRED, REVIEW_REJECTED, CANCELLATION_PENDING, DRUG_NOT_ON_PRESCRIPTION, QUANTITY_EXCEEDS_PRESCRIBED, TRACE_CODE_INVALID, INSTALMENT_TOO_LONG, INSTALMENT_TOO_EARLY, PRESCRIPTION_EXPIRED, PRESCRIPTION_REVOKED',
  })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED; DISPENSE_INPUT_INVALID' })
  dispense(@CurrentActor() actor: AuthenticatedActor, @Param('rxId', new IdParam('rxId')) rxId: string, @Body() body: DispenseRequest): Promise<DispenseResult> {
    return this.commands.execute(new DispenseCommand(actor, rxId, body));
  }

  @Get('prescriptions/:rxId')
  @Auth('pharmacist', 'auditor')
  @ApiOkResponse({ type: DispensationResponse, description: 'claim and dispense state, per-item status, cancellationPending' })
  @ApiForbiddenResponse({ description: 'DISPENSATION_NOT_VISIBLE: another pharmacy holds it, or it is closed and this pharmacy never dispensed it' })
  @ApiNotFoundResponse({ description: 'UNKNOWN_PRESCRIPTION' })
  get(@CurrentActor() actor: AuthenticatedActor, @Param('rxId', new IdParam('rxId')) rxId: string): Promise<DispensationDetails> {
    return this.queries.execute(new GetDispensationQuery(actor, rxId));
  }

  @Post('dispenses/:dispenseId/reversal')
  @HttpCode(201)
  @Auth('pharmacist')
  @ApiCreatedResponse({ type: ReversalResponse, description: 'the refund, keyed on the original dispense' })
  @ApiConflictResponse({ description: 'DISPENSE_ALREADY_REVERSED' })
  @ApiForbiddenResponse({ description: 'NOT_DISPENSED_BY_PHARMACY' })
  @ApiNotFoundResponse({ description: 'DISPENSE_NOT_FOUND' })
  reverse(
    @CurrentActor() actor: AuthenticatedActor,
    @Param('dispenseId', new IdParam('dispenseId')) dispenseId: string,
    @Body() body: ReversalRequest,
  ): Promise<ReversalResult> {
    return this.commands.execute(new ReverseDispenseCommand(actor, dispenseId, body));
  }
}
