import type { RecoveryLine } from '../../../domain/pharmacy-claim.decider';
import { Inject, Injectable } from '@nestjs/common';
import { EVENT_STORE, type EventStore, type RecordedEvent } from '@rx/event-store';
import { DeadlineProjection } from '@rx/runtime';
import type { ClaimIndexEvent } from '../../../domain/claim-index.decider';
import { claimIndexStreamId, pharmacyClaimStreamId } from '../../../domain/stream-ids';

/** How long a reservation may wait for its claim before it counts as cut short (a submission takes milliseconds). */
export const CLAIM_REPAIR_GRACE_MS = 5 * 60_000;

export interface UnsubmittedReservation {
  claimId: string;
  pharmacyId: string;
  dispenseIds: string[];
  periodStart?: string;
  periodEnd?: string;
  recoveries?: RecoveryLine[];
  /** The pharmacist whose submission reserved it. */
  reservedBy: string;
}

/**
 * Reservations in the claim index whose claim was never recorded: a submission cut short between
 * its two appends, which only a retry with the same claimId used to complete. Each is due
 * `CLAIM_REPAIR_GRACE_MS` after it was reserved. Pull-based and rebuilt from position zero; it
 * only nominates, the claim decider decides.
 */
@Injectable()
export class UnsubmittedClaims extends DeadlineProjection {
  private readonly reservations = new Map<string, UnsubmittedReservation>();

  constructor(@Inject(EVENT_STORE) store: EventStore) {
    super(store, { streamPrefixes: [claimIndexStreamId(''), pharmacyClaimStreamId('')], eventTypes: ['DispensesReservedForClaim', 'ClaimSubmitted'] });
  }

  reservation(claimId: string): UnsubmittedReservation | undefined {
    return this.reservations.get(claimId);
  }

  override forget(claimId: string): void {
    super.forget(claimId);
    this.reservations.delete(claimId);
  }

  protected apply(recorded: RecordedEvent): void {
    // A claim is always recorded after its reservation, so in store order this forgets for good.
    if (recorded.type === 'ClaimSubmitted') {
      this.forget((recorded.data as { claimId: string }).claimId);
      return;
    }
    const { data } = recorded as unknown as { data: ClaimIndexEvent['data'] };
    this.reservations.set(data.claimId, {
      claimId: data.claimId,
      pharmacyId: data.pharmacyId,
      dispenseIds: data.dispenseIds,
      periodStart: data.periodStart,
      periodEnd: data.periodEnd,
      recoveries: (data.recoveries ?? []).map(({ previousClaimId: _p, ...r }) => r),
      reservedBy: recorded.metadata.actor.id,
    });
    this.watch(data.claimId, Date.parse(recorded.metadata.occurredAt) + CLAIM_REPAIR_GRACE_MS);
  }
}
