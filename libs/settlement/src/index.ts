export * from './domain';
export * from './settlement.module';
export { toSettlementIntegrationEvent, SETTLEMENT_RELAY } from './application/relay/settlement-relay.mapper';
export { DispensingReactor as SettlementDispensingReactor, SETTLEMENT_CONSUMER_GROUP } from './application/payment/dispensing.reactor';
