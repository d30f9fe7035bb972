import type { CloudEvent } from './cloud-event';
import { textProblem, TextLimits, type TextLimit } from './text';

/**
 * Integration events the dispensing context publishes on `rx.dispensing.v1` (subject and
 * partition key = prescriptionId). Names and the fields marked "agreed" were agreed with the
 * prescribing engineer; fields marked "addition" are always set by the producer but optional for
 * consumers and validators, so a message carrying only the agreed fields stays valid.
 * A shape change means a new `.vN` type, never an edit of these.
 */
export const DispensingEventTypes = {
  prescriptionClaimed: 'rx.dispensing.prescription-claimed.v1',
  claimReleased: 'rx.dispensing.claim-released.v1',
  prescriptionReviewed: 'rx.dispensing.prescription-reviewed.v1',
  dispensed: 'rx.dispensing.dispensed.v1',
  dispenseReversed: 'rx.dispensing.dispense-reversed.v1',
  revocationAnswered: 'rx.dispensing.revocation-answered.v1',
  prescriptionWithdrawn: 'rx.dispensing.prescription-withdrawn.v1',
  attemptRefused: 'rx.dispensing.attempt-refused.v1',
} as const;

export type DispensingEventType = (typeof DispensingEventTypes)[keyof typeof DispensingEventTypes];

export const DISPENSING_EVENT_TYPES: readonly DispensingEventType[] = Object.values(DispensingEventTypes);

export type DispensingClaimReleaseReason = 'RELEASED' | 'EXPIRED' | 'REJECTED' | 'CANCELLED';
export type DispensingReviewDecision = 'APPROVED' | 'REJECTED';
export type DispensingRevocationOutcome = 'WITHDRAWN' | 'CANCELLATION_PENDING' | 'DECLINED';
export type DispensingWithdrawalReason = 'REVOKED' | 'EXPIRED';
export type DispensedDrugClass = 'A' | 'B' | 'SELF_PAY';
export type DispensedInsuranceType = 'employee' | 'resident';

export interface DispensedDrugQuantity {
  drugCode: string;
  quantity: number;
}

export interface PrescriptionClaimedV1 {
  prescriptionId: string;
  pharmacyId: string;
  /** ISO instant. */
  claimedAt: string;
  /** ISO instant; the claim lapses then unless dispensing completes it first. */
  expiresAt: string;
  /** addition */
  pharmacistId?: string;
}

export interface ClaimReleasedV1 {
  prescriptionId: string;
  pharmacyId: string;
  reason: DispensingClaimReleaseReason;
  /** addition */
  releasedAt?: string;
}

export interface PrescriptionReviewedV1 {
  prescriptionId: string;
  pharmacyId: string;
  pharmacistId: string;
  decision: DispensingReviewDecision;
  /** Empty when approved; at least one when rejected. */
  reasons: string[];
  /** addition */
  reviewedAt?: string;
}

export interface DispensedLineV1 {
  lineNo: number;
  drugCode: string;
  drugName: string;
  drugClass: DispensedDrugClass;
  special: boolean;
  quantity: number;
  unitPriceFen: number;
  /** Procurement platform reference price per unit, as on the prescription (D7). */
  referencePriceFen: number;
  /** quantity x unitPriceFen. */
  amountFen: number;
  /** unitPriceFen > referencePriceFen: allowed, flagged to monitoring (D7). */
  aboveReferencePrice: boolean;
  batchNo: string;
  /** Drug traceability codes, 20 digits each (D6). */
  traceCodes: string[];
  /** addition: dispensing unit as prescribed. */
  unit?: string;
  /** addition: days this line's quantity covers. */
  daysSupply?: number;
}

export interface DispensedV1 {
  dispenseId: string;
  prescriptionId: string;
  pharmacyId: string;
  pharmacistId: string;
  patientId: string;
  insuranceType: DispensedInsuranceType;
  retired: boolean;
  regionCode: string;
  /** Level of the prescribing institution, for the record; retail pharmacies pay as level 1 (F1). */
  institutionLevel: 1 | 2 | 3;
  /** 1-based instalment number within the prescription. */
  instalment: number;
  /** Days of supply this dispense covers (the longest line). */
  daysSupply: number;
  dispensedAt: string;
  lines: DispensedLineV1[];
  /** Never paid by the fund (D5); 0 when there was no delivery. */
  deliveryFeeFen: number;
  /** True when nothing remains to dispense on the prescription after this dispense. */
  fullyDispensed: boolean;
  /** addition */
  institutionId?: string;
  /** addition */
  longTerm?: boolean;
  /** addition: what remains to dispense per drug after this dispense. */
  remaining?: DispensedDrugQuantity[];
}

export interface DispenseReversedV1 {
  reversalId: string;
  /** The original dispense this refund reverses (keyed on it, never an edit). */
  dispenseId: string;
  prescriptionId: string;
  pharmacyId: string;
  reason: string;
  reversedAt: string;
  /** addition */
  pharmacistId?: string;
  /** addition: the quantities returned to the prescription. */
  lines?: DispensedDrugQuantity[];
}

export interface RevocationAnsweredV1 {
  prescriptionId: string;
  outcome: DispensingRevocationOutcome;
  /** What was dispensed (net of reversals) when answering. */
  dispensed: DispensedDrugQuantity[];
  /** addition: id of the prescribing event this answers (also the envelope's causationid). */
  revocationEventId?: string;
  /** addition */
  answeredAt?: string;
}

export interface PrescriptionWithdrawnV1 {
  prescriptionId: string;
  reason: DispensingWithdrawalReason;
  /** What was dispensed (net of reversals) before the rest was withdrawn. */
  dispensed: DispensedDrugQuantity[];
  /** addition */
  withdrawnAt?: string;
}

/** Refusals monitoring watches (the attempt is the fraud signal), by the refusal's stable code. */
export const MONITORED_DISPENSING_REFUSALS = ['TRACE_CODE_USED', 'PHARMACY_NOT_DESIGNATED_FOR_SPECIAL_DRUG'] as const;
export type MonitoredDispensingRefusal = (typeof MONITORED_DISPENSING_REFUSALS)[number];

export interface RefusedTraceCodeV1 {
  traceCode: string;
  /** The request field that carried it, e.g. `lines[0].traceCodes[1]`. */
  field: string;
  /** The dispense that holds the code. */
  heldByDispenseId: string;
  /** Its prescription, where known. */
  heldByPrescriptionId?: string;
}

/**
 * A command the dispensing context refused for a reason monitoring watches. The refused command
 * appends nothing to the prescription's stream; this fact is stored in a stream of its own
 * (`dispensing-signal-{id}`) and published here, so the attempt reaches audit.
 */
export interface AttemptRefusedV1 {
  /** The prescription the refused command named. */
  prescriptionId: string;
  pharmacyId: string;
  pharmacistId: string;
  command: 'claim' | 'dispense';
  code: MonitoredDispensingRefusal;
  /** The field at fault in the refused request. */
  field?: string;
  refusedAt: string;
  /** The dispenseId the refused dispense named, if the client chose one. */
  dispenseId?: string;
  /** TRACE_CODE_USED: every code already sold, and where. */
  traceCodes?: RefusedTraceCodeV1[];
  /** PHARMACY_NOT_DESIGNATED_FOR_SPECIAL_DRUG: the special drugs concerned. */
  drugCodes?: string[];
}

export interface DispensingEventDataByType {
  'rx.dispensing.prescription-claimed.v1': PrescriptionClaimedV1;
  'rx.dispensing.claim-released.v1': ClaimReleasedV1;
  'rx.dispensing.prescription-reviewed.v1': PrescriptionReviewedV1;
  'rx.dispensing.dispensed.v1': DispensedV1;
  'rx.dispensing.dispense-reversed.v1': DispenseReversedV1;
  'rx.dispensing.revocation-answered.v1': RevocationAnsweredV1;
  'rx.dispensing.prescription-withdrawn.v1': PrescriptionWithdrawnV1;
  'rx.dispensing.attempt-refused.v1': AttemptRefusedV1;
}

/** One integration event before the relay wraps it in a CloudEvents envelope. */
export type DispensingIntegrationEvent = {
  [K in DispensingEventType]: { type: K; subject: string; data: DispensingEventDataByType[K] };
}[DispensingEventType];

export type DispensingCloudEvent = {
  [K in DispensingEventType]: CloudEvent<K, DispensingEventDataByType[K]>;
}[DispensingEventType];

export type DispensingDataValidation<T> = { ok: true; value: T } | { ok: false; reason: string };

// ---- validation: hand-written so a dead-letter reason names the exact field ----

const MAX_ID = TextLimits.id.max;
const MAX_TEXT = 500;
const MAX_LINES = 100;
const MAX_TRACE_CODES = 1000;
const MAX_REASONS = 20;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const TRACE_CODE = /^\d{20}$/;

class Invalid extends Error {}

function fail(path: string, what: string): never {
  throw new Invalid(`${path} ${what}`);
}

function obj(v: unknown, path: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(path, 'must be an object');
  return v as Record<string, unknown>;
}

function str(o: Record<string, unknown>, key: string, path: string, max: number | TextLimit = MAX_ID): string {
  const v = o[key];
  const problem = textProblem(v, typeof max === 'number' ? { max } : max);
  if (problem) fail(`${path}.${key}`, problem);
  return v as string;
}

function optStr(o: Record<string, unknown>, key: string, path: string, max = MAX_ID): void {
  if (o[key] !== undefined) str(o, key, path, max);
}

function instant(o: Record<string, unknown>, key: string, path: string): string {
  const v = o[key];
  if (typeof v !== 'string' || !ISO_INSTANT.test(v) || Number.isNaN(Date.parse(v))) fail(`${path}.${key}`, 'must be an ISO-8601 instant');
  return v;
}

function optInstant(o: Record<string, unknown>, key: string, path: string): void {
  if (o[key] !== undefined) instant(o, key, path);
}

function int(o: Record<string, unknown>, key: string, path: string, min: number): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) fail(`${path}.${key}`, 'must be an integer');
  if (v < min) fail(`${path}.${key}`, `must be at least ${min}`);
  return v;
}

function bool(o: Record<string, unknown>, key: string, path: string): boolean {
  const v = o[key];
  if (typeof v !== 'boolean') fail(`${path}.${key}`, 'must be a boolean');
  return v;
}

function oneOf<T extends string | number>(o: Record<string, unknown>, key: string, path: string, allowed: readonly T[]): T {
  const v = o[key];
  if (!allowed.includes(v as T)) fail(`${path}.${key}`, `must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`);
  return v as T;
}

function arr(o: Record<string, unknown>, key: string, path: string, max: number, min = 0): unknown[] {
  const v = o[key];
  if (!Array.isArray(v)) fail(`${path}.${key}`, 'must be an array');
  if (v.length < min) fail(`${path}.${key}`, `must have at least ${min} element(s)`);
  if (v.length > max) fail(`${path}.${key}`, `must have at most ${max} elements`);
  return v;
}

function drugQuantities(o: Record<string, unknown>, key: string, path: string, optional = false): void {
  if (optional && o[key] === undefined) return;
  arr(o, key, path, MAX_LINES).forEach((e, i) => {
    const p = `${path}.${key}[${i}]`;
    const q = obj(e, p);
    str(q, 'drugCode', p);
    int(q, 'quantity', p, 0);
  });
}

function validatorOf<T>(check: (d: Record<string, unknown>, p: string) => void) {
  return (data: unknown): DispensingDataValidation<T> => {
    try {
      check(obj(data, 'data'), 'data');
      return { ok: true, value: data as T };
    } catch (e) {
      if (e instanceof Invalid) return { ok: false, reason: e.message };
      throw e;
    }
  };
}

export const validatePrescriptionClaimedV1 = validatorOf<PrescriptionClaimedV1>((d, p) => {
  str(d, 'prescriptionId', p);
  str(d, 'pharmacyId', p);
  const claimedAt = instant(d, 'claimedAt', p);
  const expiresAt = instant(d, 'expiresAt', p);
  if (Date.parse(expiresAt) <= Date.parse(claimedAt)) fail(`${p}.expiresAt`, 'must be after claimedAt');
  optStr(d, 'pharmacistId', p);
});

export const validateClaimReleasedV1 = validatorOf<ClaimReleasedV1>((d, p) => {
  str(d, 'prescriptionId', p);
  str(d, 'pharmacyId', p);
  oneOf<DispensingClaimReleaseReason>(d, 'reason', p, ['RELEASED', 'EXPIRED', 'REJECTED', 'CANCELLED']);
  optInstant(d, 'releasedAt', p);
});

export const validatePrescriptionReviewedV1 = validatorOf<PrescriptionReviewedV1>((d, p) => {
  str(d, 'prescriptionId', p);
  str(d, 'pharmacyId', p);
  str(d, 'pharmacistId', p);
  const decision = oneOf<DispensingReviewDecision>(d, 'decision', p, ['APPROVED', 'REJECTED']);
  const reasons = arr(d, 'reasons', p, MAX_REASONS, decision === 'REJECTED' ? 1 : 0);
  reasons.forEach((r, i) => {
    const problem = textProblem(r, TextLimits.reason);
    if (problem) fail(`${p}.reasons[${i}]`, problem);
  });
  optInstant(d, 'reviewedAt', p);
});

export const validateDispensedV1 = validatorOf<DispensedV1>((d, p) => {
  str(d, 'dispenseId', p);
  str(d, 'prescriptionId', p);
  str(d, 'pharmacyId', p);
  str(d, 'pharmacistId', p);
  str(d, 'patientId', p);
  oneOf<DispensedInsuranceType>(d, 'insuranceType', p, ['employee', 'resident']);
  bool(d, 'retired', p);
  str(d, 'regionCode', p);
  oneOf(d, 'institutionLevel', p, [1, 2, 3]);
  int(d, 'instalment', p, 1);
  int(d, 'daysSupply', p, 1);
  instant(d, 'dispensedAt', p);
  const seen = new Set<string>();
  arr(d, 'lines', p, MAX_LINES, 1).forEach((e, i) => {
    const lp = `${p}.lines[${i}]`;
    const l = obj(e, lp);
    int(l, 'lineNo', lp, 1);
    const drugCode = str(l, 'drugCode', lp);
    if (seen.has(drugCode)) fail(`${lp}.drugCode`, `repeats ${drugCode}`);
    seen.add(drugCode);
    str(l, 'drugName', lp, MAX_TEXT);
    oneOf<DispensedDrugClass>(l, 'drugClass', lp, ['A', 'B', 'SELF_PAY']);
    bool(l, 'special', lp);
    const quantity = int(l, 'quantity', lp, 1);
    const unitPriceFen = int(l, 'unitPriceFen', lp, 0);
    const referencePriceFen = int(l, 'referencePriceFen', lp, 0);
    const amountFen = int(l, 'amountFen', lp, 0);
    if (amountFen !== quantity * unitPriceFen) fail(`${lp}.amountFen`, 'must equal quantity x unitPriceFen');
    if (bool(l, 'aboveReferencePrice', lp) !== unitPriceFen > referencePriceFen)
      fail(`${lp}.aboveReferencePrice`, 'must be true exactly when unitPriceFen > referencePriceFen');
    str(l, 'batchNo', lp, TextLimits.batchNo);
    arr(l, 'traceCodes', lp, MAX_TRACE_CODES, 1).forEach((c, j) => {
      if (typeof c !== 'string' || !TRACE_CODE.test(c)) fail(`${lp}.traceCodes[${j}]`, 'must be exactly 20 digits');
    });
    optStr(l, 'unit', lp);
    if (l.daysSupply !== undefined) int(l, 'daysSupply', lp, 1);
  });
  int(d, 'deliveryFeeFen', p, 0);
  bool(d, 'fullyDispensed', p);
  optStr(d, 'institutionId', p);
  if (d.longTerm !== undefined) bool(d, 'longTerm', p);
  drugQuantities(d, 'remaining', p, true);
});

export const validateDispenseReversedV1 = validatorOf<DispenseReversedV1>((d, p) => {
  str(d, 'reversalId', p);
  str(d, 'dispenseId', p);
  str(d, 'prescriptionId', p);
  str(d, 'pharmacyId', p);
  str(d, 'reason', p, TextLimits.reason);
  instant(d, 'reversedAt', p);
  optStr(d, 'pharmacistId', p);
  drugQuantities(d, 'lines', p, true);
});

export const validateRevocationAnsweredV1 = validatorOf<RevocationAnsweredV1>((d, p) => {
  str(d, 'prescriptionId', p);
  oneOf<DispensingRevocationOutcome>(d, 'outcome', p, ['WITHDRAWN', 'CANCELLATION_PENDING', 'DECLINED']);
  drugQuantities(d, 'dispensed', p);
  optStr(d, 'revocationEventId', p);
  optInstant(d, 'answeredAt', p);
});

export const validatePrescriptionWithdrawnV1 = validatorOf<PrescriptionWithdrawnV1>((d, p) => {
  str(d, 'prescriptionId', p);
  oneOf<DispensingWithdrawalReason>(d, 'reason', p, ['REVOKED', 'EXPIRED']);
  drugQuantities(d, 'dispensed', p);
  optInstant(d, 'withdrawnAt', p);
});

export const validateAttemptRefusedV1 = validatorOf<AttemptRefusedV1>((d, p) => {
  str(d, 'prescriptionId', p);
  str(d, 'pharmacyId', p);
  str(d, 'pharmacistId', p);
  oneOf(d, 'command', p, ['claim', 'dispense']);
  oneOf<MonitoredDispensingRefusal>(d, 'code', p, MONITORED_DISPENSING_REFUSALS);
  optStr(d, 'field', p);
  instant(d, 'refusedAt', p);
  optStr(d, 'dispenseId', p);
  if (d.traceCodes !== undefined)
    arr(d, 'traceCodes', p, MAX_LINES * MAX_TRACE_CODES, 1).forEach((e, i) => {
      const q = `${p}.traceCodes[${i}]`;
      const t = obj(e, q);
      if (typeof t.traceCode !== 'string' || !TRACE_CODE.test(t.traceCode)) fail(`${q}.traceCode`, 'must be exactly 20 digits');
      str(t, 'field', q);
      str(t, 'heldByDispenseId', q);
      optStr(t, 'heldByPrescriptionId', q);
    });
  if (d.code === 'TRACE_CODE_USED' && d.traceCodes === undefined) fail(`${p}.traceCodes`, 'must name the codes for TRACE_CODE_USED');
  if (d.drugCodes !== undefined) arr(d, 'drugCodes', p, MAX_LINES).forEach((c, i) => (typeof c === 'string' && c.length > 0 && c.length <= MAX_ID ? undefined : fail(`${p}.drugCodes[${i}]`, 'must be a drug code')));
});

export const dispensingDataValidators: { [K in DispensingEventType]: (data: unknown) => DispensingDataValidation<DispensingEventDataByType[K]> } = {
  'rx.dispensing.prescription-claimed.v1': validatePrescriptionClaimedV1,
  'rx.dispensing.claim-released.v1': validateClaimReleasedV1,
  'rx.dispensing.prescription-reviewed.v1': validatePrescriptionReviewedV1,
  'rx.dispensing.dispensed.v1': validateDispensedV1,
  'rx.dispensing.dispense-reversed.v1': validateDispenseReversedV1,
  'rx.dispensing.revocation-answered.v1': validateRevocationAnsweredV1,
  'rx.dispensing.prescription-withdrawn.v1': validatePrescriptionWithdrawnV1,
  'rx.dispensing.attempt-refused.v1': validateAttemptRefusedV1,
};

export function isDispensingEventType(type: unknown): type is DispensingEventType {
  return typeof type === 'string' && (DISPENSING_EVENT_TYPES as readonly string[]).includes(type);
}

/**
 * For `ConsumerOptions.validate` on rx.dispensing.v1: a reason to dead-letter, or undefined.
 * Unknown types are refused; extra fields are tolerated (consumers read what they know).
 */
export function validateDispensingCloudEvent(event: CloudEvent): string | undefined {
  if (!isDispensingEventType(event.type)) return `unknown dispensing event type ${JSON.stringify(event.type)}`;
  const result = dispensingDataValidators[event.type](event.data);
  if (!result.ok) return `${event.type}: ${result.reason}`;
  const rxId = (event.data as { prescriptionId: string }).prescriptionId;
  if (event.subject !== rxId) return `${event.type}: subject must equal data.prescriptionId (${rxId})`;
  return undefined;
}
