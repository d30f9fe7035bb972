import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class ClaimResponse {
  @ApiProperty() prescriptionId: string;
  @ApiProperty({ example: 'P001' }) pharmacyId: string;
  @ApiProperty({ example: 'PH001' }) pharmacistId: string;
  @ApiProperty({ format: 'date-time' }) claimedAt: string;
  @ApiProperty({ format: 'date-time', description: 'the claim lapses then (not extended by review or dispensing)' }) expiresAt: string;
  @ApiProperty({ description: 'true on 201; false on 200 when the same pharmacy got its live claim back' }) created: boolean;
  @ApiProperty({ description: 'D8: the prescriber asked to revoke while this pharmacy held it; release it' }) cancellationPending: boolean;
}

export class ReleaseResponse {
  @ApiProperty() prescriptionId: string;
  @ApiProperty({ enum: ['circulating', 'withdrawn', 'completed', 'expired'] }) status: string;
  @ApiProperty({ description: 'false when there was nothing left to release (a repeated release)' }) released: boolean;
}

export class ReviewResponse {
  @ApiProperty() prescriptionId: string;
  @ApiProperty({ enum: ['APPROVED', 'REJECTED'] }) decision: string;
  @ApiProperty({ type: [String] }) reasons: string[];
  @ApiProperty({ enum: ['claimed', 'circulating'] }) status: string;
}

export class DrugQuantityResponse {
  @ApiProperty() drugCode: string;
  @ApiProperty() quantity: number;
}

export class DispenseResponse {
  @ApiProperty({ format: 'uuid' }) dispenseId: string;
  @ApiProperty() prescriptionId: string;
  @ApiProperty({ description: '1-based, over all dispenses of the prescription' }) instalment: number;
  @ApiProperty() daysSupply: number;
  @ApiProperty({ type: [DrugQuantityResponse] }) remaining: DrugQuantityResponse[];
  @ApiProperty() fullyDispensed: boolean;
  @ApiProperty() deliveryFeeFen: number;
  @ApiProperty({ format: 'date-time' }) dispensedAt: string;
  @ApiProperty({ type: 'array', items: { type: 'object' }, description: 'priced lines, with referencePriceFen and aboveReferencePrice (D7)' }) lines: unknown[];
}

export class ReversalResponse {
  @ApiProperty({ format: 'uuid' }) reversalId: string;
  @ApiProperty({ format: 'uuid' }) dispenseId: string;
  @ApiProperty() prescriptionId: string;
  @ApiProperty() reason: string;
  @ApiProperty({ format: 'date-time' }) reversedAt: string;
  @ApiProperty({ type: [DrugQuantityResponse] }) lines: DrugQuantityResponse[];
}

export class DispensationResponse {
  @ApiProperty() prescriptionId: string;
  @ApiProperty({ enum: ['circulating', 'claimed', 'completed', 'withdrawn', 'expired'] }) status: string;
  @ApiProperty() longTerm: boolean;
  @ApiProperty() regionCode: string;
  @ApiProperty({ format: 'date-time' }) issuedAt: string;
  @ApiProperty({ format: 'date-time' }) validUntil: string;
  @ApiPropertyOptional({ description: 'auditors only' }) patientId?: string;
  @ApiProperty({ type: 'object', nullable: true, additionalProperties: true, description: 'the live claim, if any' }) claim: unknown;
  @ApiProperty() cancellationPending: boolean;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true }) lastClaim?: unknown;
  @ApiPropertyOptional({ format: 'date-time' }) pickupLockedUntil?: string;
  @ApiProperty({ type: 'array', items: { type: 'object' }, description: 'per-item status (NOT_DISPENSED, PARTLY_DISPENSED, DISPENSED), apart from the prescription status' })
  items: unknown[];
  @ApiProperty({ type: 'array', items: { type: 'object' } }) dispenses: unknown[];
}
