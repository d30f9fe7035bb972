import { Module } from '@nestjs/common';
import { REFERENCE_DATA, ReferenceDataService, type ReferenceData } from '@rx/reference-data';
import { CreditPersonalAccountHandler, GetPersonalAccountHandler } from './application/accounts/personal-account.handlers';
import { PersonalAccounts } from './application/accounts/personal-accounts';
import { AgreementSeeder } from './application/agreements/agreement-seeder';
import { DissolveAgreementHandler } from './application/agreements/dissolve-agreement/dissolve-agreement.handler';
import { GetAgreementHandler } from './application/agreements/get-agreement/get-agreement.handler';
import { ApproveClaimHandler } from './application/claims/approve-claim/approve-claim.handler';
import { ClaimDeciders } from './application/claims/claim-deciders';
import { GetPharmacyRecoveriesHandler } from './application/claims/recoveries/get-recoveries';
import { ClaimRepairSweeper } from './application/claims/repair/claim-repair.sweeper';
import { UnsubmittedClaims } from './application/claims/repair/unsubmitted-claims.projection';
import { GetClaimHandler } from './application/claims/get-claim/get-claim.handler';
import { ListClaimsHandler } from './application/claims/list-claims/list-claims.handler';
import { PayClaimHandler } from './application/claims/pay-claim/pay-claim.handler';
import { SubmitClaimHandler } from './application/claims/submit-claim/submit-claim.handler';
import { DispensingReactor } from './application/payment/dispensing.reactor';
import { FundPaymentSaga } from './application/payment/fund-payment.saga';
import { GetBenefitsHandler } from './application/queries/get-benefits/get-benefits.handler';
import { GetBudgetHandler } from './application/queries/get-budget/get-budget.handler';
import { GetDispensePaymentHandler } from './application/queries/get-dispense-payment/get-dispense-payment.handler';
import { ClaimsReadModel } from './application/read-models/claims.read-model';
import { PaymentsReadModel } from './application/read-models/payments.read-model';
import { SettlementPlumbing } from './application/settlement-plumbing';
import { SettlementStore } from './application/settlement-store';
import { AgreementsController } from './http/agreements.controller';
import { ClaimsController } from './http/claims.controller';
import { PersonalAccountsController } from './http/personal-accounts.controller';
import { SettlementController } from './http/settlement.controller';

/**
 * The settlement context (issue 5): fund payments from dispenses, benefit ledgers, personal
 * accounts, agreements, pharmacy claims and the pooling budget. Store, bus, clock, ids, reference
 * data and auth come from the global RuntimeModule.
 */
@Module({
  controllers: [SettlementController, AgreementsController, ClaimsController, PersonalAccountsController],
  providers: [
    { provide: ReferenceDataService, useFactory: (data: ReferenceData) => ReferenceDataService.from(data), inject: [REFERENCE_DATA] },
    SettlementStore,
    PersonalAccounts,
    FundPaymentSaga,
    CreditPersonalAccountHandler,
    GetPersonalAccountHandler,
    DispensingReactor,
    AgreementSeeder,
    ClaimDeciders,
    PaymentsReadModel,
    ClaimsReadModel,
    UnsubmittedClaims,
    ClaimRepairSweeper,
    DissolveAgreementHandler,
    GetAgreementHandler,
    SubmitClaimHandler,
    ApproveClaimHandler,
    PayClaimHandler,
    GetClaimHandler,
    ListClaimsHandler,
    GetPharmacyRecoveriesHandler,
    GetDispensePaymentHandler,
    GetBenefitsHandler,
    GetBudgetHandler,
    SettlementPlumbing,
  ],
  exports: [DispensingReactor],
})
export class SettlementModule {}
