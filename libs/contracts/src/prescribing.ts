import { createHash } from 'node:crypto';
import { textProblem, TextLimits, type TextLimit } from './text';

/**
 * Integration events of the prescribing context on `rx.prescribing.v1` (architecture.md).
 * CloudEvents subject = prescriptionId; Kafka key = prescriptionId. The version is part of the
 * type name: a changed shape is a new type, old ones keep being readable.
 */
export const PrescribingEventTypes = {
  prescriptionIssued: 'rx.prescribing.prescription-issued.v1',
  revocationRequested: 'rx.prescribing.revocation-requested.v1',
  prescriptionRevoked: 'rx.prescribing.prescription-revoked.v1',
  revocationDeclined: 'rx.prescribing.revocation-declined.v1',
  prescriptionExpired: 'rx.prescribing.prescription-expired.v1',
  issueRefused: 'rx.prescribing.issue-refused.v1',
} as const;

export type PrescribingEventType = (typeof PrescribingEventTypes)[keyof typeof PrescribingEventTypes];

export type CatalogClass = 'A' | 'B' | 'SELF_PAY';

export interface PrescribedItemV1 {
  /** 1-based position on the prescription. */
  lineNo: number;
  drugCode: string;
  drugName: string;
  /** Class at issue time (P3); SELF_PAY drugs are allowed and never fund-eligible (F3). */
  drugClass: CatalogClass;
  /** Dual-channel special drug (P4, F4). */
  special: boolean;
  /** In the catalog's dispensing unit. */
  quantity: number;
  unit: string;
  daysSupply: number;
  dosage: { dose: number; unit: string; timesPerDay: number };
  /** Procurement reference price per unit at issue time, fen (D7). */
  referencePriceFen: number;
}

export interface DiagnosisV1 {
  code: string;
  name: string;
}

export interface PrescriptionIssuedV1 {
  prescriptionId: string;
  /** The issuing institution (the physician's organisation, the token's org). */
  institutionId: string;
  institutionLevel: 1 | 2 | 3;
  /** Whose agreement the prescription is issued under: itself, or for an internet hospital the institution it relies on (P1). */
  agreementInstitutionId: string;
  regionCode: string;
  physicianId: string;
  patientId: string;
  insuranceType: 'employee' | 'resident';
  retired: boolean;
  longTerm: boolean;
  /** ISO-8601 instants. */
  issuedAt: string;
  validUntil: string;
  items: PrescribedItemV1[];
  diagnoses: DiagnosisV1[];
  /** sha-256 hex of `${prescriptionId}:${pickupCode}`; see `pickupCodeHash`. */
  pickupCodeHash: string;
  /** sha-256 hex of the canonical JSON of `prescriptionSignedContent(this)`. */
  contentHash: string;
  /** Ed25519 signature (base64) over the same canonical JSON bytes. */
  signature: string;
  /** Whose public key (reference data `institutions[].publicKeyPem`) verifies the signature. */
  signingKeyInstitutionId: string;
}

export interface RevocationRequestedV1 {
  prescriptionId: string;
  reason: string;
  requestedBy: string;
  requestedAt: string;
  /** The pharmacy prescribing last knew to hold a claim, if any. */
  holderPharmacyId: string | null;
}

export interface PrescriptionRevokedV1 {
  prescriptionId: string;
  reason: string;
  revokedBy: string;
  revokedAt: string;
  /** IMMEDIATE: nobody held it; WITHDRAWN: the dispensing side confirmed nothing more will be dispensed (D8). */
  via: 'IMMEDIATE' | 'WITHDRAWN';
  /** What had been dispensed before the revocation took effect (empty when IMMEDIATE). */
  dispensed: { drugCode: string; quantity: number }[];
}

export interface RevocationDeclinedV1 {
  prescriptionId: string;
  declinedAt: string;
  dispensed: { drugCode: string; quantity: number }[];
  /** Status the prescription returned to. */
  status: 'ISSUED' | 'DISPENSED';
}

export interface PrescriptionExpiredV1 {
  prescriptionId: string;
  expiredAt: string;
  validUntil: string;
}

/** Issue refusals monitoring watches (three-fixed, 001), by the refusal's stable code. */
export const MONITORED_ISSUE_REFUSALS = ['INSTITUTION_NOT_DESIGNATED_FOR_SPECIAL_DRUG', 'SPECIAL_DRUG_PHYSICIAN_NOT_DESIGNATED'] as const;
export type MonitoredIssueRefusal = (typeof MONITORED_ISSUE_REFUSALS)[number];

/**
 * An issue the prescribing context refused for a reason monitoring watches. Nothing of the
 * prescription is stored; this fact lives in a stream of its own (`prescribing-signal-{id}`).
 * `prescriptionId` is the id the prescription would have had, so audit files the attempt there.
 */
export interface IssueRefusedV1 {
  prescriptionId: string;
  institutionId: string;
  physicianId: string;
  patientId: string;
  code: MonitoredIssueRefusal;
  /** The field at fault, e.g. `items[0].drugCode`. */
  field?: string;
  drugCodes: string[];
  refusedAt: string;
}

export interface PrescribingEventDataByType {
  'rx.prescribing.prescription-issued.v1': PrescriptionIssuedV1;
  'rx.prescribing.revocation-requested.v1': RevocationRequestedV1;
  'rx.prescribing.prescription-revoked.v1': PrescriptionRevokedV1;
  'rx.prescribing.revocation-declined.v1': RevocationDeclinedV1;
  'rx.prescribing.prescription-expired.v1': PrescriptionExpiredV1;
  'rx.prescribing.issue-refused.v1': IssueRefusedV1;
}

/** The fields the institution signs (P5): everything of the issued event but its hash and signature. */
export type PrescriptionSignedContentV1 = Omit<PrescriptionIssuedV1, 'contentHash' | 'signature'>;

export function prescriptionSignedContent(e: PrescriptionIssuedV1 | PrescriptionSignedContentV1): PrescriptionSignedContentV1 {
  return {
    prescriptionId: e.prescriptionId,
    institutionId: e.institutionId,
    institutionLevel: e.institutionLevel,
    agreementInstitutionId: e.agreementInstitutionId,
    regionCode: e.regionCode,
    physicianId: e.physicianId,
    patientId: e.patientId,
    insuranceType: e.insuranceType,
    retired: e.retired,
    longTerm: e.longTerm,
    issuedAt: e.issuedAt,
    validUntil: e.validUntil,
    items: e.items.map((i) => ({
      lineNo: i.lineNo,
      drugCode: i.drugCode,
      drugName: i.drugName,
      drugClass: i.drugClass,
      special: i.special,
      quantity: i.quantity,
      unit: i.unit,
      daysSupply: i.daysSupply,
      dosage: { dose: i.dosage.dose, unit: i.dosage.unit, timesPerDay: i.dosage.timesPerDay },
      referencePriceFen: i.referencePriceFen,
    })),
    diagnoses: e.diagnoses.map((d) => ({ code: d.code, name: d.name })),
    pickupCodeHash: e.pickupCodeHash,
    signingKeyInstitutionId: e.signingKeyInstitutionId,
  };
}

/** Pickup codes: 8 characters of Crockford base32 (no I, L, O, U). The patient shows it; the pharmacy presents it. */
export const PICKUP_CODE_PATTERN = /^[0-9A-HJKMNP-TV-Z]{8}$/;

/**
 * How a pickup code is stored: sha-256 hex of `${prescriptionId}:${code}` (the prescription id salts
 * it). A pharmacy-side check is `pickupCodeHash(rxId, presented.toUpperCase()) === issued.pickupCodeHash`.
 */
export function pickupCodeHash(prescriptionId: string, pickupCode: string): string {
  return createHash('sha256').update(`${prescriptionId}:${pickupCode}`, 'utf8').digest('hex');
}

// ---- validation (consumers dead-letter what fails) ----

type Check = (v: unknown, path: string) => void;
class Invalid extends Error {}
const fail = (path: string, what: string): never => {
  throw new Invalid(`${path} ${what}`);
};
const str =
  (max = 512): Check =>
  (v, p) => {
    const problem = textProblem(v, { max, blankAllowed: true });
    if (problem) fail(p, problem);
  };
const text =
  (limit: TextLimit): Check =>
  (v, p) => {
    const problem = textProblem(v, limit);
    if (problem) fail(p, problem);
  };
const nullableStr =
  (max = 512): Check =>
  (v, p) => {
    if (v !== null) str(max)(v, p);
  };
const instant: Check = (v, p) => {
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}T/.test(v) || Number.isNaN(Date.parse(v))) fail(p, 'must be an ISO-8601 instant');
};
const int =
  (min: number, max = Number.MAX_SAFE_INTEGER): Check =>
  (v, p) => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) fail(p, `must be an integer from ${min} to ${max}`);
  };
const positive: Check = (v, p) => {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) fail(p, 'must be a positive number');
};
const bool: Check = (v, p) => {
  if (typeof v !== 'boolean') fail(p, 'must be a boolean');
};
const oneOf =
  (...allowed: unknown[]): Check =>
  (v, p) => {
    if (!allowed.includes(v)) fail(p, `must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`);
  };
const hex64: Check = (v, p) => {
  if (typeof v !== 'string' || !/^[0-9a-f]{64}$/.test(v)) fail(p, 'must be 64 lowercase hex characters');
};
const base64: Check = (v, p) => {
  if (typeof v !== 'string' || v.length === 0 || v.length > 1024 || !/^[A-Za-z0-9+/]+={0,2}$/.test(v)) fail(p, 'must be base64');
};
const arrayOf =
  (item: Check, min = 0, max = 1000): Check =>
  (v, p) => {
    if (!Array.isArray(v) || v.length < min || v.length > max) fail(p, `must be an array of ${min} to ${max} entries`);
    (v as unknown[]).forEach((x, i) => item(x, `${p}[${i}]`));
  };
/** Checks the listed fields; extra fields are tolerated (consumers read what they need, producers may add). */
const shape =
  (fields: Record<string, Check>): Check =>
  (v, p) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(p || 'data', 'must be an object');
    for (const [k, check] of Object.entries(fields)) check((v as Record<string, unknown>)[k], p ? `${p}.${k}` : k);
  };

const dispensedLine = shape({ drugCode: str(64), quantity: int(0) });

const validators: { [T in PrescribingEventType]: Check } = {
  'rx.prescribing.prescription-issued.v1': shape({
    prescriptionId: str(128),
    institutionId: str(64),
    institutionLevel: oneOf(1, 2, 3),
    agreementInstitutionId: str(64),
    regionCode: str(16),
    physicianId: str(64),
    patientId: str(64),
    insuranceType: oneOf('employee', 'resident'),
    retired: bool,
    longTerm: bool,
    issuedAt: instant,
    validUntil: instant,
    items: arrayOf(
      shape({
        lineNo: int(1, 100),
        drugCode: str(64),
        drugName: str(200),
        drugClass: oneOf('A', 'B', 'SELF_PAY'),
        special: bool,
        quantity: int(1),
        unit: str(32),
        daysSupply: int(1, 366),
        dosage: shape({ dose: positive, unit: str(32), timesPerDay: int(1, 24) }),
        referencePriceFen: int(0),
      }),
      1,
      100,
    ),
    diagnoses: arrayOf(shape({ code: str(32), name: text(TextLimits.diagnosisName) }), 1, 100),
    pickupCodeHash: hex64,
    contentHash: hex64,
    signature: base64,
    signingKeyInstitutionId: str(64),
  }),
  'rx.prescribing.revocation-requested.v1': shape({
    prescriptionId: str(128),
    reason: text(TextLimits.reason),
    requestedBy: str(64),
    requestedAt: instant,
    holderPharmacyId: nullableStr(64),
  }),
  'rx.prescribing.prescription-revoked.v1': shape({
    prescriptionId: str(128),
    reason: text(TextLimits.reason),
    revokedBy: str(64),
    revokedAt: instant,
    via: oneOf('IMMEDIATE', 'WITHDRAWN'),
    dispensed: arrayOf(dispensedLine),
  }),
  'rx.prescribing.revocation-declined.v1': shape({
    prescriptionId: str(128),
    declinedAt: instant,
    dispensed: arrayOf(dispensedLine),
    status: oneOf('ISSUED', 'DISPENSED'),
  }),
  'rx.prescribing.prescription-expired.v1': shape({
    prescriptionId: str(128),
    expiredAt: instant,
    validUntil: instant,
  }),
  'rx.prescribing.issue-refused.v1': (v, p) => {
    shape({ prescriptionId: str(128), institutionId: str(64), physicianId: str(64), patientId: str(64), code: oneOf(...MONITORED_ISSUE_REFUSALS), drugCodes: arrayOf(str(64), 1, 100), refusedAt: instant })(v, p);
    if ((v as { field?: unknown }).field !== undefined) str(128)((v as { field?: unknown }).field, 'field');
  },
};

export function isPrescribingEventType(type: string): type is PrescribingEventType {
  return Object.prototype.hasOwnProperty.call(validators, type);
}

/**
 * Validates the `data` of a prescribing event of the given type: undefined when valid, otherwise
 * the reason (for the dead-letter record). `subject`, when given, must equal data.prescriptionId.
 */
export function validatePrescribingEventData(type: string, data: unknown, subject?: string): string | undefined {
  if (!isPrescribingEventType(type)) return `unknown prescribing event type ${JSON.stringify(type)}`;
  try {
    validators[type](data, '');
    if (subject !== undefined && (data as { prescriptionId: string }).prescriptionId !== subject) return 'subject must equal data.prescriptionId';
    return undefined;
  } catch (e) {
    if (e instanceof Invalid) return e.message;
    throw e;
  }
}

export const validatePrescriptionIssuedV1 = (data: unknown, subject?: string) => validatePrescribingEventData(PrescribingEventTypes.prescriptionIssued, data, subject);
export const validateRevocationRequestedV1 = (data: unknown, subject?: string) => validatePrescribingEventData(PrescribingEventTypes.revocationRequested, data, subject);
export const validatePrescriptionRevokedV1 = (data: unknown, subject?: string) => validatePrescribingEventData(PrescribingEventTypes.prescriptionRevoked, data, subject);
export const validateRevocationDeclinedV1 = (data: unknown, subject?: string) => validatePrescribingEventData(PrescribingEventTypes.revocationDeclined, data, subject);
export const validatePrescriptionExpiredV1 = (data: unknown, subject?: string) => validatePrescribingEventData(PrescribingEventTypes.prescriptionExpired, data, subject);

/** For `ConsumerOptions.validate` on rx.prescribing.v1: a reason to dead-letter, or undefined. */
export function validatePrescribingCloudEvent(event: { type: string; subject: string; data: unknown }): string | undefined {
  const reason = validatePrescribingEventData(event.type, event.data, event.subject);
  return reason ? `${event.type}: ${reason}` : undefined;
}
