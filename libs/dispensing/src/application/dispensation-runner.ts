import { Inject, Injectable } from '@nestjs/common';
import { EVENT_STORE, loadState, runCommand, type Actor, type CommandOutcome, type EventStore } from '@rx/event-store';
import { chinaYear, CLOCK, ID_GENERATOR, type Clock, type Decider, type IdGenerator } from '@rx/kernel';
import { REFERENCE_DATA, ReferenceDataService, type ReferenceData } from '@rx/reference-data';
import type { DispensationCommand } from '../domain/dispensation.commands';
import { decideDispensation, evolveDispensation, initialDispensation } from '../domain/dispensation.decider';
import type { DispensationEvent } from '../domain/dispensation.events';
import { dispensationStreamId, type Dispensation } from '../domain/dispensation.state';
import { DEFAULT_PICKUP_THROTTLE, dispensingPolicyFrom, type DispensingPolicy } from '../domain/dispensing-policy';

export interface RunContext {
  actor: Actor;
  correlationId: string;
  causationId: string;
  /** Event ids: fresh for HTTP commands, derived from the source for reactors and the sweeper. */
  eventId?: (index: number, event: DispensationEvent) => string;
  now?: Date;
}

/**
 * The one place the dispensation decider meets the store: load, fold, decide, append (with
 * reload-and-decide on a concurrency conflict, which is what makes one claim win a race).
 * The policy comes from the prescription's region, for the current policy year.
 */
@Injectable()
export class DispensationRunner {
  private readonly ref: ReferenceDataService;
  private readonly policies = new Map<string, DispensingPolicy>();
  private readonly decider: Decider<DispensationCommand, DispensationEvent, Dispensation>;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    @Inject(REFERENCE_DATA) ref: ReferenceData,
  ) {
    this.ref = ReferenceDataService.from(ref);
    this.decider = {
      initialState: initialDispensation,
      evolve: evolveDispensation,
      decide: (command, state, now) => decideDispensation(command, state, now, this.policyFor(state, now)),
    };
  }

  now(): Date {
    return this.clock.now();
  }

  nextId(): string {
    return this.ids.next();
  }

  run(prescriptionId: string, command: DispensationCommand, ctx: RunContext): Promise<CommandOutcome<DispensationEvent, Dispensation>> {
    return runCommand(this.store, dispensationStreamId(prescriptionId), this.decider, command, {
      now: ctx.now ?? this.clock.now(),
      metadata: { actor: ctx.actor, correlationId: ctx.correlationId, causationId: ctx.causationId },
      eventId: (i, e) => (ctx.eventId ? ctx.eventId(i, e as DispensationEvent) : this.ids.next()),
    });
  }

  async load(prescriptionId: string): Promise<{ state: Dispensation; events: DispensationEvent[] }> {
    const { state, events } = await loadState<DispensationEvent, Dispensation>(this.store, dispensationStreamId(prescriptionId), this.decider);
    return { state, events: events.map((e) => ({ type: e.type, data: e.data }) as DispensationEvent) };
  }

  /**
   * The region's policy for the year of `now`, by the one lookup (`ReferenceDataService.policyChoice`:
   * a year not yet published is governed by the latest published one). Only known prescriptions
   * need one: every other command is refused before it is read, so an unknown one gets any region's.
   */
  policyFor(state: Dispensation, now: Date): DispensingPolicy {
    const region = state.status === 'unknown' ? this.ref.policies[0]?.regionCode : state.rx.regionCode;
    const year = chinaYear(now);
    const key = `${region}/${year}`;
    let policy = this.policies.get(key);
    if (!policy) {
      const chosen = region === undefined ? undefined : this.ref.policyFor(region, year);
      if (!chosen) throw new RangeError(`no dispensing policy for region ${region}`);
      policy = dispensingPolicyFrom(chosen, DEFAULT_PICKUP_THROTTLE);
      this.policies.set(key, policy);
    }
    return policy;
  }
}
