import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { agreementDecider } from '../../../domain/agreement.decider';
import { AgreementNotFound } from '../../../domain/settlement.errors';
import { agreementStreamId } from '../../../domain/stream-ids';
import { assertPharmacyAccess } from '../../access';
import { SettlementStore } from '../../settlement-store';
import { toAgreementView, type AgreementView } from '../agreement.view';
import { GetAgreementQuery } from './get-agreement.query';

@QueryHandler(GetAgreementQuery)
export class GetAgreementHandler implements IQueryHandler<GetAgreementQuery, AgreementView> {
  constructor(private readonly s: SettlementStore) {}

  async execute({ actor, pharmacyId }: GetAgreementQuery): Promise<AgreementView> {
    assertPharmacyAccess(actor, pharmacyId);
    const { state } = await this.s.load(agreementStreamId(pharmacyId), agreementDecider);
    if (state.status === 'unknown') throw new AgreementNotFound(`no agreement for pharmacy ${pharmacyId}`);
    return toAgreementView(state, this.s.now());
  }
}
