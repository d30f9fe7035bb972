export * from './message-bus.port';
export * from './logger';
export { encodeMessage, DEFAULT_MAX_ATTEMPTS, DEFAULT_INITIAL_BACKOFF_MS } from './codec';
export * from './in-memory-message-bus';
export * from './kafka/kafka-message-bus';
export * from './envelope';
export * from './relay';
