import { Inject, Injectable } from '@nestjs/common';
import { CatchUpReader, EVENT_STORE, type EventStore, type RecordedEvent } from '@rx/event-store';
import { createPharmacyClaimDecider, type PharmacyClaim, type PharmacyClaimEvent } from '../../domain/pharmacy-claim.decider';

export const PHARMACY_CLAIM_STREAM_PREFIX = 'pharmacyclaim-';
// evolve does not depend on the deadline configuration.
const { evolve, initialState } = createPharmacyClaimDecider({ calendars: [], deadlineWorkingDays: 0 });

/**
 * Every pharmacy claim's current state, for listings (overdue claims). In memory, pulled from the
 * store and rebuildable from position zero; single-claim reads go to the claim's stream instead.
 */
@Injectable()
export class ClaimsReadModel {
  private readonly claims = new Map<string, PharmacyClaim>();
  private readonly reader: CatchUpReader;

  constructor(@Inject(EVENT_STORE) store: EventStore) {
    this.reader = new CatchUpReader(store, { streamPrefixes: [PHARMACY_CLAIM_STREAM_PREFIX] }, (e) => this.apply(e));
  }

  catchUp(): Promise<void> {
    return this.reader.catchUp();
  }

  all(): Exclude<PharmacyClaim, { status: 'none' }>[] {
    return [...this.claims.values()].filter((c): c is Exclude<PharmacyClaim, { status: 'none' }> => c.status !== 'none');
  }

  private apply(recorded: RecordedEvent): void {
    const claimId = recorded.streamId.slice(PHARMACY_CLAIM_STREAM_PREFIX.length);
    this.claims.set(claimId, evolve(this.claims.get(claimId) ?? initialState(), { type: recorded.type, data: recorded.data } as PharmacyClaimEvent));
  }
}
