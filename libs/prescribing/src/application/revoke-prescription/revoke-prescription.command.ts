import { Command } from '@nestjs/cqrs';
import type { AuthenticatedActor } from '@rx/auth';

export interface RevokePrescriptionResult {
  prescriptionId: string;
  /** REVOKED (HTTP 200) or REVOCATION_PENDING (HTTP 202) */
  status: 'REVOKED' | 'REVOCATION_PENDING';
}

export class RevokePrescriptionCommand extends Command<RevokePrescriptionResult> {
  constructor(
    readonly actor: AuthenticatedActor,
    readonly prescriptionId: string,
    readonly reason: string,
  ) {
    super();
  }
}
