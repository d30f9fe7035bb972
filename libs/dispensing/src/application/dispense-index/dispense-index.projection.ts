import { Inject, Injectable } from '@nestjs/common';
import { EVENT_STORE, type EventStore } from '@rx/event-store';
import type { PrescriptionDispensed } from '../../domain/dispensation.events';

export const DISPENSATION_STREAM_PREFIX = 'dispensation-';
const PAGE = 500;

/**
 * dispenseId → prescriptionId, for the reversal endpoint (which names only the dispense).
 * A pull-based read model of the context's own `PrescriptionDispensed` events, rebuildable from
 * position zero (in memory: a restart rebuilds it). It catches up before every lookup, so a
 * dispense appended by another instance on the same store is found too.
 */
@Injectable()
export class DispenseIndex {
  private readonly prescriptionOf = new Map<string, string>();
  private position: bigint | undefined;
  private chain: Promise<void> = Promise.resolve();

  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async lookup(dispenseId: string): Promise<string | undefined> {
    await this.catchUp();
    return this.prescriptionOf.get(dispenseId);
  }

  /** Catch-ups run one after another, each starting after its caller asked (so it sees what the caller saw). */
  catchUp(): Promise<void> {
    const run = this.chain.catch(() => undefined).then(() => this.readNew());
    this.chain = run;
    return run;
  }

  private async readNew(): Promise<void> {
    for (;;) {
      const batch = await this.store.readAll({ after: this.position, streamPrefixes: [DISPENSATION_STREAM_PREFIX], eventTypes: ['PrescriptionDispensed'], maxCount: PAGE });
      for (const e of batch) {
        const data = e.data as PrescriptionDispensed['data'];
        this.prescriptionOf.set(data.dispenseId, data.prescriptionId);
      }
      if (batch.length > 0) this.position = batch[batch.length - 1].position;
      if (batch.length < PAGE) return;
    }
  }
}
