import { Inject, Injectable } from '@nestjs/common';
import { CatchUpReader, EVENT_STORE, type EventStore, type RecordedEvent } from '@rx/event-store';
import { PRESCRIPTION_STREAM_PREFIX, prescriptionIdOfStream, type PrescriptionEvent, type PrescriptionEventType } from '../../domain/prescription.events';

const WATCHED: readonly PrescriptionEventType[] = ['PrescriptionIssued', 'PrescriptionRevoked', 'PrescriptionExpired', 'DispenseRecorded', 'RevocationDeclined'];

/**
 * Read model for the expiry sweeper: open prescriptions and their validity end. Pull-based and
 * rebuildable from position zero (in memory; a restart rebuilds it). It only nominates
 * candidates: the decider decides, so a stale entry costs one no-op command.
 */
@Injectable()
export class ExpiryWatchlist {
  private readonly open = new Map<string, number>();
  private readonly reader: CatchUpReader;

  constructor(@Inject(EVENT_STORE) store: EventStore) {
    this.reader = new CatchUpReader(store, { streamPrefixes: [PRESCRIPTION_STREAM_PREFIX], eventTypes: WATCHED }, (e) => this.apply(e));
  }

  catchUp(): Promise<void> {
    return this.reader.catchUp();
  }

  /** Prescription ids whose validity ended at or before `now`, oldest first. */
  due(now: Date): string[] {
    return [...this.open.entries()]
      .filter(([, until]) => until <= now.getTime())
      .sort((a, b) => a[1] - b[1])
      .map(([id]) => id);
  }

  forget(prescriptionId: string): void {
    this.open.delete(prescriptionId);
  }

  private apply(recorded: RecordedEvent): void {
    const id = prescriptionIdOfStream(recorded.streamId);
    if (!id) return;
    const e = { type: recorded.type, data: recorded.data } as PrescriptionEvent;
    switch (e.type) {
      case 'PrescriptionIssued':
        this.open.set(id, Date.parse(e.data.validUntil));
        return;
      case 'PrescriptionRevoked':
      case 'PrescriptionExpired':
        this.open.delete(id);
        return;
      case 'DispenseRecorded':
        if (e.data.fullyDispensed) this.open.delete(id);
        return;
      case 'RevocationDeclined':
        if (e.data.status === 'DISPENSED') this.open.delete(id);
        return;
      default:
        return;
    }
  }
}
