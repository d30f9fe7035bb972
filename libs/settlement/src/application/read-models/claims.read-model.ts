import { Inject, Injectable } from '@nestjs/common';
import { EVENT_STORE, type EventStore, type RecordedEvent } from '@rx/event-store';
import { createPharmacyClaimDecider, type PharmacyClaim, type PharmacyClaimEvent } from '../../domain/pharmacy-claim.decider';

export const PHARMACY_CLAIM_STREAM_PREFIX = 'pharmacyclaim-';
const PAGE = 500;
// evolve does not depend on the deadline configuration.
const { evolve, initialState } = createPharmacyClaimDecider({ calendars: [], deadlineWorkingDays: 0 });

/**
 * Every pharmacy claim's current state, for listings (overdue claims). In memory, pulled from the
 * store and rebuildable from position zero; single-claim reads go to the claim's stream instead.
 */
@Injectable()
export class ClaimsReadModel {
  private position: bigint | undefined;
  private pending: Promise<void> = Promise.resolve();
  private readonly claims = new Map<string, PharmacyClaim>();

  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  catchUp(): Promise<void> {
    const run = this.pending.then(() => this.pull());
    this.pending = run.catch(() => undefined);
    return run;
  }

  all(): Exclude<PharmacyClaim, { status: 'none' }>[] {
    return [...this.claims.values()].filter((c): c is Exclude<PharmacyClaim, { status: 'none' }> => c.status !== 'none');
  }

  private async pull(): Promise<void> {
    for (;;) {
      const batch = await this.store.readAll({ after: this.position, streamPrefixes: [PHARMACY_CLAIM_STREAM_PREFIX], maxCount: PAGE });
      for (const e of batch) this.apply(e);
      if (batch.length > 0) this.position = batch[batch.length - 1].position;
      if (batch.length < PAGE) return;
    }
  }

  private apply(recorded: RecordedEvent): void {
    const claimId = recorded.streamId.slice(PHARMACY_CLAIM_STREAM_PREFIX.length);
    this.claims.set(claimId, evolve(this.claims.get(claimId) ?? initialState(), { type: recorded.type, data: recorded.data } as PharmacyClaimEvent));
  }
}
