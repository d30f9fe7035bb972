import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { viewOf } from '../../domain/dispensation.state';
import { DispensationRunner } from '../dispensation-runner';
import { ReleaseClaimCommand, type ReleaseResult } from './release-claim.command';

@CommandHandler(ReleaseClaimCommand)
export class ReleaseClaimHandler implements ICommandHandler<ReleaseClaimCommand, ReleaseResult> {
  constructor(private readonly runner: DispensationRunner) {}

  async execute({ actor, prescriptionId }: ReleaseClaimCommand): Promise<ReleaseResult> {
    const correlationId = this.runner.nextId();
    const now = this.runner.now();
    const { state, events } = await this.runner.run(
      prescriptionId,
      { type: 'ReleaseClaim', data: { pharmacyId: actor.org } },
      { now, actor: { role: actor.role, id: actor.id }, correlationId, causationId: correlationId },
    );
    return { prescriptionId, status: viewOf(state, now).status, released: events.some((e) => e.type === 'ClaimReleased') };
  }
}
