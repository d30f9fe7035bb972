import { BadRequestException, Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { ActiveOrganisation, Auth, CurrentActor, type AuthenticatedActor } from '@rx/auth';
import { GetPrescriptionQuery } from '../application/get-prescription/get-prescription.query';
import type { PrescriptionView } from '../application/get-prescription/prescription.view';
import { IssuePrescriptionCommand, type IssuePrescriptionResult } from '../application/issue-prescription/issue-prescription.command';
import { RevokePrescriptionCommand, type RevokePrescriptionResult } from '../application/revoke-prescription/revoke-prescription.command';
import { IssuePrescriptionRequest, RevokePrescriptionRequest } from './issue-prescription.request';
import { IssuePrescriptionResponse, PrescriptionViewResponse, RevokePrescriptionResponse } from './prescription.responses';

const prescriptionIdPipe = new ParseUUIDPipe({
  exceptionFactory: () =>
    new BadRequestException({ code: 'VALIDATION_FAILED', message: 'id: must be a UUID', errors: [{ field: 'id', messages: ['id must be a UUID'] }] }),
});

interface Reply {
  status(code: number): unknown;
}

@ApiTags('prescriptions')
@Controller('prescriptions')
export class PrescriptionsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Post()
  @HttpCode(201)
  @Auth('physician')
  @ActiveOrganisation()
  @ApiCreatedResponse({ type: IssuePrescriptionResponse, description: 'issued (or the same prescription again for a repeated prescriptionId with the same content)' })
  @ApiBadRequestResponse({ description: 'malformed input (VALIDATION_FAILED, field-level)' })
  @ApiUnprocessableEntityResponse({ description: 'a prescribing rule refused it, e.g. LONG_TERM_LIMIT_EXCEEDED' })
  @ApiConflictResponse({ description: 'PRESCRIPTION_ID_CONFLICT: the prescriptionId exists with different content' })
  issue(@CurrentActor() actor: AuthenticatedActor, @Body() body: IssuePrescriptionRequest): Promise<IssuePrescriptionResult> {
    return this.commands.execute(new IssuePrescriptionCommand(actor, body));
  }

  @Post(':id/revoke')
  @Auth('physician')
  @ApiOkResponse({ type: RevokePrescriptionResponse, description: 'revoked at once (nobody held it)' })
  @ApiAcceptedResponse({ type: RevokePrescriptionResponse, description: 'revocation pending until the holding pharmacy answers (D8)' })
  @ApiConflictResponse({ description: 'ALREADY_DISPENSED or PRESCRIPTION_EXPIRED' })
  @ApiNotFoundResponse({ description: 'PRESCRIPTION_NOT_FOUND' })
  async revoke(
    @CurrentActor() actor: AuthenticatedActor,
    @Param('id', prescriptionIdPipe) id: string,
    @Body() body: RevokePrescriptionRequest,
    @Res({ passthrough: true }) reply: Reply,
  ): Promise<RevokePrescriptionResult> {
    const result = await this.commands.execute(new RevokePrescriptionCommand(actor, id, body.reason));
    reply.status(result.status === 'REVOKED' ? 200 : 202);
    return result;
  }

  @Get(':id')
  @Auth('physician', 'auditor')
  @ApiOkResponse({ type: PrescriptionViewResponse, description: 'current view (never the pickup code or its hash)' })
  @ApiNotFoundResponse({ description: 'PRESCRIPTION_NOT_FOUND' })
  get(@CurrentActor() actor: AuthenticatedActor, @Param('id', prescriptionIdPipe) id: string): Promise<PrescriptionView> {
    return this.queries.execute(new GetPrescriptionQuery(actor, id));
  }
}
