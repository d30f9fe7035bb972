import { Inject, Injectable } from '@nestjs/common';
import { CatchUpReader, EVENT_STORE, type EventStore } from '@rx/event-store';
import type { PrescriptionDispensed } from '../../domain/dispensation.events';

export const DISPENSATION_STREAM_PREFIX = 'dispensation-';

/**
 * dispenseId → prescriptionId, for the reversal endpoint (which names only the dispense).
 * A pull-based read model of the context's own `PrescriptionDispensed` events, rebuildable from
 * position zero (in memory: a restart rebuilds it). It catches up before every lookup, so a
 * dispense appended by another instance on the same store is found too.
 */
@Injectable()
export class DispenseIndex {
  private readonly prescriptionOf = new Map<string, string>();
  private readonly reader: CatchUpReader;

  constructor(@Inject(EVENT_STORE) store: EventStore) {
    this.reader = new CatchUpReader(store, { streamPrefixes: [DISPENSATION_STREAM_PREFIX], eventTypes: ['PrescriptionDispensed'] }, (e) => {
      const data = e.data as PrescriptionDispensed['data'];
      this.prescriptionOf.set(data.dispenseId, data.prescriptionId);
    });
  }

  async lookup(dispenseId: string): Promise<string | undefined> {
    await this.catchUp();
    return this.prescriptionOf.get(dispenseId);
  }

  catchUp(): Promise<void> {
    return this.reader.catchUp();
  }
}
