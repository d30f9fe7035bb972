import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { settlementOf } from '../../../domain/pharmacy-claim.decider';
import { ClaimNotFound } from '../../../domain/settlement.errors';
import { pharmacyClaimStreamId } from '../../../domain/stream-ids';
import { InvalidPaymentTime } from '../../settlement-app.errors';
import { SettlementStore } from '../../settlement-store';
import { CLAIM_FOLD, ClaimDeciders } from '../claim-deciders';
import { toClaimView, type ClaimView } from '../claim.view';
import { PayClaimCommand } from './pay-claim.command';

@CommandHandler(PayClaimCommand)
export class PayClaimHandler implements ICommandHandler<PayClaimCommand, ClaimView> {
  constructor(
    private readonly s: SettlementStore,
    private readonly deciders: ClaimDeciders,
  ) {}

  async execute({ actor, claimId, amountFen, paidAt }: PayClaimCommand): Promise<ClaimView> {
    const now = this.s.now();
    const stream = pharmacyClaimStreamId(claimId);
    const current = await this.s.load(stream, CLAIM_FOLD);
    if (current.state.status === 'none') throw new ClaimNotFound(`no claim ${claimId}`);
    const at = paidAt ? new Date(paidAt) : now;
    if (at.getTime() > now.getTime()) throw new InvalidPaymentTime('paidAt is in the future', { field: 'paidAt' });
    const since = current.state.status === 'submitted' ? current.state.claim.submittedAt : current.state.approval.approvedAt;
    if (at.getTime() < Date.parse(since)) throw new InvalidPaymentTime(`paidAt is before the claim was ${current.state.status === 'submitted' ? 'submitted' : 'approved'}`, { field: 'paidAt' });
    const amount = amountFen ?? (current.state.status === 'approved' ? settlementOf(current.state).payableFen : 0);
    const correlationId = this.s.nextId();
    // The decider stamps paidAt and `late` from its clock: the payment's own time.
    const { state } = await this.s.run(
      stream,
      this.deciders.forPharmacy(current.state.claim.pharmacyId, now),
      { type: 'PayClaim', data: { claimId, paidBy: actor.id, amountFen: amount } },
      { now: at, actor: { role: actor.role, id: actor.id }, correlationId, causationId: correlationId },
    );
    if (state.status === 'none') throw new ClaimNotFound(`no claim ${claimId}`);
    return toClaimView(state, now);
  }
}
