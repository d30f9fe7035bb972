import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { RecordedEvent } from '@rx/event-store';
import { EVENT_STORE, EventStore, LEADER_ELECTION, type LeaderElection } from '@rx/event-store';
import type { ConsumerHandle, ConsumerOptions, DeadLetterConsumerOptions, MessageBus } from '@rx/messaging';
import { MESSAGE_BUS, Relay } from '@rx/messaging';

/** What a context publishes for one of its stored events; null for internal events. */
export interface IntegrationMessage {
  topic: string;
  /** Partition key and CloudEvents subject: the prescription id. */
  key: string;
  type: string;
  data: unknown;
}

export interface RelayRegistration {
  /** Durable checkpoint name, e.g. `relay-prescribing`. */
  name: string;
  /** CloudEvents `source`, e.g. `/rx/prescribing`. */
  source: string;
  streamPrefixes: readonly string[];
  map(event: RecordedEvent): IntegrationMessage | null;
}

/**
 * Starts and stops what moves events between contexts, in the order that loses nothing:
 * bus, then consumers, then relays at start; consumers, then relays (flushed), then the bus at
 * shutdown; the store closes last. Every instance consumes (the bus's consumer groups share the
 * work); a relay runs only on the instance that leads the job `relay:<name>`, so two instances on
 * one store do not both publish. Shutdown closes the election, which stops the relays and
 * sweepers this instance leads and frees their jobs for another instance at once.
 */
@Injectable()
export class EventPlumbing implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('plumbing');
  private readonly relayRegistrations: RelayRegistration[] = [];
  private readonly consumerRegistrations: ConsumerOptions[] = [];
  private readonly deadLetterRegistrations: DeadLetterConsumerOptions[] = [];
  private readonly consumers: ConsumerHandle[] = [];
  private readonly relays: Relay[] = [];
  private started = false;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(LEADER_ELECTION) private readonly election: LeaderElection,
  ) {}

  registerRelay(registration: RelayRegistration): void {
    if (this.started) throw new Error('relays must be registered before the application starts');
    this.relayRegistrations.push(registration);
  }

  registerConsumer(options: ConsumerOptions): void {
    if (this.started) throw new Error('consumers must be registered before the application starts');
    this.consumerRegistrations.push(options);
  }

  registerDeadLetterConsumer(options: DeadLetterConsumerOptions): void {
    if (this.started) throw new Error('consumers must be registered before the application starts');
    this.deadLetterRegistrations.push(options);
  }

  relayStatus(): Record<string, unknown>[] {
    return this.relays.map((r) => {
      const s = r.status;
      return {
        name: s.name,
        running: s.running,
        caughtUp: s.caughtUp,
        checkpoint: s.checkpoint?.toString() ?? null,
        lastPublishedPosition: s.lastPublishedPosition?.toString() ?? null,
        published: s.publishedCount,
        ...(s.failing ? { failing: s.failing } : {}),
      };
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    this.started = true;
    await this.bus.start();
    for (const c of this.deadLetterRegistrations) this.consumers.push(await this.bus.consumeDeadLetters(c));
    for (const c of this.consumerRegistrations) this.consumers.push(await this.bus.consume(c));
    for (const r of this.relayRegistrations) {
      const relay = new Relay({
        name: r.name,
        store: this.store,
        bus: this.bus,
        streamPrefixes: r.streamPrefixes,
        source: r.source,
        map: r.map,
      });
      this.relays.push(relay);
      await this.election.campaign(`relay:${r.name}`, { onElected: () => relay.start(), onDeposed: () => relay.stop() });
    }
    this.logger.log({ msg: 'event plumbing started', bus: this.bus.kind, consumers: this.consumers.map((c) => c.groupId), relays: this.relays.map((r) => r.name) });
  }

  async beforeApplicationShutdown(): Promise<void> {
    for (const c of this.consumers.splice(0)) await c.stop();
    await this.election.close();
    for (const r of this.relays.splice(0)) await r.stop();
    await this.bus.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}
