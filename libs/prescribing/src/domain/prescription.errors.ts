import { domainError } from '@rx/kernel';

// Stable codes: clients and tests rely on them; the HTTP layer maps the kind once.
export class InstitutionNotDesignated extends domainError('INSTITUTION_NOT_DESIGNATED', 'rule') {}
export class AgreementNotActive extends domainError('AGREEMENT_NOT_ACTIVE', 'rule') {}
export class PhysicianNotInInstitution extends domainError('PHYSICIAN_NOT_IN_INSTITUTION', 'rule') {}
export class PatientNotRegistered extends domainError('PATIENT_NOT_REGISTERED', 'rule') {}
export class PolicyNotFound extends domainError('POLICY_NOT_FOUND', 'rule') {}
export class DrugNotInCatalog extends domainError('DRUG_NOT_IN_CATALOG', 'rule') {}
export class DuplicateDrug extends domainError('DUPLICATE_DRUG', 'rule') {}
export class QuantityOutOfRange extends domainError('QUANTITY_OUT_OF_RANGE', 'rule') {}
export class DoseOutOfRange extends domainError('DOSE_OUT_OF_RANGE', 'rule') {}
export class DaysSupplyOutOfRange extends domainError('DAYS_SUPPLY_OUT_OF_RANGE', 'rule') {}
export class OrdinarySupplyExceeded extends domainError('ORDINARY_SUPPLY_EXCEEDED', 'rule') {}
export class LongTermLimitExceeded extends domainError('LONG_TERM_LIMIT_EXCEEDED', 'rule') {}
export class LongTermNotEligible extends domainError('LONG_TERM_NOT_ELIGIBLE', 'rule') {}
export class SpecialDrugPhysicianNotDesignated extends domainError('SPECIAL_DRUG_PHYSICIAN_NOT_DESIGNATED', 'rule') {}
/** Three-fixed, institution leg (001): special drugs only at institutions designated for them (level 2 and above). */
export class InstitutionNotDesignatedForSpecialDrug extends domainError('INSTITUTION_NOT_DESIGNATED_FOR_SPECIAL_DRUG', 'rule') {}
export class SigningKeyUnavailable extends domainError('SIGNING_KEY_UNAVAILABLE', 'rule') {}
export class EmptyPrescription extends domainError('EMPTY_PRESCRIPTION', 'invalid') {}
export class RevocationReasonInvalid extends domainError('REVOCATION_REASON_INVALID', 'invalid') {}
export class PrescriptionIdConflict extends domainError('PRESCRIPTION_ID_CONFLICT', 'conflict') {}
export class AlreadyDispensed extends domainError('ALREADY_DISPENSED', 'conflict') {}
export class PrescriptionAlreadyExpired extends domainError('PRESCRIPTION_EXPIRED', 'conflict') {}
export class PrescriptionNotFound extends domainError('PRESCRIPTION_NOT_FOUND', 'not-found') {}
export class NotIssuingInstitution extends domainError('NOT_ISSUING_INSTITUTION', 'forbidden') {}
