export * from './config';
export * from './logger';
export * from './event-plumbing';
export * from './runtime.module';
export * from './bootstrap';
export * from './http/problem.filter';
export * from './http/validation';
export * from './http/configure-http';
