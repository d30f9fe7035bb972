import { Command } from '@nestjs/cqrs';
import type { AuthenticatedActor } from '@rx/auth';
import type { ReviewDecision } from '../../domain/dispensation.commands';
import type { DispensationStatus } from '../../domain/dispensation.state';

export interface ReviewResult {
  prescriptionId: string;
  decision: ReviewDecision;
  reasons: string[];
  /** claimed after an approval; circulating after a rejection (the claim is released, D3). */
  status: DispensationStatus;
}

export class ReviewPrescriptionCommand extends Command<ReviewResult> {
  constructor(
    readonly actor: AuthenticatedActor,
    readonly prescriptionId: string,
    readonly decision: ReviewDecision,
    readonly reasons: string[],
  ) {
    super();
  }
}
