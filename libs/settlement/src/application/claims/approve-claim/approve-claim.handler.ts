import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { paymentDecider } from '../../../domain/payment.decider';
import { ClaimNotFound } from '../../../domain/settlement.errors';
import { paymentStreamId, pharmacyClaimStreamId } from '../../../domain/stream-ids';
import { SettlementStore } from '../../settlement-store';
import { CLAIM_FOLD, ClaimDeciders } from '../claim-deciders';
import { toClaimView, type ClaimView } from '../claim.view';
import { ApproveClaimCommand } from './approve-claim.command';

/** The agency's audit of a claim: refused lines carry reasons; a dispense refunded since submission is refused too. */
@CommandHandler(ApproveClaimCommand)
export class ApproveClaimHandler implements ICommandHandler<ApproveClaimCommand, ClaimView> {
  constructor(
    private readonly s: SettlementStore,
    private readonly deciders: ClaimDeciders,
  ) {}

  async execute({ actor, claimId, refusedLines }: ApproveClaimCommand): Promise<ClaimView> {
    const now = this.s.now();
    const stream = pharmacyClaimStreamId(claimId);
    const current = await this.s.load(stream, CLAIM_FOLD);
    if (current.state.status === 'none') throw new ClaimNotFound(`no claim ${claimId}`);
    const refused = [...refusedLines];
    if (current.state.status === 'submitted') {
      for (const line of current.state.claim.dispenses) {
        if (refused.some((r) => r.dispenseId === line.dispenseId)) continue;
        const payment = await this.s.load(paymentStreamId(line.dispenseId), paymentDecider);
        // The fund's share of a refunded dispense is no longer owed to the pharmacy.
        if (payment.state.status === 'reversed') refused.push({ dispenseId: line.dispenseId, reason: `DISPENSE_REVERSED: ${payment.state.reversal.reason}`.slice(0, 500) });
      }
    }
    const decider = this.deciders.forPharmacy(current.state.claim.pharmacyId, now);
    const correlationId = this.s.nextId();
    const { state } = await this.s.run(
      stream,
      decider,
      { type: 'ApproveClaim', data: { claimId, approvedBy: actor.id, refusedLines: refused } },
      { now, actor: { role: actor.role, id: actor.id }, correlationId, causationId: correlationId },
    );
    if (state.status === 'none') throw new ClaimNotFound(`no claim ${claimId}`);
    return toClaimView(state, now);
  }
}
