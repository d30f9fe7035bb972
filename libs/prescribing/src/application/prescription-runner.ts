import { Inject, Injectable } from '@nestjs/common';
import { EVENT_STORE, type EventStore, loadState, runCommand, type CommandOutcome } from '@rx/event-store';
import type { Actor } from '@rx/event-store';
import { CLOCK, type Clock, ID_GENERATOR, type IdGenerator, type Decider } from '@rx/kernel';
import { PRESCRIPTION_SIGNER, type PrescriptionSigner } from '../domain/prescription-content';
import type { PrescriptionCommand } from '../domain/prescription.commands';
import { evolvePrescription, initialPrescription, prescriptionDecider, type Prescription } from '../domain/prescription.decider';
import { prescriptionStreamId, type PrescriptionEvent } from '../domain/prescription.events';

export interface RunContext {
  actor: Actor;
  correlationId: string;
  causationId: string;
  /** Event ids: fresh for HTTP commands, derived from the source for reactors and the sweeper. */
  eventId?: (index: number, event: PrescriptionEvent) => string;
  now?: Date;
}

/** The one place the prescription decider meets the store: load, fold, decide, append. */
@Injectable()
export class PrescriptionRunner {
  private readonly decider: Decider<PrescriptionCommand, PrescriptionEvent, Prescription>;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    @Inject(PRESCRIPTION_SIGNER) signer: PrescriptionSigner,
  ) {
    this.decider = prescriptionDecider(signer);
  }

  now(): Date {
    return this.clock.now();
  }

  nextId(): string {
    return this.ids.next();
  }

  run(prescriptionId: string, command: PrescriptionCommand, ctx: RunContext): Promise<CommandOutcome<PrescriptionEvent, Prescription>> {
    return runCommand(this.store, prescriptionStreamId(prescriptionId), this.decider, command, {
      now: ctx.now ?? this.clock.now(),
      metadata: { actor: ctx.actor, correlationId: ctx.correlationId, causationId: ctx.causationId },
      eventId: (i, e) => (ctx.eventId ? ctx.eventId(i, e as PrescriptionEvent) : this.ids.next()),
    });
  }

  async load(prescriptionId: string): Promise<Prescription> {
    const { state } = await loadState<PrescriptionEvent, Prescription>(this.store, prescriptionStreamId(prescriptionId), {
      initialState: initialPrescription,
      evolve: evolvePrescription,
    });
    return state;
  }
}
