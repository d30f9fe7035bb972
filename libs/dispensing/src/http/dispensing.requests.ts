import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { TextLimits } from '@rx/contracts';
import { IsText } from '@rx/runtime';
import { DISPENSE_BOUNDS } from '../domain/dispensation.decider';

/**
 * Edge validation only (style.md §7): shapes and hostile-input bounds, 400 with the field.
 * The rules (trace-code format, quantities, instalments, review reasons) are the decider's: 422.
 */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const CODE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9.\-]{0,63}$/;

export class ClaimRequest {
  @ApiProperty({ example: '0b6f3c1e-8d0a-4f43-9d67-3f2b8c3a9e10' })
  @IsString()
  @Matches(ID_PATTERN, { message: 'prescriptionId must be an id of at most 128 characters' })
  prescriptionId: string;

  @ApiProperty({ example: '7KQ2M9XD', description: 'the 8-character code the patient shows; case-insensitive' })
  @IsString()
  @Matches(/^[0-9A-Za-z]{8}$/, { message: 'pickupCode must be 8 letters or digits' })
  pickupCode: string;
}

export class ReviewRequest {
  @ApiProperty({ enum: ['APPROVED', 'REJECTED'] })
  @IsIn(['APPROVED', 'REJECTED'])
  decision: 'APPROVED' | 'REJECTED';

  @ApiPropertyOptional({ type: [String], description: `required for a rejection: 1 to ${DISPENSE_BOUNDS.maxReasons}, each at most ${DISPENSE_BOUNDS.maxReasonLength} characters` })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(DISPENSE_BOUNDS.maxReasons)
  @IsText(TextLimits.reason, { each: true })
  reasons?: string[];
}

export class DispenseLineRequest {
  @ApiProperty({ example: 'MET-500' })
  @IsString()
  @Matches(CODE_PATTERN, { message: 'drugCode must be a catalog code' })
  drugCode: string;

  @ApiProperty({ example: 14, description: 'in the prescribed unit; at most what remains (422 QUANTITY_EXCEEDS_PRESCRIBED)' })
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  quantity: number;

  @ApiProperty({ example: 50, description: 'integer fen; above the reference price is allowed and flagged (D7)' })
  @IsInt()
  @Min(0)
  @Max(DISPENSE_BOUNDS.maxUnitPriceFen)
  unitPriceFen: number;

  @ApiProperty({ example: 'B20260101', description: '1 to 64 printable characters without spaces' })
  @IsText(TextLimits.batchNo)
  batchNo: string;

  @ApiProperty({ type: [String], example: ['81234567890123456789'], description: 'drug traceability codes, 20 digits each; 1 to quantity per line (D6)' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(DISPENSE_BOUNDS.maxTraceCodesPerLine)
  @IsText(TextLimits.traceCode, { each: true })
  traceCodes: string[];
}

export class DispenseRequest {
  @ApiPropertyOptional({ format: 'uuid', description: 'client-chosen id for safe retries: the same id returns the dispense that stands' })
  @IsOptional()
  @IsUUID()
  dispenseId?: string;

  @ApiProperty({ type: [DispenseLineRequest] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(DISPENSE_BOUNDS.maxLines)
  @ValidateNested({ each: true })
  @Type(() => DispenseLineRequest)
  lines: DispenseLineRequest[];

  @ApiPropertyOptional({ example: 800, description: 'integer fen; never paid by the fund (D5)' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(DISPENSE_BOUNDS.maxDeliveryFeeFen)
  deliveryFeeFen?: number;
}

export class ReversalRequest {
  @ApiProperty({ example: 'patient returned unopened packages', minLength: 1, maxLength: DISPENSE_BOUNDS.maxReasonLength })
  @IsText(TextLimits.reason)
  reason: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'client-chosen id for safe retries' })
  @IsOptional()
  @IsUUID()
  reversalId?: string;
}
