export * from './event-store.port';
export * from './errors';
export * from './integrity';
export * from './stream-filter';
export * from './command-runner';
export * from './event-store.factory';
export { MAX_EVENT_TYPE_LENGTH, MAX_STREAM_ID_LENGTH } from './append-validation';
export { SqliteEventStore, DEFAULT_READ_ALL_MAX_COUNT, type SqliteEventStoreOptions } from './sqlite/sqlite-event-store';
export { EventStoreDbEventStore, CHECKPOINT_STREAM_PREFIX, type EventStoreDbEventStoreOptions } from './eventstoredb/esdb-event-store';
