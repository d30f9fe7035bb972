import { Command } from '@nestjs/cqrs';
import type { AuthenticatedActor } from '@rx/auth';
import type { DispensationStatus } from '../../domain/dispensation.state';

export interface ReleaseResult {
  prescriptionId: string;
  /** What the prescription is after the release: circulating, or withdrawn when a pending cancellation took effect. */
  status: DispensationStatus;
  released: boolean;
}

export class ReleaseClaimCommand extends Command<ReleaseResult> {
  constructor(
    readonly actor: AuthenticatedActor,
    readonly prescriptionId: string,
  ) {
    super();
  }
}
