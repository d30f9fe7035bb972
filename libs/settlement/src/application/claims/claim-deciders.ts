import { chinaYear } from '@rx/kernel';
import { Injectable } from '@nestjs/common';
import type { Decider } from '@rx/kernel';
import { ReferenceDataService } from '@rx/reference-data';
import { createPharmacyClaimDecider, type PharmacyClaim, type PharmacyClaimCommand, type PharmacyClaimEvent } from '../../domain/pharmacy-claim.decider';

/** For loading claims: folding does not depend on the deadline configuration. */
export const CLAIM_FOLD = createPharmacyClaimDecider({ calendars: [], deadlineWorkingDays: 0 });

/** S1's 30 working days, used only when a region has no policy on file at all. */
const REGULATORY_DEADLINE_WORKING_DAYS = 30;

/** The claim decider with the holiday calendars and the region's settlement deadline. */
@Injectable()
export class ClaimDeciders {
  constructor(private readonly ref: ReferenceDataService) {}

  forPharmacy(pharmacyId: string, now: Date): Decider<PharmacyClaimCommand, PharmacyClaimEvent, PharmacyClaim> {
    const region = this.ref.pharmacy(pharmacyId)?.regionCode;
    // policyFor carries the latest earlier policy forward into a year not yet published.
    const policy = region ? this.ref.policyFor(region, chinaYear(now)) : undefined;
    return createPharmacyClaimDecider({ calendars: this.ref.holidays, deadlineWorkingDays: policy?.settlementDeadlineWorkingDays ?? REGULATORY_DEADLINE_WORKING_DAYS });
  }
}
