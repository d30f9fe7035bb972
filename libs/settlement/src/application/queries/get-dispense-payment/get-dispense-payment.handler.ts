import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { paymentDecider } from '../../../domain/payment.decider';
import { FundPaymentNotFound } from '../../../domain/settlement.errors';
import { paymentStreamId } from '../../../domain/stream-ids';
import { assertPharmacyAccess } from '../../access';
import { SettlementStore } from '../../settlement-store';
import { toDispensePaymentView, type DispensePaymentView } from './dispense-payment.view';
import { GetDispensePaymentQuery } from './get-dispense-payment.query';

@QueryHandler(GetDispensePaymentQuery)
export class GetDispensePaymentHandler implements IQueryHandler<GetDispensePaymentQuery, DispensePaymentView> {
  constructor(private readonly s: SettlementStore) {}

  async execute({ actor, dispenseId }: GetDispensePaymentQuery): Promise<DispensePaymentView> {
    const { state, events } = await this.s.load(paymentStreamId(dispenseId), paymentDecider);
    if (state.status === 'none') throw new FundPaymentNotFound(`no fund payment for dispense ${dispenseId}`);
    assertPharmacyAccess(actor, state.record.pharmacyId);
    return toDispensePaymentView(state, events[0].metadata.occurredAt);
  }
}
