import { DynamicModule, Global, Module, Provider } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { AuthModule } from '@rx/auth';
import { createEventStore, createLeaderElection, EVENT_STORE, EventStore, LEADER_ELECTION, WriteTrackingStore } from '@rx/event-store';
import { CLOCK, Clock, ID_GENERATOR, IdGenerator, systemClock, uuidGenerator } from '@rx/kernel';
import { InMemoryMessageBus, KafkaMessageBus, MESSAGE_BUS, MessageBus } from '@rx/messaging';
import { ALL_TOPICS, AUDIT_TOPIC, TOPIC_ACCESS, type ContextApp } from '@rx/contracts';
import { REFERENCE_DATA, ReferenceDataService } from '@rx/reference-data';
import { RX_CONFIG, RuntimeConfig } from './config';
import { EventPlumbing } from './event-plumbing';
import { HealthController } from './http/health.controller';
import { RegistryActorDirectory } from './registry-actor-directory';

export interface RuntimeOptions {
  config: RuntimeConfig;
  clock?: Clock;
  ids?: IdGenerator;
  /** An already-open store (tests share one with their assertions). */
  store?: EventStore;
  bus?: MessageBus;
}

/**
 * The chassis every app imports once: configuration, clock, ids, event store, message bus,
 * reference data, authentication and the event plumbing, all global so context modules stay thin.
 */
@Global()
@Module({})
export class RuntimeModule {
  static forRoot(options: RuntimeOptions): DynamicModule {
    const { config } = options;
    const providers: Provider[] = [
      { provide: RX_CONFIG, useValue: config },
      { provide: CLOCK, useValue: options.clock ?? systemClock },
      { provide: ID_GENERATOR, useValue: options.ids ?? uuidGenerator },
      // Watched for failing writes, whatever the adapter: /health says the store is not ok while they fail.
      { provide: EVENT_STORE, useFactory: () => new WriteTrackingStore(options.store ?? createEventStore(config.eventStore, { sqlite: { synchronous: config.sqliteSynchronous } })) },
      { provide: MESSAGE_BUS, useFactory: () => options.bus ?? createBus(config) },
      // One leader per singleton job (relays, sweepers) among the instances sharing the store.
      { provide: LEADER_ELECTION, useFactory: (store: EventStore) => createLeaderElection(store, { instanceId: config.instanceId }), inject: [EVENT_STORE] },
      // Loaded and validated once at start: a bad file stops start-up naming file and field.
      { provide: ReferenceDataService, useFactory: () => ReferenceDataService.load(config.referenceDataDir) },
      { provide: REFERENCE_DATA, useExisting: ReferenceDataService },
      EventPlumbing,
    ];
    return {
      module: RuntimeModule,
      // One command and query bus for every context in the process (handlers are found in all modules).
      imports: [
        AuthModule.forRoot({
          secret: config.jwtSecret,
          policy: { maxLifetimeSeconds: config.jwtMaxLifetimeSeconds },
          directory: { useFactory: (ref: ReferenceDataService, clock: Clock) => new RegistryActorDirectory(ref, clock), inject: [ReferenceDataService, CLOCK] },
        }),
        CqrsModule.forRoot(),
      ],
      controllers: [HealthController],
      providers,
      exports: [RX_CONFIG, CLOCK, ID_GENERATOR, EVENT_STORE, LEADER_ELECTION, MESSAGE_BUS, REFERENCE_DATA, ReferenceDataService, EventPlumbing, AuthModule],
    };
  }
}

export function createBus(config: RuntimeConfig): MessageBus {
  if (config.bus === 'memory') return new InMemoryMessageBus();
  return new KafkaMessageBus({
    brokers: config.kafkaBrokers,
    clientId: `rx-${config.appName}`,
    partitions: config.kafkaPartitions,
    sessionTimeout: config.kafkaSessionTimeoutMs,
    topics: topicsAtStart(config.appName),
    sasl: config.kafkaSasl,
    ssl: config.kafkaSsl ? (config.kafkaSsl.ca ? { ca: [config.kafkaSsl.ca] } : true) : undefined,
  });
}

/**
 * The topics a context app consumes, checked (or created) with their dead-letter topics at start;
 * its own topic is checked at its first publish. Under ACLs a principal sees only the topics it
 * may use, so it asks for nothing else. The platform (every context) takes them all.
 */
export function topicsAtStart(appName: string): string[] {
  const access = TOPIC_ACCESS[appName as ContextApp];
  return access ? [...access.consumes] : [...ALL_TOPICS, AUDIT_TOPIC];
}
