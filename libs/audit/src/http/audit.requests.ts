import { ApiPropertyOptional } from '@nestjs/swagger';
import { ALERT_RULE_IDS, type AlertRuleId } from '@rx/contracts';
import { IsIn, IsOptional, Matches, MaxLength } from 'class-validator';

const STREAM_ID = /^[A-Za-z0-9._:-]{1,300}$/;
const LIMIT = /^(?:[1-9]\d{0,3}|10000)$/;

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

export class IntegrityQuery {
  @ApiPropertyOptional({ description: 'check one page of streams after this stream id (id order); with limit', example: 'audit-01a2531d-1145-7d67-a22f-0fcaf0336d11' })
  @IsOptional()
  @Matches(STREAM_ID, { message: 'after must be a stream id (1-300 letters, digits, ".", "_", ":" or "-")' })
  after?: string;

  @ApiPropertyOptional({ description: 'streams per page, 1 to 10000; without it the whole store is checked at once', example: '200' })
  @IsOptional()
  @Matches(LIMIT, { message: 'limit must be an integer from 1 to 10000' })
  limit?: string;
}

export class FindPrescriptionsQuery {
  @ApiPropertyOptional()
  @IsOptional()
  @Matches(ID_PATTERN, { message: 'prescriptionId: 1-128 letters, digits, ".", "_" or "-"' })
  prescriptionId?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @Matches(ID_PATTERN, { message: 'patientId: 1-128 letters, digits, ".", "_" or "-"' })
  patientId?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @Matches(ID_PATTERN, { message: 'pharmacyId: 1-128 letters, digits, ".", "_" or "-"' })
  pharmacyId?: string;

  @ApiPropertyOptional({ description: '1 to 1000, default 100' })
  @IsOptional()
  @Matches(/^(?:[1-9]\d{0,2}|1000)$/, { message: 'limit must be an integer from 1 to 1000' })
  limit?: string;
}
