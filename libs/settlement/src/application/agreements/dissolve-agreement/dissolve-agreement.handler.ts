import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { agreementDecider } from '../../../domain/agreement.decider';
import { agreementStreamId } from '../../../domain/stream-ids';
import { SettlementStore } from '../../settlement-store';
import { toAgreementView, type AgreementView } from '../agreement.view';
import { DissolveAgreementCommand } from './dissolve-agreement.command';

@CommandHandler(DissolveAgreementCommand)
export class DissolveAgreementHandler implements ICommandHandler<DissolveAgreementCommand, AgreementView> {
  constructor(private readonly s: SettlementStore) {}

  async execute({ actor, pharmacyId, reasonCode, effectiveAt }: DissolveAgreementCommand): Promise<AgreementView> {
    const now = this.s.now();
    const correlationId = this.s.nextId();
    const { state } = await this.s.run(
      agreementStreamId(pharmacyId),
      agreementDecider,
      { type: 'DissolveAgreement', data: { pharmacyId, reasonCode, effectiveAt, dissolvedBy: actor.id } },
      { now, actor: { role: actor.role, id: actor.id }, correlationId, causationId: correlationId },
    );
    if (state.status === 'unknown') throw new Error(`agreement of ${pharmacyId} missing after dissolution`);
    return toAgreementView(state, now);
  }
}
