import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsInt, IsISO8601, IsOptional, IsString, IsUUID, Length, Matches, Max, Min, ValidateNested } from 'class-validator';
import { TextLimits } from '@rx/contracts';
import { IsText } from '@rx/runtime';
import { DISSOLUTION_REASONS } from '../domain/agreement.decider';
import { ID_PATTERN } from './params';

/** Edge validation only (style.md §7): shapes and hostile-input bounds; domain rules answer 422/409. */
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

export class DissolveAgreementRequest {
  @ApiProperty({ enum: Object.keys(DISSOLUTION_REASONS), example: 'FRAUDULENT_CLAIMS' })
  @IsString()
  @IsIn(Object.keys(DISSOLUTION_REASONS), { message: `reasonCode must be one of ${Object.keys(DISSOLUTION_REASONS).join(', ')}` })
  reasonCode: string;

  @ApiProperty({ format: 'date-time', example: '2026-03-03T00:00:00+08:00', description: 'expenses at or after it are not settled; not before now (422 DISSOLUTION_RETROACTIVE)' })
  @IsString()
  @Matches(ISO_INSTANT, { message: 'effectiveAt must be an ISO-8601 date-time with a time zone' })
  @IsISO8601({ strict: true }, { message: 'effectiveAt must be a valid date-time' })
  effectiveAt: string;
}

export class SubmitClaimRequest {
  @ApiProperty({ example: '2026-09-01', description: 'first day of the period (China time), inclusive' })
  @IsString()
  @Matches(ISO_DATE, { message: 'periodStart must be an ISO date YYYY-MM-DD' })
  @IsISO8601({ strict: true }, { message: 'periodStart must be a calendar date' })
  periodStart: string;

  @ApiProperty({ example: '2026-09-20', description: 'last day of the period (China time), inclusive' })
  @IsString()
  @Matches(ISO_DATE, { message: 'periodEnd must be an ISO date YYYY-MM-DD' })
  @IsISO8601({ strict: true }, { message: 'periodEnd must be a calendar date' })
  periodEnd: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'client-chosen id: a retry with the same id and period returns the same claim' })
  @IsOptional()
  @IsUUID()
  claimId?: string;
}

export class RefusedLineDto {
  @ApiProperty({ example: '3f0c…' })
  @IsString()
  @Matches(ID_PATTERN, { message: 'dispenseId must be a dispense id' })
  dispenseId: string;

  @ApiProperty({ example: 'no traceability codes recorded', minLength: 1, maxLength: TextLimits.reason.max })
  @IsText(TextLimits.reason)
  reason: string;
}

export class ApproveClaimRequest {
  @ApiPropertyOptional({ type: [RefusedLineDto], description: 'lines the agency refuses, each with a reason; a refunded dispense is refused automatically' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10_000)
  @ValidateNested({ each: true })
  @Type(() => RefusedLineDto)
  refusedLines?: RefusedLineDto[];
}

export class PayClaimRequest {
  @ApiPropertyOptional({ example: 21840, description: 'fen; defaults to the approved amount and must equal it (422 CLAIM_PAYMENT_MISMATCH)' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  amountFen?: number;

  @ApiPropertyOptional({ format: 'date-time', description: 'when the transfer was made; defaults to now' })
  @IsOptional()
  @IsString()
  @Matches(ISO_INSTANT, { message: 'paidAt must be an ISO-8601 date-time with a time zone' })
  @IsISO8601({ strict: true }, { message: 'paidAt must be a valid date-time' })
  paidAt?: string;
}

export class ListClaimsQueryDto {
  @ApiPropertyOptional({ enum: ['true', 'false'], description: 'only claims past (or not past) their deadline and unpaid' })
  @IsOptional()
  @IsIn(['true', 'false'])
  overdue?: 'true' | 'false';

  @ApiPropertyOptional({ example: 'P001' })
  @IsOptional()
  @Matches(ID_PATTERN, { message: 'pharmacyId must be a pharmacy id' })
  pharmacyId?: string;

  @ApiPropertyOptional({ enum: ['SUBMITTED', 'APPROVED', 'PAID'] })
  @IsOptional()
  @IsIn(['SUBMITTED', 'APPROVED', 'PAID'])
  status?: 'SUBMITTED' | 'APPROVED' | 'PAID';
}

export class CreditPersonalAccountRequest {
  @ApiProperty({ example: 'contrib-2026-03-PT001', description: 'client-chosen id: a retry with the same id and content credits nothing more; other content under it is 409' })
  @IsString()
  @Matches(ID_PATTERN, { message: 'creditId must be an id of letters, digits, ".", "_", ":" or "-" (at most 128)' })
  creditId: string;

  @ApiProperty({ example: 3000, description: 'fen, positive' })
  @IsInt()
  @Min(1)
  @Max(1_000_000_000)
  amountFen: number;

  @ApiPropertyOptional({ example: 'March 2026 contributions', maxLength: 200 })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  note?: string;
}
