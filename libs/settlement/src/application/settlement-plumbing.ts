import { Injectable, type OnModuleInit } from '@nestjs/common';
import { Sources } from '@rx/contracts';
import { EventPlumbing } from '@rx/runtime';
import { AgreementSeeder } from './agreements/agreement-seeder';
import { DispensingReactor } from './payment/dispensing.reactor';
import { RELAYED_STREAM_PREFIXES, SETTLEMENT_RELAY, toSettlementIntegrationEvent } from './relay/settlement-relay.mapper';

/**
 * Before start-up: seeds the agreements (so the first dispense already finds them), registers the
 * relay (own streams → rx.settlement.v1) and the dispensing reactor (consumer group `settlement`).
 */
@Injectable()
export class SettlementPlumbing implements OnModuleInit {
  constructor(
    private readonly plumbing: EventPlumbing,
    private readonly reactor: DispensingReactor,
    private readonly seeder: AgreementSeeder,
  ) {}

  async onModuleInit(): Promise<void> {
    this.plumbing.registerRelay({ name: SETTLEMENT_RELAY, source: Sources.settlement, streamPrefixes: RELAYED_STREAM_PREFIXES, map: toSettlementIntegrationEvent });
    this.plumbing.registerConsumer(this.reactor.consumerOptions());
    await this.seeder.seed();
  }
}
