import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { viewOf } from '../../domain/dispensation.state';
import { DispensationRunner } from '../dispensation-runner';
import { ReviewPrescriptionCommand, type ReviewResult } from './review-prescription.command';

@CommandHandler(ReviewPrescriptionCommand)
export class ReviewPrescriptionHandler implements ICommandHandler<ReviewPrescriptionCommand, ReviewResult> {
  constructor(private readonly runner: DispensationRunner) {}

  async execute({ actor, prescriptionId, decision, reasons }: ReviewPrescriptionCommand): Promise<ReviewResult> {
    const correlationId = this.runner.nextId();
    const now = this.runner.now();
    const { state, events } = await this.runner.run(
      prescriptionId,
      { type: 'ReviewPrescription', data: { pharmacyId: actor.org, pharmacistId: actor.id, decision, reasons } },
      { now, actor: { role: actor.role, id: actor.id }, correlationId, causationId: correlationId },
    );
    const reviewed = events.find((e) => e.type === 'PrescriptionReviewed');
    return {
      prescriptionId,
      decision,
      reasons: reviewed?.type === 'PrescriptionReviewed' ? reviewed.data.reasons : [],
      status: viewOf(state, now).status,
    };
  }
}
