import { Inject, Injectable } from '@nestjs/common';
import { EVENT_STORE, loadState, runCommand, type Actor, type EventStore } from '@rx/event-store';
import { derivedId } from '@rx/kernel';
import { REFERENCE_DATA, ReferenceDataService, type ReferenceData } from '@rx/reference-data';
import type { PharmacyFacts } from '../../domain/dispensation.commands';
import {
  pharmacyFactsAt,
  pharmacyStatusDecider,
  pharmacyStatusStreamId,
  type PharmacyStatus,
  type PharmacyStatusEvent,
  type RecordAgreementDissolution,
} from '../../domain/pharmacy-status';

/**
 * Pharmacy facts for claims: reference data, overlaid with the dissolutions settlement announced.
 * Read from the store on every claim, so every instance of the app sees a dissolution at once.
 */
@Injectable()
export class PharmacyFactsService {
  private readonly ref: ReferenceDataService;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(REFERENCE_DATA) ref: ReferenceData,
  ) {
    this.ref = ReferenceDataService.from(ref);
  }

  async factsFor(pharmacyId: string, now: Date): Promise<PharmacyFacts> {
    const { state } = await loadState<PharmacyStatusEvent, PharmacyStatus>(this.store, pharmacyStatusStreamId(pharmacyId), pharmacyStatusDecider);
    return pharmacyFactsAt(this.ref.pharmacy(pharmacyId), state, now);
  }

  /** Records a dissolution; event ids derive from the source event, so a redelivery appends nothing. */
  async recordDissolution(command: RecordAgreementDissolution, ctx: { now: Date; actor: Actor; correlationId: string }): Promise<void> {
    await runCommand(this.store, pharmacyStatusStreamId(command.data.pharmacyId), pharmacyStatusDecider, command, {
      now: ctx.now,
      metadata: { actor: ctx.actor, correlationId: ctx.correlationId, causationId: command.data.sourceEventId },
      eventId: (i, e) => derivedId(command.data.sourceEventId, `dispensing:${e.type}:${i}`),
    });
  }
}
