export * from './clock';
export * from './ids';
export * from './canonical-json';
export * from './money';
export * from './domain-error';
export * from './decider';
export * from './china-time';
