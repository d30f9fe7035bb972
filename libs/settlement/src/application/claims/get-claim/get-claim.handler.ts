import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { ClaimNotFound } from '../../../domain/settlement.errors';
import { pharmacyClaimStreamId } from '../../../domain/stream-ids';
import { assertPharmacyAccess } from '../../access';
import { SettlementStore } from '../../settlement-store';
import { CLAIM_FOLD } from '../claim-deciders';
import { toClaimView, type ClaimView } from '../claim.view';
import { GetClaimQuery } from './get-claim.query';

@QueryHandler(GetClaimQuery)
export class GetClaimHandler implements IQueryHandler<GetClaimQuery, ClaimView> {
  constructor(private readonly s: SettlementStore) {}

  async execute({ actor, claimId }: GetClaimQuery): Promise<ClaimView> {
    const now = this.s.now();
    const { state } = await this.s.load(pharmacyClaimStreamId(claimId), CLAIM_FOLD);
    if (state.status === 'none') throw new ClaimNotFound(`no claim ${claimId}`);
    assertPharmacyAccess(actor, state.claim.pharmacyId);
    return toClaimView(state, now);
  }
}
