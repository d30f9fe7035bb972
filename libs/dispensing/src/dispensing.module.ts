import { Module } from '@nestjs/common';
import { ClaimPrescriptionHandler } from './application/claim-prescription/claim-prescription.handler';
import { CLAIM_SWEEP_INTERVAL_MS, ClaimExpirySweeper, DEFAULT_CLAIM_SWEEP_INTERVAL_MS } from './application/claim-expiry/claim-expiry.sweeper';
import { OpenClaims } from './application/claim-expiry/open-claims.projection';
import { DispensationRunner } from './application/dispensation-runner';
import { DispenseIndex } from './application/dispense-index/dispense-index.projection';
import { DispenseHandler } from './application/dispense/dispense.handler';
import { DispensingPlumbing } from './application/dispensing-plumbing';
import { GetDispensationHandler } from './application/get-dispensation/get-dispensation.handler';
import { AgreementReactor } from './application/pharmacy-agreements/agreement.reactor';
import { PharmacyFactsService } from './application/pharmacy-agreements/pharmacy-facts.service';
import { PharmacyPickupGuardService } from './application/claim-prescription/pharmacy-pickup-guard.service';
import { PrescribingReactor } from './application/prescribing-reactor/prescribing.reactor';
import { ReleaseClaimHandler } from './application/release-claim/release-claim.handler';
import { ReverseDispenseHandler } from './application/reverse-dispense/reverse-dispense.handler';
import { ReviewPrescriptionHandler } from './application/review-prescription/review-prescription.handler';
import { DispensingKeys } from './application/uniqueness/dispensing-keys';
import { RefusalSignals } from './application/uniqueness/refusal-signals';
import { DispensingController } from './http/dispensing.controller';

/**
 * The dispensing context: circulation, claim/release, review, dispense, reverse, and the answer
 * to revocations (issue 4). Store, bus, clock, ids, reference data and auth come from the global
 * RuntimeModule.
 */
@Module({
  controllers: [DispensingController],
  providers: [
    { provide: CLAIM_SWEEP_INTERVAL_MS, useValue: DEFAULT_CLAIM_SWEEP_INTERVAL_MS },
    DispensationRunner,
    PharmacyFactsService,
    PharmacyPickupGuardService,
    DispenseIndex,
    DispensingKeys,
    RefusalSignals,
    OpenClaims,
    ClaimPrescriptionHandler,
    ReleaseClaimHandler,
    ReviewPrescriptionHandler,
    DispenseHandler,
    ReverseDispenseHandler,
    GetDispensationHandler,
    PrescribingReactor,
    AgreementReactor,
    ClaimExpirySweeper,
    DispensingPlumbing,
  ],
  exports: [ClaimExpirySweeper],
})
export class DispensingModule {}
