import { Inject, Injectable } from '@nestjs/common';
import { EVENT_STORE, UniqueKeys, type EventStore } from '@rx/event-store';
import { DispensationRunner } from '../dispensation-runner';
import { DispenseIndex } from '../dispense-index/dispense-index.projection';

/**
 * The context's platform-wide unique keys, each guarded by the store (`UniqueKeys` in
 * @rx/event-store), so any number of instances sharing a store agree:
 * - `dispense-id`: a client-chosen dispenseId, held by its prescription;
 * - `reversal-id`: a client-chosen reversalId, held by the dispense it reverses;
 * - `trace-code`: a traceability code, held by the dispense that sold it until that dispense is reversed.
 * A holder whose fact is not stored (its command died between the reservation and its own append)
 * gives way after `abandonAfterMs`; the checks below ask the store whether the fact stands.
 */
@Injectable()
export class DispensingKeys {
  readonly dispenseIds: UniqueKeys;
  readonly reversalIds: UniqueKeys;
  readonly traceCodes: UniqueKeys;

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    private readonly runner: DispensationRunner,
    private readonly index: DispenseIndex,
  ) {
    this.dispenseIds = new UniqueKeys(store, 'dispense-id', { ownerStillHolds: async (rxId, dispenseId) => (await this.index.lookup(dispenseId)) === rxId });
    this.reversalIds = new UniqueKeys(store, 'reversal-id', { ownerStillHolds: async (dispenseId, reversalId) => (await this.dispense(dispenseId))?.reversal?.reversalId === reversalId });
    this.traceCodes = new UniqueKeys(store, 'trace-code', {
      ownerStillHolds: async (dispenseId, code) => {
        const d = await this.dispense(dispenseId);
        return !!d && !d.reversal && d.lines.some((l) => l.traceCodes.includes(code));
      },
    });
  }

  /** The prescription of a stored dispense, for evidence. */
  prescriptionOf(dispenseId: string): Promise<string | undefined> {
    return this.index.lookup(dispenseId);
  }

  private async dispense(dispenseId: string) {
    const rxId = await this.index.lookup(dispenseId);
    if (!rxId) return undefined;
    const { state } = await this.runner.load(rxId);
    return state.status === 'unknown' ? undefined : state.dispenses.find((d) => d.dispenseId === dispenseId);
  }
}
