import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class IssuePrescriptionResponse {
  @ApiProperty({ format: 'uuid' }) prescriptionId: string;
  @ApiProperty({ example: 'ISSUED' }) status: string;
  @ApiProperty({ example: '7KQ2M9XD', description: 'the patient presents it at the pharmacy; only its hash is stored' }) pickupCode: string;
  @ApiProperty({ format: 'date-time' }) validUntil: string;
  @ApiProperty({ description: 'sha-256 (hex) of the canonical signed content' }) contentHash: string;
  @ApiProperty({ description: "Ed25519 signature (base64) over the canonical content, verifiable with the institution's public key" }) signature: string;
  @ApiProperty({ example: 'H001' }) signingKeyInstitutionId: string;
}

export class RevokePrescriptionResponse {
  @ApiProperty({ format: 'uuid' }) prescriptionId: string;
  @ApiProperty({ enum: ['REVOKED', 'REVOCATION_PENDING'] }) status: string;
}

export class PrescriptionViewResponse {
  @ApiProperty({ format: 'uuid' }) prescriptionId: string;
  @ApiProperty({ enum: ['ISSUED', 'REVOCATION_PENDING', 'DISPENSED', 'REVOKED', 'EXPIRED'] }) status: string;
  @ApiProperty() institutionId: string;
  @ApiProperty() physicianId: string;
  @ApiProperty() patientId: string;
  @ApiProperty() longTerm: boolean;
  @ApiProperty({ format: 'date-time' }) issuedAt: string;
  @ApiProperty({ format: 'date-time' }) validUntil: string;
  @ApiProperty({ type: 'array', items: { type: 'object' } }) items: unknown[];
  @ApiProperty() contentHash: string;
  @ApiProperty() signature: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true }) revocation?: unknown;
}
