import type { Actor, CommandOutcome } from '@rx/event-store';
import { derivedId, type Decider } from '@rx/kernel';
import type { ClaimLine, PharmacyClaim, RecoveryLine, PharmacyClaimCommand, PharmacyClaimEvent } from '../../../domain/pharmacy-claim.decider';
import { pharmacyClaimStreamId } from '../../../domain/stream-ids';
import type { SettlementStore } from '../../settlement-store';

export interface ReservedClaim {
  claimId: string;
  pharmacyId: string;
  submittedBy: string;
  periodStart: string;
  periodEnd: string;
  lines: ClaimLine[];
  recoveries: RecoveryLine[];
}

/**
 * Step (3) of a submission: the claim's own stream records what the claim index reserved. The
 * submit handler and the repair sweeper both end here; the event id derives from the claim id, and
 * the same submission again is a no-op for the decider, so both writing it appends one claim.
 */
export function submitReservedClaim(
  s: SettlementStore,
  decider: Decider<PharmacyClaimCommand, PharmacyClaimEvent, PharmacyClaim>,
  claim: ReservedClaim,
  ctx: { now: Date; actor: Actor; correlationId: string; causationId: string },
): Promise<CommandOutcome<PharmacyClaimEvent, PharmacyClaim>> {
  const { claimId, pharmacyId, submittedBy, periodStart, periodEnd, lines, recoveries } = claim;
  return s.run(
    pharmacyClaimStreamId(claimId),
    decider,
    { type: 'SubmitClaim', data: { claimId, pharmacyId, submittedBy, periodStart, periodEnd, dispenses: lines, recoveries } },
    { ...ctx, eventId: (i) => derivedId(claimId, `settlement:claim-submitted:${i}`) },
  );
}
