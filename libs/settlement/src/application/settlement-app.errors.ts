import { domainError } from '@rx/kernel';

/** Errors the application layer raises before a decider is reached (mapped once by ProblemFilter). */
export class PolicyNotFound extends domainError('POLICY_NOT_FOUND', 'not-found') {}
export class PatientNotFound extends domainError('PATIENT_NOT_FOUND', 'not-found') {}
export class PharmacyNotFound extends domainError('PHARMACY_NOT_FOUND', 'not-found') {}
/** A pharmacist reading or claiming for a pharmacy that is not the token's `org`. */
export class NotOwnPharmacy extends domainError('NOT_OWN_PHARMACY', 'forbidden') {}
export class InvalidPaymentTime extends domainError('INVALID_PAYMENT_TIME', 'rule') {}
/** An unknown holder, or a patient without an account of their own (a resident, a family member). */
export class PersonalAccountNotFound extends domainError('PERSONAL_ACCOUNT_NOT_FOUND', 'not-found') {}
