import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';

/** OpenAPI shapes of the answers (documentation only; handlers return the application views). */
export class PaymentLineResponse {
  @ApiProperty() lineNo: number;
  @ApiProperty() drugCode: string;
  @ApiProperty({ enum: ['A', 'B', 'SELF_PAY'] }) drugClass: string;
  @ApiProperty() special: boolean;
  @ApiProperty({ enum: ['ordinary', 'special'], nullable: true }) bucket: string | null;
  @ApiProperty() quantity: number;
  @ApiProperty() unitPriceFen: number;
  @ApiProperty() amountFen: number;
  @ApiProperty() fullyOwnPayFen: number;
  @ApiProperty() overLimitSelfPayFen: number;
  @ApiProperty() advanceSelfPayFen: number;
  @ApiProperty() classBSelfPayFirstFen: number;
  @ApiProperty() preSelfPayFen: number;
  @ApiProperty() inScopeFen: number;
  @ApiProperty() deductibleAppliedFen: number;
  @ApiProperty() fundFen: number;
  @ApiProperty() coPayFen: number;
  @ApiProperty() personalAccountFen: number;
  @ApiProperty() cashFen: number;
}

export class DispensePaymentResponse {
  @ApiProperty() dispenseId: string;
  @ApiProperty() prescriptionId: string;
  @ApiProperty() patientId: string;
  @ApiProperty() pharmacyId: string;
  @ApiProperty() regionCode: string;
  @ApiProperty() policyYear: number;
  @ApiProperty({ example: '522700-2026.2' }) policyVersion: string;
  @ApiProperty({ description: "true when the dispense's year has no published policy and the latest one was applied" }) policyProvisional: boolean;
  @ApiProperty({ enum: ['employee', 'resident'], nullable: true, description: "the insurance type whose plan paid; null: the region's policy has no plan for the patient (flag NO_PLAN_FOR_INSURANCE_TYPE)" })
  plan: string | null;
  @ApiProperty({ format: 'date-time' }) dispensedAt: string;
  @ApiProperty({ format: 'date-time' }) paidAt: string;
  @ApiProperty({ description: 'medfee_sumamt' }) totalFen: number;
  @ApiProperty({ description: 'fulamt_ownpay_amt (self-pay drugs + delivery fee)' }) fullyOwnPayFen: number;
  @ApiProperty({ description: 'overlmt_selfpay' }) overLimitSelfPayFen: number;
  @ApiProperty({ description: 'preselfpay_amt (Class B self-pay-first + resident special advance)' }) preSelfPayFen: number;
  @ApiProperty({ description: 'inscp_scp_amt' }) inScopeFen: number;
  @ApiProperty({ description: 'act_pay_dedc' }) deductibleAppliedFen: number;
  @ApiProperty({ description: 'hifp_pay' }) fundFen: number;
  @ApiProperty({ description: 'pool_prop_selfpay' }) coPayFen: number;
  @ApiProperty({ description: 'acct_pay' }) personalAccountFen: number;
  @ApiProperty({ description: 'psn_cash_pay' }) cashFen: number;
  @ApiProperty() specialFundFen: number;
  @ApiProperty() capShortfallFen: number;
  @ApiProperty() deliveryFeeFen: number;
  @ApiProperty() patientShareFen: number;
  @ApiProperty({ description: 'basis points' }) ordinaryRatioBp: number;
  @ApiProperty({ description: 'basis points' }) specialRatioBp: number;
  @ApiProperty({ nullable: true }) personalAccountHolderId: string | null;
  @ApiProperty({ type: [String], example: ['AGREEMENT_DISSOLVED'], description: 'AGREEMENT_DISSOLVED, CAP_REACHED, SPECIAL_CAP_REACHED, ACCOUNT_BALANCE_SHORT, NO_PLAN_FOR_INSURANCE_TYPE' })
  flags: string[];
  @ApiProperty({ type: [PaymentLineResponse] }) lines: PaymentLineResponse[];
  @ApiProperty() reversed: boolean;
  @ApiPropertyOptional({ type: 'object', nullable: true, additionalProperties: true }) reversal: unknown;
}

export class PersonalAccountResponse {
  @ApiProperty() holderId: string;
  @ApiProperty() openingBalanceFen: number;
  @ApiProperty() balanceFen: number;
  @ApiProperty({ description: "another member's account pays (family mutual aid)" }) familyAccount: boolean;
}

export class BenefitsResponse {
  @ApiProperty() patientId: string;
  @ApiProperty() year: number;
  @ApiProperty() regionCode: string;
  @ApiProperty() policyVersion: string;
  @ApiProperty() policyProvisional: boolean;
  @ApiProperty({ enum: ['employee', 'resident'], nullable: true }) plan: string | null;
  @ApiProperty() deductibleFen: number;
  @ApiProperty() deductibleUsedFen: number;
  @ApiProperty() deductibleRemainingFen: number;
  @ApiProperty() ordinaryFundCapFen: number;
  @ApiProperty() ordinaryFundUsedFen: number;
  @ApiProperty() ordinaryFundRemainingFen: number;
  @ApiProperty() specialDeductibleUsedFen: number;
  @ApiProperty() specialFundCapFen: number;
  @ApiProperty() specialFundUsedFen: number;
  @ApiProperty() specialFundRemainingFen: number;
  @ApiProperty({ type: PersonalAccountResponse, nullable: true }) personalAccount: PersonalAccountResponse | null;
}

export class BudgetResponse {
  @ApiProperty() regionCode: string;
  @ApiProperty() year: number;
  @ApiProperty() policyVersion: string;
  @ApiProperty({ description: 'outpatient pooling budget (S3)' }) budgetFen: number;
  @ApiProperty({ description: 'ordinary pooling fund paid, net of reversals' }) spentFen: number;
  @ApiProperty() remainingFen: number;
  @ApiProperty({ description: 'special-drug fund, accounted separately (not counted against the budget)' }) specialSpentFen: number;
  @ApiProperty() utilisationBp: number;
  @ApiProperty() overBudget: boolean;
  @ApiProperty() payments: number;
  @ApiProperty() reversals: number;
  @ApiProperty({ description: 'refunds after the pharmacy was paid: raisedFen, recoveredFen (offset by later claims), outstandingFen (owed by pharmacies), count' })
  recoveries: { raisedFen: number; recoveredFen: number; outstandingFen: number; count: number };
}

export class RecoveryEntryResponse {
  @ApiProperty() dispenseId: string;
  @ApiProperty() prescriptionId: string;
  @ApiProperty() pharmacyId: string;
  @ApiProperty({ description: 'the paid claim that had reimbursed the refunded dispense' }) fromClaimId: string;
  @ApiProperty({ format: 'date-time' }) raisedAt: string;
  @ApiProperty() reason: string;
  @ApiProperty() regionCode: string;
  @ApiProperty() year: number;
  @ApiProperty() amountFen: number;
  @ApiProperty() recoveredFen: number;
  @ApiProperty() outstandingFen: number;
  @ApiProperty({ description: '[{ claimId, amountFen }]: paid claims that offset part of it' }) offsets: { claimId: string; amountFen: number }[];
  @ApiProperty({ nullable: true }) lastClaimId: string | null;
  @ApiProperty({ nullable: true, description: 'a claim awaiting payment that holds it' }) heldByClaimId: string | null;
}

export class PharmacyRecoveriesResponse {
  @ApiProperty() pharmacyId: string;
  @ApiProperty() agreementActive: boolean;
  @ApiProperty() raisedFen: number;
  @ApiProperty() recoveredFen: number;
  @ApiProperty({ description: 'owed by the pharmacy to the fund (receivable)' }) outstandingFen: number;
  @ApiProperty({ type: [RecoveryEntryResponse] }) recoveries: RecoveryEntryResponse[];
}

export class AgreementResponse {
  @ApiProperty() pharmacyId: string;
  @ApiProperty() regionCode: string;
  @ApiProperty({ enum: ['ACTIVE', 'DISSOLVED'] }) status: string;
  @ApiProperty({ format: 'date-time' }) since: string;
  @ApiProperty() activeNow: boolean;
  @ApiPropertyOptional({ type: 'object', nullable: true, additionalProperties: true, description: '{ reasonCode, reason, effectiveAt, dissolvedBy }' }) dissolution: unknown;
}

export class ClaimLineResponse {
  @ApiProperty() dispenseId: string;
  @ApiProperty() prescriptionId: string;
  @ApiProperty() fundFen: number;
}

// Named apart from dispensing's ClaimResponse (a prescription claim): one OpenAPI document holds both in the platform.
@ApiSchema({ name: 'SettlementClaimResponse' })
export class ClaimResponse {
  @ApiProperty({ format: 'uuid' }) claimId: string;
  @ApiProperty() pharmacyId: string;
  @ApiProperty({ enum: ['SUBMITTED', 'APPROVED', 'PAID'] }) status: string;
  @ApiProperty() periodStart: string;
  @ApiProperty() periodEnd: string;
  @ApiProperty() submittedBy: string;
  @ApiProperty({ format: 'date-time' }) submittedAt: string;
  @ApiProperty() dispenseCount: number;
  @ApiProperty() fundFen: number;
  @ApiProperty({ type: [ClaimLineResponse] }) lines: ClaimLineResponse[];
  @ApiProperty({ example: '2026-11-09', description: '30 working days after receipt (holiday calendar)' }) dueBy: string;
  @ApiProperty({ description: 'deadline in a year without holiday data (weekdays only)' }) provisional: boolean;
  @ApiProperty({ description: 'unpaid and past dueBy (China time)' }) overdue: boolean;
  @ApiPropertyOptional({ type: 'object', nullable: true, additionalProperties: true }) approval: unknown;
  @ApiPropertyOptional({ type: 'object', nullable: true, additionalProperties: true }) payment: unknown;
}

export class ClaimListResponse {
  @ApiProperty({ type: [ClaimResponse] }) claims: ClaimResponse[];
  @ApiProperty() count: number;
}

export class SubmitClaimResponse {
  @ApiProperty({ format: 'uuid' }) claimId: string;
  @ApiProperty() dispenseCount: number;
  @ApiProperty() fundFen: number;
  @ApiProperty({ example: '2026-11-09' }) dueBy: string;
  @ApiProperty() provisional: boolean;
  @ApiProperty({ example: 'SUBMITTED' }) status: string;
}

export class AccountMovementResponse {
  @ApiProperty({ format: 'date-time' }) at: string;
  @ApiProperty({ enum: ['OPENING_BALANCE', 'ANNUAL_ALLOTMENT', 'CREDIT', 'DEBIT', 'RESTORE'] }) kind: string;
  @ApiProperty({ example: 'system:settlement' }) by: string;
  @ApiProperty({ description: 'signed fen: credits positive, debits negative' }) amountFen: number;
  @ApiProperty() balanceAfterFen: number;
  @ApiPropertyOptional() year?: number;
  @ApiPropertyOptional() creditId?: string;
  @ApiPropertyOptional({ nullable: true }) note?: string | null;
  @ApiPropertyOptional() dispenseId?: string;
  @ApiPropertyOptional() patientId?: string;
}

export class PersonalAccountBalanceResponse {
  @ApiProperty() holderId: string;
  @ApiProperty({ description: 'false until the first movement; the balance is then the reference opening balance' }) opened: boolean;
  @ApiProperty({ nullable: true }) openedYear: number | null;
  @ApiProperty() openingBalanceFen: number;
  @ApiProperty() balanceFen: number;
  @ApiProperty() annualAllotmentFen: number;
  @ApiProperty({ type: [Number] }) allottedYears: number[];
  @ApiProperty({ type: [Number], description: 'due, credited by the next movement of the year' }) allotmentYearsPending: number[];
  @ApiProperty({ type: [AccountMovementResponse] }) movements: AccountMovementResponse[];
}

export class PersonalAccountCreditResponse {
  @ApiProperty() holderId: string;
  @ApiProperty() creditId: string;
  @ApiProperty() amountFen: number;
  @ApiProperty({ description: 'a retry of a credit already posted: nothing added' }) duplicate: boolean;
  @ApiProperty() balanceFen: number;
}
