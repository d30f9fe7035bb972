export { describeEventStoreContract, newEvent, waitFor } from './event-store.contract';
export { DelegatingStore, LatentStore } from './delegating-store';
export { createTestDatabase, TEST_POSTGRES_ADMIN_URL, type TestDatabase } from './postgres-database';
