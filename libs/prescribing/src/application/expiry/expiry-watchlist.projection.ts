import { Inject, Injectable } from '@nestjs/common';
import { EVENT_STORE, type EventStore, type RecordedEvent } from '@rx/event-store';
import { DeadlineProjection } from '@rx/runtime';
import { PRESCRIPTION_STREAM_PREFIX, prescriptionIdOfStream, type PrescriptionEvent, type PrescriptionEventType } from '../../domain/prescription.events';

const WATCHED: readonly PrescriptionEventType[] = ['PrescriptionIssued', 'PrescriptionRevoked', 'PrescriptionExpired', 'DispenseRecorded', 'DispenseReversalRecorded', 'RevocationDeclined'];

/**
 * Read model for the expiry sweeper: open prescriptions and their validity end. Pull-based and
 * rebuildable from position zero (in memory; a restart rebuilds it). It only nominates
 * candidates: the decider decides, so a stale entry costs one no-op command.
 */
@Injectable()
export class ExpiryWatchlist extends DeadlineProjection {
  constructor(@Inject(EVENT_STORE) store: EventStore) {
    super(store, { streamPrefixes: [PRESCRIPTION_STREAM_PREFIX], eventTypes: WATCHED });
  }

  protected apply(recorded: RecordedEvent): void {
    const id = prescriptionIdOfStream(recorded.streamId);
    if (!id) return;
    const e = { type: recorded.type, data: recorded.data } as PrescriptionEvent;
    switch (e.type) {
      case 'PrescriptionIssued':
        this.watch(id, e.data.validUntil);
        return;
      case 'PrescriptionRevoked':
      case 'PrescriptionExpired':
        this.forget(id);
        return;
      case 'DispenseRecorded':
        if (e.data.fullyDispensed) this.forget(id);
        return;
      case 'DispenseReversalRecorded':
        if (e.data.reopened) this.watch(id, e.data.validUntil);
        return;
      case 'RevocationDeclined':
        if (e.data.status === 'DISPENSED') this.forget(id);
        return;
      default:
        return;
    }
  }
}
