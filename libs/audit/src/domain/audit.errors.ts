import { domainError } from '@rx/kernel';

/** No audit fact names this prescription (it never reached the audit context). */
export class PrescriptionNotAudited extends domainError('PRESCRIPTION_NOT_FOUND', 'not-found') {}

/** `asOf` is not an ISO-8601 instant. */
export class InvalidAsOf extends domainError('INVALID_AS_OF', 'invalid') {}

/** A query filter is malformed (unknown rule id, over-long id). */
export class InvalidAuditQuery extends domainError('VALIDATION_FAILED', 'invalid') {}
