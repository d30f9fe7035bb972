export { describeEventStoreContract, newEvent, waitFor } from './event-store.contract';
export { DelegatingStore, LatentStore } from './delegating-store';
