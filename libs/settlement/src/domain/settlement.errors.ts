import { domainError } from '@rx/kernel';

/**
 * Settlement's domain errors. Codes are stable API (architecture.md: 422 `{ code, message }`);
 * the kind tells the HTTP layer the status once: invalid 400, rule 422, conflict 409, not-found 404.
 */

// fund-payment calculator
export class InvalidFundPaymentInput extends domainError('INVALID_FUND_PAYMENT_INPUT', 'invalid') {}

// benefit ledger
export class BenefitLedgerStale extends domainError('BENEFIT_LEDGER_STALE', 'conflict') {}
export class BenefitLimitExceeded extends domainError('BENEFIT_LIMIT_EXCEEDED', 'conflict') {}
export class BenefitAlreadyApplied extends domainError('BENEFIT_ALREADY_APPLIED', 'conflict') {}
export class InvalidBenefitDelta extends domainError('INVALID_BENEFIT_DELTA', 'invalid') {}

// personal account
export class PersonalAccountNotOpen extends domainError('PERSONAL_ACCOUNT_NOT_OPEN', 'not-found') {}
export class PersonalAccountInsufficient extends domainError('PERSONAL_ACCOUNT_INSUFFICIENT', 'conflict') {}
export class PersonalAccountAlreadyDebited extends domainError('PERSONAL_ACCOUNT_ALREADY_DEBITED', 'conflict') {}
export class InvalidAccountAmount extends domainError('INVALID_ACCOUNT_AMOUNT', 'invalid') {}
export class PersonalAccountCreditConflict extends domainError('PERSONAL_ACCOUNT_CREDIT_CONFLICT', 'conflict') {}
export class AllotmentNotDue extends domainError('ACCOUNT_ALLOTMENT_NOT_DUE', 'rule') {}

// payment record
export class FundPaymentAlreadyRecorded extends domainError('FUND_PAYMENT_ALREADY_RECORDED', 'conflict') {}
export class FundPaymentNotFound extends domainError('FUND_PAYMENT_NOT_FOUND', 'not-found') {}
export class InvalidFundPaymentRecord extends domainError('INVALID_FUND_PAYMENT_RECORD', 'invalid') {}

// agreements
export class AgreementNotFound extends domainError('AGREEMENT_NOT_FOUND', 'not-found') {}
export class AgreementAlreadySeeded extends domainError('AGREEMENT_ALREADY_SEEDED', 'conflict') {}
export class AgreementAlreadyDissolved extends domainError('AGREEMENT_ALREADY_DISSOLVED', 'conflict') {}
export class InvalidDissolutionReason extends domainError('INVALID_DISSOLUTION_REASON', 'invalid') {}
export class DissolutionRetroactive extends domainError('DISSOLUTION_RETROACTIVE', 'rule') {}
export class InvalidAgreementData extends domainError('INVALID_AGREEMENT_DATA', 'invalid') {}

// pharmacy settlement claims
export class ClaimEmpty extends domainError('CLAIM_EMPTY', 'rule') {}
export class InvalidClaim extends domainError('INVALID_CLAIM', 'invalid') {}
export class ClaimAlreadySubmitted extends domainError('CLAIM_ALREADY_SUBMITTED', 'conflict') {}
export class ClaimNotFound extends domainError('CLAIM_NOT_FOUND', 'not-found') {}
export class ClaimNotSubmitted extends domainError('CLAIM_NOT_SUBMITTED', 'conflict') {}
export class ClaimNotApproved extends domainError('CLAIM_NOT_APPROVED', 'conflict') {}
export class RefusalReasonRequired extends domainError('CLAIM_REFUSAL_REASON_REQUIRED', 'invalid') {}
export class RefusedLineNotInClaim extends domainError('CLAIM_REFUSED_LINE_UNKNOWN', 'invalid') {}
export class ClaimPaymentMismatch extends domainError('CLAIM_PAYMENT_MISMATCH', 'rule') {}
export class DispenseAlreadyClaimed extends domainError('DISPENSE_ALREADY_CLAIMED', 'conflict') {}
export class RecoveryAlreadyReserved extends domainError('RECOVERY_ALREADY_RESERVED', 'conflict') {}

// calendars
export class InvalidCalendarInput extends domainError('INVALID_CALENDAR_INPUT', 'invalid') {}
