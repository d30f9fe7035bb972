export * from './prescribing.module';
export * from './domain/prescription.events';
export * from './domain/prescription.commands';
export * from './domain/prescription.errors';
export * from './domain/prescription.decider';
export * from './domain/prescription-content';
export { ExpirySweeper } from './application/expiry/expiry.sweeper';
export { PickupCodes } from './application/pickup-codes';
export { toPrescribingIntegrationEvent } from './application/relay/prescribing-relay.mapper';
