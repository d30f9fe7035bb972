import { Injectable, type OnModuleInit } from '@nestjs/common';
import { Sources } from '@rx/contracts';
import { EventPlumbing } from '@rx/runtime';
import { DISPENSATION_STREAM_PREFIX } from './dispense-index/dispense-index.projection';
import { AgreementReactor } from './pharmacy-agreements/agreement.reactor';
import { PrescribingReactor } from './prescribing-reactor/prescribing.reactor';
import { toDispensingMessage } from './relay/dispensing-relay.mapper';

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
    // Only dispensation streams: pharmacy-status-* is this context's private view of settlement's news.
    this.plumbing.registerRelay({ name: DISPENSING_RELAY, source: Sources.dispensing, streamPrefixes: [DISPENSATION_STREAM_PREFIX], map: toDispensingMessage });
    this.plumbing.registerConsumer(this.prescribing.consumerOptions());
    this.plumbing.registerConsumer(this.agreements.consumerOptions());
  }
}
