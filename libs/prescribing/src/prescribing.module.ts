import { join } from 'node:path';
import { Module } from '@nestjs/common';
import { ReferenceDataService } from '@rx/reference-data';
import { RX_CONFIG, type RuntimeConfig } from '@rx/runtime';
import { PRESCRIPTION_SIGNER } from './domain/prescription-content';
import { DispensingReactor } from './application/dispensing-reactor/dispensing.reactor';
import { ExpiryWatchlist } from './application/expiry/expiry-watchlist.projection';
import { DEFAULT_EXPIRY_SWEEP_INTERVAL_MS, EXPIRY_SWEEP_INTERVAL_MS, ExpirySweeper } from './application/expiry/expiry.sweeper';
import { GetPrescriptionHandler } from './application/get-prescription/get-prescription.handler';
import { IssuePrescriptionHandler } from './application/issue-prescription/issue-prescription.handler';
import { KeyFileSigner } from './application/key-file-signer';
import { PICKUP_CODES, PickupCodes } from './application/pickup-codes';
import { IssueRefusals } from './application/issue-refusals';
import { PrescribingPlumbing } from './application/prescribing-plumbing';
import { PrescriptionRunner } from './application/prescription-runner';
import { RevokePrescriptionHandler } from './application/revoke-prescription/revoke-prescription.handler';
import { PrescriptionsController } from './http/prescriptions.controller';

/**
 * The prescribing context: issue, sign, revoke, expire (issue 3). Everything else it needs
 * (store, bus, clock, ids, reference data, auth) comes from the global RuntimeModule.
 */
@Module({
  controllers: [PrescriptionsController],
  providers: [
    { provide: PICKUP_CODES, useFactory: (config: RuntimeConfig) => new PickupCodes(config.pickupCodeSecret), inject: [RX_CONFIG] },
    {
      provide: PRESCRIPTION_SIGNER,
      // Demo keys live next to the reference data (data/reference/keys, demo-only); production points elsewhere.
      useFactory: (config: RuntimeConfig, ref: ReferenceDataService) => new KeyFileSigner(join(config.referenceDataDir, 'keys'), ref),
      inject: [RX_CONFIG, ReferenceDataService],
    },
    { provide: EXPIRY_SWEEP_INTERVAL_MS, useValue: DEFAULT_EXPIRY_SWEEP_INTERVAL_MS },
    PrescriptionRunner,
    IssuePrescriptionHandler,
    IssueRefusals,
    RevokePrescriptionHandler,
    GetPrescriptionHandler,
    DispensingReactor,
    ExpiryWatchlist,
    ExpirySweeper,
    PrescribingPlumbing,
  ],
  exports: [ExpirySweeper],
})
export class PrescribingModule {}
