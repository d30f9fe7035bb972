import { Inject, Injectable } from '@nestjs/common';
import { CatchUpReader, EVENT_STORE, type EventStore, type RecordedEvent } from '@rx/event-store';
import type { DispensationEvent, DispensationEventType } from '../../domain/dispensation.events';
import { DISPENSATION_STREAM_PREFIX } from '../dispense-index/dispense-index.projection';

const WATCHED: readonly DispensationEventType[] = ['PrescriptionClaimed', 'ClaimReleased', 'PrescriptionDispensed', 'PrescriptionWithdrawn'];

/**
 * Read model for the claim-expiry sweeper: prescriptions under a claim and when it lapses.
 * Pull-based and rebuildable from position zero (in memory). It only nominates candidates: the
 * decider decides, so a stale entry costs one no-op command.
 */
@Injectable()
export class OpenClaims {
  private readonly open = new Map<string, number>();
  private readonly reader: CatchUpReader;

  constructor(@Inject(EVENT_STORE) store: EventStore) {
    this.reader = new CatchUpReader(store, { streamPrefixes: [DISPENSATION_STREAM_PREFIX], eventTypes: WATCHED }, (e) => this.apply(e));
  }

  catchUp(): Promise<void> {
    return this.reader.catchUp();
  }

  /** Prescription ids whose claim lapsed at or before `now`, oldest first. */
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
    const e = { type: recorded.type, data: recorded.data } as DispensationEvent;
    const id = e.data.prescriptionId;
    switch (e.type) {
      case 'PrescriptionClaimed':
        this.open.set(id, Date.parse(e.data.expiresAt));
        return;
      case 'ClaimReleased':
      case 'PrescriptionWithdrawn':
        this.open.delete(id);
        return;
      case 'PrescriptionDispensed':
        // Completion ends the claim; a partial dispense leaves it until it lapses.
        if (e.data.fullyDispensed) this.open.delete(id);
        return;
      default:
        return;
    }
  }
}
