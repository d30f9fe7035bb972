import { BadRequestException, Controller, Get, HttpCode, Inject, Param, Post, Query, type PipeTransform } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Auth } from '@rx/auth';
import { CLOCK, isCalendarValid, type Clock } from '@rx/kernel';
import { AuditQueries } from '../application/audit-queries';
import { InvalidAsOf } from '../domain/audit.errors';
import { AlertsQuery, ID_PATTERN, ISO_INSTANT, StateAsOfQuery } from './audit.requests';

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
  @ApiOkResponse({ description: '{ ok, streamsChecked, eventsChecked, failures[] }: 200 also when streams fail (the body says so)' })
  integrity() {
    return this.queries.integrity();
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
