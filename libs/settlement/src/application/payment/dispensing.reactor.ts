import { chinaYear } from '@rx/kernel';
import { Injectable } from '@nestjs/common';
import {
  DispensingEventTypes,
  Topics,
  validateDispensingCloudEvent,
  type CloudEvent,
  type DispenseReversedV1,
  type DispensedV1,
} from '@rx/contracts';
import type { ConsumerOptions, IncomingMessage } from '@rx/messaging';
import { ReferenceDataService } from '@rx/reference-data';
import { insuredRegionOf } from './dispensed-input';
import { FundPaymentSaga } from './fund-payment.saga';

export const SETTLEMENT_CONSUMER_GROUP = 'settlement';

/**
 * Consumes rx.dispensing.v1: a dispense starts the payment saga, a dispense reversal reverses it.
 * Every envelope is checked against the dispensing contract first, so a bad message goes to the
 * dead-letter topic at once with the reason; the other dispensing types are valid and ignored.
 */
@Injectable()
export class DispensingReactor {
  constructor(
    private readonly saga: FundPaymentSaga,
    private readonly ref: ReferenceDataService,
  ) {}

  readonly validate = (event: CloudEvent): string | undefined => {
    const reason = validateDispensingCloudEvent(event);
    if (reason) return reason;
    if (event.type === DispensingEventTypes.dispensed) {
      // Without the insured region's policy nothing can be computed; retrying will not help.
      const d = event.data as DispensedV1;
      const year = chinaYear(new Date(d.dispensedAt));
      const region = insuredRegionOf(this.ref, d.patientId);
      if (region === undefined) return `${event.type}: patient ${d.patientId} is not an insured patient in the reference data`;
      if (!this.ref.policyChoice(region, year)) return `${event.type}: no fund policy for region ${region} and ${year}`;
    }
    return undefined;
  };

  readonly handle = async (message: Pick<IncomingMessage, 'event'>): Promise<void> => {
    const event = message.event;
    const source = { id: event.id, correlationId: event.correlationid };
    switch (event.type) {
      case DispensingEventTypes.dispensed:
        await this.saga.recordPayment(event.data as DispensedV1, source);
        return;
      case DispensingEventTypes.dispenseReversed:
        await this.saga.reversePayment(event.data as DispenseReversedV1, source);
        return;
      default:
        return;
    }
  };

  consumerOptions(): ConsumerOptions {
    return { groupId: SETTLEMENT_CONSUMER_GROUP, topics: [Topics.dispensing], validate: this.validate, handler: this.handle };
  }
}
