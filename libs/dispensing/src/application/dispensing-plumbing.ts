import { Injectable, type OnModuleInit } from '@nestjs/common';
import { Sources } from '@rx/contracts';
import { EventPlumbing } from '@rx/runtime';
import { DISPENSATION_STREAM_PREFIX } from './dispense-index/dispense-index.projection';
import { AgreementReactor } from './pharmacy-agreements/agreement.reactor';
import { PrescribingReactor } from './prescribing-reactor/prescribing.reactor';
import { toDispensingMessage } from './relay/dispensing-relay.mapper';
import { SIGNAL_STREAM_PREFIX, toSignalMessage } from './uniqueness/refusal-signals';

export const DISPENSING_RELAY = 'relay-dispensing';

/** Registers the relay (dispensation streams → rx.dispensing.v1) and both reactors before start-up. */
@Injectable()
export class DispensingPlumbing implements OnModuleInit {
  constructor(
    private readonly plumbing: EventPlumbing,
    private readonly prescribing: PrescribingReactor,
    private readonly agreements: AgreementReactor,
  ) {}

  onModuleInit(): void {
    // Dispensation streams and refusal signals: pharmacy-status-* is this context's private view of
    // settlement's news, unique-* its reservations.
    this.plumbing.registerRelay({
      name: DISPENSING_RELAY,
      source: Sources.dispensing,
      streamPrefixes: [DISPENSATION_STREAM_PREFIX, SIGNAL_STREAM_PREFIX],
      map: (e) => (e.streamId.startsWith(SIGNAL_STREAM_PREFIX) ? toSignalMessage(e) : toDispensingMessage(e)),
    });
    this.plumbing.registerConsumer(this.prescribing.consumerOptions());
    this.plumbing.registerConsumer(this.agreements.consumerOptions());
  }
}
