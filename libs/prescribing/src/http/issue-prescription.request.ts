import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsDefined,
  IsInt,
  IsNumber,
  IsOptional,
  IsPositive,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { TextLimits } from '@rx/contracts';
import { IsDecimal, IsText } from '@rx/runtime';
import { MAX_DOSE, MAX_ITEMS, MAX_TIMES_PER_DAY } from '../domain/prescription.decider';

/** Edge validation only (style.md §7): shapes and hostile-input bounds. Domain rules answer 422. */
export const CODE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9.\-]{0,39}$/;

export class DiagnosisDto {
  @ApiProperty({ example: 'E11.9', description: 'ICD-10 code' })
  @IsString()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9.\-]{0,15}$/, { message: 'code must be an ICD-style code of at most 16 characters' })
  code: string;

  @ApiProperty({ example: 'type 2 diabetes mellitus', description: `1 to ${TextLimits.diagnosisName.max} characters (code points), not blank` })
  @IsText(TextLimits.diagnosisName)
  name: string;
}

export class DosageDto {
  @ApiProperty({ example: 0.5, description: 'amount per intake, in `unit`' })
  @IsDecimal(4)
  @IsPositive()
  @Max(MAX_DOSE)
  dose: number;

  @ApiProperty({ example: 'g' })
  @IsString()
  @Length(1, 16)
  unit: string;

  @ApiProperty({ example: 3, minimum: 1, maximum: MAX_TIMES_PER_DAY })
  @IsInt()
  @Min(1)
  @Max(MAX_TIMES_PER_DAY)
  timesPerDay: number;
}

export class PrescriptionItemDto {
  @ApiProperty({ example: 'MET-500', description: 'insurance drug catalog code' })
  @IsString()
  @Matches(CODE_PATTERN, { message: 'drugCode must be a catalog code' })
  drugCode: string;

  @ApiProperty({ example: 42, description: 'in the catalog dispensing unit; bounded per drug (422 QUANTITY_OUT_OF_RANGE)' })
  @IsInt()
  @Min(1)
  @Max(100_000)
  quantity: number;

  @ApiProperty({ example: 7, description: 'ordinary: at most 7; long-term: at most 84' })
  @IsInt()
  @Min(1)
  @Max(366)
  daysSupply: number;

  @ApiProperty({ type: DosageDto })
  @IsDefined()
  @ValidateNested()
  @Type(() => DosageDto)
  dosage: DosageDto;
}

export class IssuePrescriptionRequest {
  @ApiPropertyOptional({ format: 'uuid', description: 'client-chosen id for idempotent retries; same id and content return the same prescription, different content 409' })
  @IsOptional()
  @IsUUID()
  prescriptionId?: string;

  @ApiProperty({ example: 'PT001' })
  @IsString()
  @Matches(CODE_PATTERN, { message: 'patientId must be a patient id' })
  patientId: string;

  @ApiProperty({ type: [DiagnosisDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10)
  @ValidateNested({ each: true })
  @Type(() => DiagnosisDto)
  diagnoses: DiagnosisDto[];

  @ApiProperty({ type: [PrescriptionItemDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_ITEMS)
  @ValidateNested({ each: true })
  @Type(() => PrescriptionItemDto)
  items: PrescriptionItemDto[];

  @ApiPropertyOptional({ default: false, description: 'long-term prescription (P2): chronic patients only, at most 84 days per item' })
  @IsOptional()
  @IsBoolean()
  longTerm?: boolean;
}

export class RevokePrescriptionRequest {
  @ApiProperty({ example: 'wrong dosage; re-issued', minLength: 1, maxLength: TextLimits.reason.max })
  @IsText(TextLimits.reason)
  reason: string;
}
