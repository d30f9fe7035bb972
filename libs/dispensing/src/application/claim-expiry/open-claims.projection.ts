import { Inject, Injectable } from '@nestjs/common';
import { EVENT_STORE, type EventStore, type RecordedEvent } from '@rx/event-store';
import { DeadlineProjection } from '@rx/runtime';
import type { DispensationEvent, DispensationEventType } from '../../domain/dispensation.events';
import { DISPENSATION_STREAM_PREFIX } from '../dispense-index/dispense-index.projection';

const WATCHED: readonly DispensationEventType[] = ['PrescriptionClaimed', 'ClaimReleased', 'PrescriptionDispensed', 'PrescriptionWithdrawn'];

/**
 * Read model for the claim-expiry sweeper: prescriptions under a claim and when it lapses.
 * Pull-based and rebuildable from position zero (in memory). It only nominates candidates: the
 * decider decides, so a stale entry costs one no-op command.
 */
@Injectable()
export class OpenClaims extends DeadlineProjection {
  constructor(@Inject(EVENT_STORE) store: EventStore) {
    super(store, { streamPrefixes: [DISPENSATION_STREAM_PREFIX], eventTypes: WATCHED });
  }

  protected apply(recorded: RecordedEvent): void {
    const e = { type: recorded.type, data: recorded.data } as DispensationEvent;
    const id = e.data.prescriptionId;
    switch (e.type) {
      case 'PrescriptionClaimed':
        this.watch(id, e.data.expiresAt);
        return;
      case 'ClaimReleased':
      case 'PrescriptionWithdrawn':
        this.forget(id);
        return;
      case 'PrescriptionDispensed':
        // Completion ends the claim; a partial dispense leaves it until it lapses.
        if (e.data.fullyDispensed) this.forget(id);
        return;
      default:
        return;
    }
  }
}
