import type { DynamicModule, Type } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { Role, TokenService } from '@rx/auth';
import { createEventStore, EventStore } from '@rx/event-store';
import { ManualClock, IdGenerator } from '@rx/kernel';
import { InMemoryMessageBus, MessageBus } from '@rx/messaging';
import { ReferenceDataService } from '@rx/reference-data';
import { createApp } from '../bootstrap';
import { loadConfig, RuntimeConfig } from '../config';
import { JsonLogger } from '../logger';
import { registeredUser } from '../registry-actor-directory';
export { referenceDataWith } from './reference-data-with';

export const TEST_JWT_SECRET = 'test-secret-of-at-least-thirty-two-characters';

export interface TestApp {
  app: NestFastifyApplication;
  http: TestAgent;
  clock: ManualClock;
  store: EventStore;
  bus: MessageBus;
  config: RuntimeConfig;
  /** A token with exactly these claims (registered or not: spoofing tests use it). */
  token(role: Role, sub: string, org: string): string;
  /** `Authorization` header value for exactly these claims. */
  bearer(role: Role, sub: string, org: string): string;
  /** `Authorization` header value for a registered user of the app's reference data, by id (`D001`, `PH002`, `AG001`…). */
  as(sub: string): string;
  close(): Promise<void>;
}

/**
 * A whole Nest app over HTTP (no port), a real SQLite store (in memory unless a file is given),
 * the in-process bus, and a clock the test moves.
 */
export async function createTestApp(options: {
  imports: (Type | DynamicModule)[];
  clock?: ManualClock;
  store?: EventStore;
  bus?: MessageBus;
  ids?: IdGenerator;
  env?: Record<string, string>;
  /** Serve the console and its API, as the platform does. */
  console?: boolean;
}): Promise<TestApp> {
  const clock = options.clock ?? new ManualClock();
  // Tests drive many requests from one client: a limit they never reach, unless a test sets its own.
  const config = loadConfig({ RX_JWT_SECRET: TEST_JWT_SECRET, RX_EVENT_STORE: 'sqlite::memory:', RX_RATE_LIMIT_MAX: '100000000', ...options.env }, 'test');
  const store = options.store ?? createEventStore('sqlite::memory:');
  const bus = options.bus ?? new InMemoryMessageBus();
  const logger = new JsonLogger(process.env.RX_TEST_LOG === '1' ? 'debug' : 'error');
  const app = await createApp({ config, clock, store, bus, ids: options.ids }, options.imports, logger, { console: options.console });
  await app.init();
  // Fastify registers its routes and plugins on `ready`; supertest then talks to the bare server.
  await app.getHttpAdapter().getInstance().ready();
  // Tokens expire on real time (security), not the test clock that drives the domain.
  const tokens = new TokenService(TEST_JWT_SECRET, undefined, { maxLifetimeSeconds: config.jwtMaxLifetimeSeconds });
  const token = (role: Role, sub: string, org: string) => tokens.sign({ sub, role, org });
  const ref = app.get(ReferenceDataService);
  const as = (sub: string) => {
    const user = registeredUser(ref, sub);
    return `Bearer ${token(user.role, sub, user.org)}`;
  };
  return {
    app,
    http: request(app.getHttpServer()),
    clock,
    store,
    bus,
    config,
    token,
    bearer: (role, sub, org) => `Bearer ${token(role, sub, org)}`,
    as,
    close: () => app.close(),
  };
}
