import { Inject, Injectable } from '@nestjs/common';
import { SettlementEventTypes, Topics, validateSettlementCloudEvent, type AgreementDissolvedV1, type CloudEvent } from '@rx/contracts';
import { CLOCK, type Clock } from '@rx/kernel';
import type { ConsumerOptions, IncomingMessage } from '@rx/messaging';
import { actorOf } from '../prescribing-reactor/envelope-actor';
import { PharmacyFactsService } from './pharmacy-facts.service';

export const AGREEMENT_CONSUMER_GROUP = 'dispensing.agreements';

/**
 * Learns agreement dissolutions (S2) from rx.settlement.v1 so that new claims by a dissolved
 * pharmacy are refused. Only `agreement-dissolved` is read (and validated); settlement's other
 * events pass by untouched.
 */
@Injectable()
export class AgreementReactor {
  constructor(
    private readonly pharmacies: PharmacyFactsService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  readonly validate = (event: CloudEvent): string | undefined =>
    event.type === SettlementEventTypes.agreementDissolved ? validateSettlementCloudEvent(event) : undefined;

  readonly handle = async ({ event }: IncomingMessage): Promise<void> => {
    if (event.type !== SettlementEventTypes.agreementDissolved) return;
    const data = event.data as AgreementDissolvedV1;
    await this.pharmacies.recordDissolution(
      { type: 'RecordAgreementDissolution', data: { pharmacyId: data.pharmacyId, reasonCode: data.reasonCode, effectiveAt: data.effectiveAt, sourceEventId: event.id } },
      { now: this.clock.now(), actor: actorOf(event.actor, 'settlement'), correlationId: event.correlationid },
    );
  };

  consumerOptions(): ConsumerOptions {
    return { groupId: AGREEMENT_CONSUMER_GROUP, topics: [Topics.settlement], validate: this.validate, handler: this.handle };
  }
}
