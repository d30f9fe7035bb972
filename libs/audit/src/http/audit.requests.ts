import { ApiPropertyOptional } from '@nestjs/swagger';
import { ALERT_RULE_IDS, type AlertRuleId } from '@rx/contracts';
import { IsIn, IsOptional, Matches, MaxLength } from 'class-validator';

/** An RFC 3339 instant with a zone (Z or ±hh:mm), as the envelopes carry. */
export const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
export const ID_PATTERN = /^[A-Za-z0-9._-]{1,128}$/;

export class StateAsOfQuery {
  @ApiPropertyOptional({ description: 'ISO-8601 instant with a zone; default now', example: '2026-03-05T12:00:00Z' })
  @IsOptional()
  @Matches(ISO_INSTANT, { message: 'asOf must be an ISO-8601 instant with a zone, e.g. 2026-03-05T12:00:00Z' })
  asOf?: string;
}

export class AlertsQuery {
  @ApiPropertyOptional({ enum: ALERT_RULE_IDS })
  @IsOptional()
  @IsIn(ALERT_RULE_IDS as unknown as string[], { message: `rule must be one of ${ALERT_RULE_IDS.join(', ')}` })
  rule?: AlertRuleId;

  @ApiPropertyOptional()
  @IsOptional()
  @MaxLength(128)
  @Matches(ID_PATTERN)
  pharmacyId?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @MaxLength(128)
  @Matches(ID_PATTERN)
  patientId?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @MaxLength(128)
  @Matches(ID_PATTERN)
  prescriptionId?: string;
}
