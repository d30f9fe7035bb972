import { Inject, Injectable } from '@nestjs/common';
import { EVENT_STORE, loadState, runCommand, type Actor, type CommandOutcome, type EventStore, type RecordedEvent } from '@rx/event-store';
import { CLOCK, ID_GENERATOR, type Clock, type Decider, type DomainEvent, type IdGenerator } from '@rx/kernel';

export interface RunContext<E extends DomainEvent = DomainEvent> {
  actor: Actor;
  correlationId: string;
  causationId: string;
  /** Fresh ids for HTTP commands; derived from the source event id for reactors. */
  eventId?: (index: number, event: E) => string;
  now?: Date;
}

/** The settlement system itself: what it records on its own account (payments, seeding). */
export const SETTLEMENT_SYSTEM: Actor = { role: 'system', id: 'settlement' };

/** The one place settlement's deciders meet the store: load, fold, decide, append. */
@Injectable()
export class SettlementStore {
  constructor(
    @Inject(EVENT_STORE) readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  now(): Date {
    return this.clock.now();
  }

  nextId(): string {
    return this.ids.next();
  }

  run<C, E extends DomainEvent, S>(streamId: string, decider: Decider<C, E, S>, command: C, ctx: RunContext<E>): Promise<CommandOutcome<E, S>> {
    return runCommand(this.store, streamId, decider, command, {
      now: ctx.now ?? this.clock.now(),
      metadata: { actor: ctx.actor, correlationId: ctx.correlationId, causationId: ctx.causationId },
      eventId: (i, e) => (ctx.eventId ? ctx.eventId(i, e as E) : this.ids.next()),
    });
  }

  load<E extends DomainEvent, S>(streamId: string, decider: Pick<Decider<unknown, E, S>, 'initialState' | 'evolve'>): Promise<{ state: S; revision: number; events: RecordedEvent[] }> {
    return loadState<E, S>(this.store, streamId, decider);
  }

  /**
   * The state just before the first event `isMine` picks (or after the whole stream when none does),
   * and whether one was found. A redelivered saga step recomputes from the state its first run saw.
   */
  async loadBefore<E extends DomainEvent, S>(
    streamId: string,
    decider: Pick<Decider<unknown, E, S>, 'initialState' | 'evolve'>,
    isMine: (e: E) => boolean,
  ): Promise<{ state: S; found: boolean }> {
    // The saga appends to this stream next.
    const events = await this.store.readStream(streamId, { forAppend: true });
    let state = decider.initialState();
    for (const recorded of events) {
      const e = { type: recorded.type, data: recorded.data } as E;
      if (isMine(e)) return { state, found: true };
      state = decider.evolve(state, e);
    }
    return { state, found: false };
  }
}
