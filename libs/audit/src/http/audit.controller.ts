import { BadRequestException, Controller, Get, HttpCode, Inject, Param, Post, Query, type PipeTransform } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Auth } from '@rx/auth';
import { CLOCK, isCalendarValid, type Clock } from '@rx/kernel';
import { AuditQueries } from '../application/audit-queries';
import { InvalidAsOf } from '../domain/audit.errors';
import { AlertsQuery, FindPrescriptionsQuery, ID_PATTERN, IntegrityQuery, ISO_INSTANT, StateAsOfQuery } from './audit.requests';

class PrescriptionIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!ID_PATTERN.test(value)) {
      throw new BadRequestException({ code: 'VALIDATION_FAILED', message: 'rxId: 1-128 letters, digits, ".", "_" or "-"', errors: [{ field: 'rxId', messages: ['invalid id'] }] });
    }
    return value;
  }
}

/** Auditors only (A2): every route. Thin: parse, delegate, return. */
@ApiTags('audit')
@Auth('auditor')
@Controller('audit')
export class AuditController {
  constructor(
    private readonly queries: AuditQueries,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get('prescriptions')
  @ApiOkResponse({ description: '{ prescriptions[], count, truncated }: by id, patient or pharmacy (every criterion given must hold), newest issue first' })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED: a malformed id or limit' })
  find(@Query() query: FindPrescriptionsQuery) {
    return this.queries.findPrescriptions({
      prescriptionId: query.prescriptionId,
      patientId: query.patientId,
      pharmacyId: query.pharmacyId,
      limit: query.limit === undefined ? undefined : Number(query.limit),
    });
  }

  @Get('prescriptions/:rxId/history')
  @ApiOkResponse({ description: 'every fact about the prescription from every context, in the order it happened, with integrity flags' })
  @ApiNotFoundResponse({ description: 'PRESCRIPTION_NOT_FOUND: no fact about it reached the audit' })
  history(@Param('rxId', new PrescriptionIdPipe()) rxId: string) {
    return this.queries.history(rxId);
  }

  @Get('prescriptions/:rxId/state')
  @ApiOkResponse({ description: 'the state as it was at asOf (existed: false before its first fact)' })
  @ApiBadRequestResponse({ description: 'asOf is not an ISO-8601 instant' })
  @ApiNotFoundResponse({ description: 'PRESCRIPTION_NOT_FOUND' })
  state(@Param('rxId', new PrescriptionIdPipe()) rxId: string, @Query() query: StateAsOfQuery) {
    return this.queries.stateAsOf(rxId, query.asOf === undefined ? this.clock.now() : parseInstant(query.asOf));
  }

  @Get('integrity')
  @ApiOkResponse({
    description:
      '{ ok, streamsChecked, eventsChecked, failures[] }: 200 also when streams fail (the body says so). With limit (and after): one page, ' +
      '{ streamsTotal, streamsDone, nextAfter, store on the last page }, for a caller that shows progress',
  })
  integrity(@Query() query: IntegrityQuery) {
    if (query.limit === undefined && query.after === undefined) return this.queries.integrity();
    return this.queries.integrityPage({ after: query.after, limit: Number(query.limit ?? 500) });
  }

  @Get('alerts')
  @ApiOkResponse({ description: 'monitoring alerts, oldest cause first' })
  alerts(@Query() query: AlertsQuery) {
    return this.queries.alerts(query);
  }

  @Post('rebuild')
  @HttpCode(200)
  @ApiOkResponse({ description: 'read models dropped and replayed from position zero: { events, durationMs, eventsPerSecond, alerts }' })
  rebuild() {
    return this.queries.rebuild();
  }
}

function parseInstant(text: string): Date {
  const at = new Date(text);
  if (!ISO_INSTANT.test(text) || !isCalendarValid(text) || Number.isNaN(at.getTime())) throw new InvalidAsOf(`asOf is not an ISO-8601 instant: ${text}`, { field: 'asOf' });
  return at;
}
