import { Inject, Injectable } from '@nestjs/common';
import { EVENT_STORE, loadState, runCommand, type EventStore } from '@rx/event-store';
import { ID_GENERATOR, type IdGenerator } from '@rx/kernel';
import {
  pharmacyPickupGuardDecider,
  pharmacyPickupGuardStreamId,
  pharmacyPickupLockedUntil,
  type PharmacyPickupGuard,
  type PharmacyPickupGuardEvent,
} from '../../domain/pharmacy-pickup-guard';
import type { RunContext } from '../dispensation-runner';

/** Wrong pickup codes per pharmacy across prescriptions, read from the store on every claim so every instance sees a lock at once. */
@Injectable()
export class PharmacyPickupGuardService {
  private readonly decider = pharmacyPickupGuardDecider();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  async lockedUntil(pharmacyId: string, now: Date): Promise<string | undefined> {
    const { state } = await loadState<PharmacyPickupGuardEvent, PharmacyPickupGuard>(this.store, pharmacyPickupGuardStreamId(pharmacyId), this.decider);
    return pharmacyPickupLockedUntil(state, now);
  }

  async recordFailure(pharmacyId: string, prescriptionId: string, now: Date, ctx: RunContext): Promise<void> {
    await runCommand(this.store, pharmacyPickupGuardStreamId(pharmacyId), this.decider, { type: 'RecordPharmacyPickupFailure', data: { pharmacyId, prescriptionId } }, {
      now,
      metadata: { actor: ctx.actor, correlationId: ctx.correlationId, causationId: ctx.causationId },
      eventId: () => this.ids.next(),
    });
  }
}
