import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { PrescriptionRunner } from '../prescription-runner';
import { RevokePrescriptionCommand, type RevokePrescriptionResult } from './revoke-prescription.command';

@CommandHandler(RevokePrescriptionCommand)
export class RevokePrescriptionHandler implements ICommandHandler<RevokePrescriptionCommand, RevokePrescriptionResult> {
  constructor(private readonly runner: PrescriptionRunner) {}

  async execute({ actor, prescriptionId, reason }: RevokePrescriptionCommand): Promise<RevokePrescriptionResult> {
    const correlationId = this.runner.nextId();
    const { state } = await this.runner.run(
      prescriptionId,
      { type: 'RequestRevocation', data: { prescriptionId, physicianId: actor.id, institutionId: actor.org, reason } },
      { actor: { role: actor.role, id: actor.id }, correlationId, causationId: correlationId },
    );
    // The decider refuses every other status, so only these two remain.
    if (state.status !== 'REVOKED' && state.status !== 'REVOCATION_PENDING') throw new Error(`unexpected status after revoke: ${state.status}`);
    return { prescriptionId, status: state.status };
  }
}
