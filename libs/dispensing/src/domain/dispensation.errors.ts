import { domainError } from '@rx/kernel';

/**
 * Dispensing's domain errors. Codes are stable API; the kind tells the HTTP layer the status once:
 * invalid 400, rule 422, conflict 409, not-found 404, forbidden 403.
 */

export class UnknownPrescription extends domainError('UNKNOWN_PRESCRIPTION', 'not-found') {}
export class PrescriptionInvalid extends domainError('PRESCRIPTION_INVALID', 'invalid') {}

// claim
export class PickupCodeInvalid extends domainError('PICKUP_CODE_INVALID', 'rule') {}
export class PickupAttemptsThrottled extends domainError('PICKUP_ATTEMPTS_THROTTLED', 'rule') {}
export class PharmacyAgreementNotActive extends domainError('PHARMACY_AGREEMENT_NOT_ACTIVE', 'rule') {}
export class PharmacyPoolingNotOpen extends domainError('PHARMACY_POOLING_NOT_OPEN', 'rule') {}
export class PharmacyNotDesignatedForSpecialDrug extends domainError('PHARMACY_NOT_DESIGNATED_FOR_SPECIAL_DRUG', 'rule') {}
export class AlreadyClaimed extends domainError('ALREADY_CLAIMED', 'conflict') {}
/** Conflict, not forbidden: it is about the claim's current holder, not who the caller is. */
export class NotClaimedByPharmacy extends domainError('NOT_CLAIMED_BY_PHARMACY', 'conflict') {}

// prescription status
export class PrescriptionExpired extends domainError('PRESCRIPTION_EXPIRED', 'rule') {}
export class PrescriptionRevoked extends domainError('PRESCRIPTION_REVOKED', 'rule') {}
export class CancellationPending extends domainError('CANCELLATION_PENDING', 'rule') {}
export class PrescriptionFullyDispensed extends domainError('PRESCRIPTION_FULLY_DISPENSED', 'conflict') {}

// review
export class ReviewRequired extends domainError('REVIEW_REQUIRED', 'rule') {}
export class ReviewRejected extends domainError('REVIEW_REJECTED', 'rule') {}
export class ReviewReasonsInvalid extends domainError('REVIEW_REASONS_INVALID', 'invalid') {}

// dispense
export class DispenseInputInvalid extends domainError('DISPENSE_INPUT_INVALID', 'invalid') {}
export class DrugNotOnPrescription extends domainError('DRUG_NOT_ON_PRESCRIPTION', 'rule') {}
export class QuantityExceedsPrescribed extends domainError('QUANTITY_EXCEEDS_PRESCRIBED', 'rule') {}
export class TraceCodeInvalid extends domainError('TRACE_CODE_INVALID', 'rule') {}
/** A code already sold (anywhere on the platform) and not refunded: one package, one sale. */
export class TraceCodeUsed extends domainError('TRACE_CODE_USED', 'rule') {}
export class InstalmentTooLong extends domainError('INSTALMENT_TOO_LONG', 'rule') {}
export class InstalmentTooEarly extends domainError('INSTALMENT_TOO_EARLY', 'rule') {}

// reversal
export class DispenseNotFound extends domainError('DISPENSE_NOT_FOUND', 'not-found') {}
export class DispenseAlreadyReversed extends domainError('DISPENSE_ALREADY_REVERSED', 'conflict') {}
export class NotDispensedByPharmacy extends domainError('NOT_DISPENSED_BY_PHARMACY', 'forbidden') {}
export class ReversalReasonInvalid extends domainError('REVERSAL_REASON_INVALID', 'invalid') {}
