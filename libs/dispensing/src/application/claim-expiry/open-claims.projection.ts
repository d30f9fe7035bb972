import { Inject, Injectable } from '@nestjs/common';
import { EVENT_STORE, type EventStore, type RecordedEvent } from '@rx/event-store';
import type { DispensationEvent, DispensationEventType } from '../../domain/dispensation.events';
import { DISPENSATION_STREAM_PREFIX } from '../dispense-index/dispense-index.projection';

const WATCHED: readonly DispensationEventType[] = ['PrescriptionClaimed', 'ClaimReleased', 'PrescriptionDispensed', 'PrescriptionWithdrawn'];
const PAGE = 500;

/**
 * Read model for the claim-expiry sweeper: prescriptions under a claim and when it lapses.
 * Pull-based and rebuildable from position zero (in memory). It only nominates candidates: the
 * decider decides, so a stale entry costs one no-op command.
 */
@Injectable()
export class OpenClaims {
  private readonly open = new Map<string, number>();
  private position: bigint | undefined;

  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async catchUp(): Promise<void> {
    for (;;) {
      const batch = await this.store.readAll({ after: this.position, streamPrefixes: [DISPENSATION_STREAM_PREFIX], eventTypes: WATCHED, maxCount: PAGE });
      for (const e of batch) this.apply(e);
      if (batch.length > 0) this.position = batch[batch.length - 1].position;
      if (batch.length < PAGE) return;
    }
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
