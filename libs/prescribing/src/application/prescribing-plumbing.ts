import { Injectable, type OnModuleInit } from '@nestjs/common';
import { Sources } from '@rx/contracts';
import { EventPlumbing } from '@rx/runtime';
import { PRESCRIPTION_STREAM_PREFIX } from '../domain/prescription.events';
import { DispensingReactor } from './dispensing-reactor/dispensing.reactor';
import { ISSUE_SIGNAL_STREAM_PREFIX, toIssueSignalMessage } from './issue-refusals';
import { toPrescribingIntegrationEvent } from './relay/prescribing-relay.mapper';

export const PRESCRIBING_RELAY = 'relay-prescribing';

/** Registers the relay (own streams → rx.prescribing.v1) and the dispensing reactor before start-up. */
@Injectable()
export class PrescribingPlumbing implements OnModuleInit {
  constructor(
    private readonly plumbing: EventPlumbing,
    private readonly reactor: DispensingReactor,
  ) {}

  onModuleInit(): void {
    this.plumbing.registerRelay({
      name: PRESCRIBING_RELAY,
      source: Sources.prescribing,
      streamPrefixes: [PRESCRIPTION_STREAM_PREFIX, ISSUE_SIGNAL_STREAM_PREFIX],
      map: (e) => (e.streamId.startsWith(ISSUE_SIGNAL_STREAM_PREFIX) ? toIssueSignalMessage(e) : toPrescribingIntegrationEvent(e)),
    });
    this.plumbing.registerConsumer(this.reactor.consumerOptions());
  }
}
